"""Schema defaults: applied where kube applies them, and checked when a CRD is written.

kube defaults a custom resource whenever it decodes one, from a request or from storage
(`defaulting/algorithm.go`), so a default added to a CRD shows up on the next read of old objects.
A default must itself be pruned and valid, rules included (`defaulting/validation.go`).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from kcp.apimachinery.errors import Cause
from kcp.schema import cel, pruning, validation
from kcp.schema.embedded import embedded_causes
from kcp.schema.fielderrors import NIL_PATH, invalid

if TYPE_CHECKING:
    from kcp.schema.structural import Node


def default(n: Node, x: Any) -> None:
    """Fill in missing fields, and non-nullable nulls, from their schema's default (deep copies)."""
    if isinstance(x, dict):
        for k, prop in n.properties.items():
            if prop.has_default and (k not in x or (x[k] is None and not prop.nullable)):
                x[k] = copy.deepcopy(prop.default)
        add = n.additional
        for k, v in x.items():
            sub = n.properties.get(k)
            if sub is None and add is not None and v is None and not add.nullable and add.has_default:
                x[k] = v = copy.deepcopy(add.default)
            sub = sub or add
            if sub is not None and sub.defaults_below:
                default(sub, v)
    elif isinstance(x, list) and n.items is not None:
        items = n.items
        for i, v in enumerate(x):
            if v is None and not items.nullable and items.has_default:
                x[i] = v = copy.deepcopy(items.default)
            if items.defaults_below:
                default(items, v)


def default_causes(root: Node, path: str) -> list[Cause]:
    """Every default must survive pruning unchanged and pass the schema and rules where it sits."""
    cel.prepare(root)
    return _check(root, path, inside_meta=False, resource=True)


def _check(n: Node, p: str, inside_meta: bool, resource: bool = False) -> list[Cause]:
    errs: list[Cause] = []
    if n.has_default:
        at = f"{p}.default"
        value = n.default
        pruned = copy.deepcopy(value)
        if not inside_meta and (pruning.prune_unknown(n, pruned, n.embedded) or pruned != value):
            errs.append(invalid(at, value, "must not have unknown fields"))
        found = _prefixed(validation.validate(n, value), at)
        if not found and n.embedded:
            found = embedded_causes(n, value, at)
        if not found:
            found = cel.validate(n, value, value, path=at, ratchet=False) or cel.validate(n, value, path=at)
        errs += found
    if n.items is not None:
        errs += _check(n.items, f"{p}.items", inside_meta)
    for k, sub in n.properties.items():
        meta = (n.embedded or resource) and k in ("metadata", "kind", "apiVersion")
        errs += _check(sub, f"{p}.properties[{k}]", inside_meta or meta)
    return errs


def _prefixed(causes: list[Cause], prefix: str) -> list[Cause]:
    """Schema errors of a default value sit under `....default` (kube validates it with that root path)."""
    return [
        Cause(c.type, c.message, prefix if c.field == NIL_PATH else f"{prefix}.{c.field}") for c in causes
    ]
