"""Schemas of the built-in kinds, one module per API group.

Each kind's schema is inline OpenAPI v3 (no `$ref`): the validator, pruner and strategic-merge patcher
read it directly. The OpenAPI publishers turn the named nested types (`DEFINITIONS`) back into
references, so published documents are named and shaped like kube-apiserver's. Field names and types
follow the Go types in k8s.io/api (kcp's in kcp's sdk/apis), which are the API; descriptions are our own.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType, ModuleType
from typing import Any

from kcp.schema.builtin import (
    admissionregistration,
    apiextensions,
    authentication,
    authorization,
    autoscaling,
    certificates,
    coordination,
    core,
    events,
    kcpcore,
    meta,
    rbac,
    tenancy,
)
from kcp.schema.builtin.fields import Definition, Schema

GVK = tuple[str, str, str]

_GROUPS = (
    core,
    events,
    coordination,
    certificates,
    rbac,
    apiextensions,
    admissionregistration,
    authorization,
    authentication,
    autoscaling,
)

# kcp's own kinds, served in every logical cluster. Kept apart from kube's: `index()` is what the
# official client's models check field by field, and kcp's kinds are not among them.
_KCP_GROUPS = (kcpcore, tenancy)

# Model-name prefix of each built-in group: every module's PACKAGE ends in its (only) version.
_PACKAGES = {module.GROUP: module.PACKAGE.rsplit(".", 1)[0] for module in _GROUPS + _KCP_GROUPS}

DEFINITIONS: tuple[Definition, ...] = meta.DEFINITIONS + tuple(
    d for m in _GROUPS + _KCP_GROUPS for d in m.DEFINITIONS
)


def _build(modules: tuple[ModuleType, ...]) -> Mapping[GVK, Schema]:
    return MappingProxyType(
        {
            (m.GROUP, version, kind): copy.deepcopy(build())
            for m in modules
            for (version, kind), build in m.KINDS.items()
        }
    )


@cache
def index() -> Mapping[GVK, Schema]:
    """Kube's kinds: (group, version, kind) → inline schema. Shared and cached: callers must not mutate
    what they get."""
    return _build(_GROUPS)


@cache
def kcp_index() -> Mapping[GVK, Schema]:
    """kcp's tenancy kinds (Workspace, WorkspaceType, LogicalCluster), shared and cached like `index`."""
    return _build(_KCP_GROUPS)


def schema_for(group: str, version: str, kind: str) -> Schema | None:
    """The inline schema of a built-in kind, kube's or kcp's, or None for kinds defined by CRDs."""
    gvk = (group, version, kind)
    return index().get(gvk) or kcp_index().get(gvk)


@cache
def _definitions_by_fields() -> Mapping[frozenset[str], tuple[Definition, ...]]:
    by: dict[frozenset[str], list[Definition]] = {}
    for d in DEFINITIONS:
        by.setdefault(frozenset(d.body.get("properties", ())), []).append(d)
    return MappingProxyType({k: tuple(v) for k, v in by.items()})


def definition_of(node: Mapping[str, Any], package: str) -> Definition | None:
    """The named type an inline schema node copies (its description aside), if any; among types of
    the same shape, the one in `package` (`io.k8s.api.core.v1`) wins."""
    props = node.get("properties")
    if not isinstance(props, dict):
        return None
    found = None
    for d in _definitions_by_fields().get(frozenset(props), ()):
        if {k: v for k, v in node.items() if k != "description"} == d.body:
            if d.name.startswith(package + "."):
                return d
            found = found or d
    return found


def definition_name(group: str, version: str, kind: str) -> str:
    """The model name kube publishes: `io.k8s.api.core.v1.ConfigMap` for built-in groups, the reversed
    group for others (`com.example.v1.Widget`), as the CRD OpenAPI builder names them."""
    package = _PACKAGES.get(group)
    if package is None:
        package = ".".join(reversed(group.split(".")))
    return f"{package}.{version}.{kind}"
