"""Checks on x-kubernetes-embedded-resource objects: apiVersion, kind and metadata (`schema/objectmeta`).

kube runs them beside the schema validator, not inside it, so their errors carry field paths
(`spec.template.metadata.name`) rather than the validator's dotted ones.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from kcp.apimachinery.errors import Cause
from kcp.schema.fielderrors import invalid, required

if TYPE_CHECKING:
    from kcp.schema.structural import Node

_DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_GROUP_VERSION = re.compile(r"[^/]+(/[^/]+)?")


def embedded_causes(n: Node, v: Any, path: str) -> list[Cause]:
    """apiVersion, kind and metadata of x-kubernetes-embedded-resource objects (schema/objectmeta)."""
    errs: list[Cause] = []
    if isinstance(v, dict):
        if n.embedded:
            errs += _embedded(v, path)
        if not n.embedded_below:
            return errs
        for k, item in v.items():
            sub = n.properties.get(k)
            if sub is not None:
                errs += embedded_causes(sub, item, f"{path}.{k}" if path else k)
            elif n.additional is not None:
                errs += embedded_causes(n.additional, item, f"{path}[{k}]")
    elif isinstance(v, list) and n.items is not None and (n.items.embedded or n.items.embedded_below):
        for i, item in enumerate(v):
            errs += embedded_causes(n.items, item, f"{path}[{i}]")
    return errs


def _embedded(v: dict[str, Any], path: str) -> list[Cause]:
    errs = [required(f"{path}.{k}", "") for k in ("apiVersion", "kind") if k not in v]
    api, kind = v.get("apiVersion"), v.get("kind")
    if "apiVersion" in v:
        if not isinstance(api, str):
            errs.append(invalid(f"{path}.apiVersion", api, "must be a string"))
        elif not api:
            errs.append(invalid(f"{path}.apiVersion", api, "must not be empty"))
        elif not _GROUP_VERSION.fullmatch(api):
            errs.append(invalid(f"{path}.apiVersion", api, f"unexpected GroupVersion string: {api}"))
    if "kind" in v:
        if not isinstance(kind, str):
            errs.append(invalid(f"{path}.kind", kind, "must be a string"))
        elif not kind:
            errs.append(invalid(f"{path}.kind", kind, "must not be empty"))
        elif len(kind) > 63 or not _DNS1035.fullmatch(kind.lower()):
            errs.append(
                invalid(
                    f"{path}.kind",
                    kind,
                    "may have mixed case, but should otherwise match: a DNS-1035 "
                    "label must consist of lower case alphanumeric characters or '-', start with an "
                    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
                    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
                )
            )
    meta = v.get("metadata")
    if "metadata" in v and not isinstance(meta, dict):
        errs.append(invalid(f"{path}.metadata", meta, "expected map[string]interface{}"))
    elif isinstance(meta, dict):
        for key in ("name", "generateName"):
            value = meta.get(key)
            if isinstance(value, str) and value:
                errs += [invalid(f"{path}.metadata.{key}", value, why) for why in _segment_errors(value, key)]
    return errs


def _segment_errors(name: str, key: str) -> list[str]:
    """kube's path-segment name rules for embedded objects (IsValidPathSegmentName/Prefix)."""
    errs = [f"may not be '{name}'" for bad in (".", "..") if key == "name" and name == bad]
    return errs + [f"may not contain '{c}'" for c in "/%" if c in name]
