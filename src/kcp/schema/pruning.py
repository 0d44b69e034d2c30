"""Dropping what a schema does not specify, as kube does when it decodes a custom resource.

Three steps of apiextensions' schema coercion (`pruning/algorithm.go`, `defaulting/prunenulls.go`,
`objectmeta/coerce.go`): unknown fields go unless x-kubernetes-preserve-unknown-fields or
additionalProperties keep them; nulls in non-nullable fields without a default go; ObjectMeta at the
root and in embedded resources keeps only ObjectMeta's own fields. The returned paths are the ones
`fieldValidation=Strict` rejects (`unknown field "spec.bogus"`) and `Warn` reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kcp.schema.structural import Node

_META_FIELDS = frozenset({"apiVersion", "kind", "metadata"})
OBJECT_META = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    }
)
_NESTED_META = {
    "ownerReferences": frozenset({"apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion"}),
    "managedFields": frozenset(
        {"manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1", "subresource"}
    ),
}


def prune(node: Node, obj: dict[str, Any]) -> list[str]:
    """Prune obj in place; return the dropped fields' paths in kube's order (metadata first, then sorted)."""
    meta = prune_object_meta(obj.get("metadata"), "metadata")
    unknown = prune_unknown(node, obj, resource=True)
    prune_nulls(node, obj)
    embedded: list[str] = []
    _coerce_embedded(obj, node, "", embedded, root=True)
    return meta + sorted(unknown) + sorted(embedded)


def prune_unknown(node: Node, x: Any, resource: bool = False) -> list[str]:
    """Only the unknown-field step, for values such as a schema's defaults."""
    unknown: list[str] = []
    _prune(x, node, "", unknown, resource)
    return unknown


def prune_object_meta(meta: Any, path: str) -> list[str]:
    """Keep only ObjectMeta's fields (kube round-trips metadata through its Go type)."""
    if not isinstance(meta, dict):
        return []
    dropped = [f"{path}.{k}" for k in meta if k not in OBJECT_META]
    for k in dropped:
        del meta[k.rsplit(".", 1)[1]]
    for key, known in _NESTED_META.items():
        entries = meta.get(key)
        for i, entry in enumerate(entries if isinstance(entries, list) else ()):
            if isinstance(entry, dict):
                for k in [k for k in entry if k not in known]:
                    dropped.append(f"{path}.{key}[{i}].{k}")
                    del entry[k]
    return dropped


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _prune(x: Any, n: Node | None, path: str, unknown: list[str], resource: bool = False) -> None:
    if n is not None and n.preserve_unknown:
        _keep(x, n, path, unknown, resource)
    elif isinstance(x, dict):
        if n is None:
            unknown += [_join(path, k) for k in x]
            x.clear()
            return
        for k in list(x):
            if (resource or n.embedded) and k in _META_FIELDS:
                continue
            sub = n.properties.get(k)
            if sub is not None or n.additional_set:
                _prune(x[k], sub or n.additional, _join(path, k), unknown)
            else:
                if k not in _META_FIELDS or path:
                    unknown.append(_join(path, k))
                del x[k]
    elif isinstance(x, list):
        for i, item in enumerate(x):
            _prune(item, None if n is None else n.items, f"{path}[{i}]", unknown)


def _keep(x: Any, n: Node, path: str, unknown: list[str], resource: bool = False) -> None:
    """Under x-kubernetes-preserve-unknown-fields unknown keys stay; known ones are still pruned inside."""
    if isinstance(x, dict):
        for k in list(x):
            if (resource or n.embedded) and k in _META_FIELDS:
                continue
            sub = n.properties.get(k)
            if sub is not None or n.additional_set:
                _prune(x[k], sub or n.additional, _join(path, k), unknown)
    elif isinstance(x, list) and n.items is not None:
        for i, item in enumerate(x):
            _keep(item, n.items, f"{path}[{i}]", unknown)


def prune_nulls(n: Node | None, x: Any) -> None:
    """Drop nulls where the schema allows no null and has no default to put there."""
    if n is None:
        return
    if isinstance(x, dict):
        for k in list(x):
            sub = n.properties.get(k) or n.additional
            if x[k] is None and sub is not None and not sub.nullable and not sub.has_default:
                del x[k]
            else:
                prune_nulls(sub, x[k])
    elif isinstance(x, list):
        for item in x:
            prune_nulls(n.items, item)


def _coerce_embedded(x: Any, n: Node | None, path: str, dropped: list[str], root: bool = False) -> None:
    """ObjectMeta of embedded resources, with field paths (`spec.template.metadata.bogus`)."""
    if n is None or not (n.embedded or n.embedded_below):
        return  # nothing embedded here or below: most kinds end their walk at the root
    if isinstance(x, dict):
        if n.embedded and not root and isinstance(x.get("metadata"), dict):
            dropped += prune_object_meta(x["metadata"], _join(path, "metadata"))
            if x["metadata"].get("creationTimestamp", "") is None:
                del x["metadata"]["creationTimestamp"]
        for k, v in x.items():
            sub = n.properties.get(k)
            if sub is not None:
                _coerce_embedded(v, sub, _join(path, k), dropped)
            elif n.additional is not None:
                _coerce_embedded(v, n.additional, f"{path}[{k}]", dropped)
    elif isinstance(x, list):
        for i, v in enumerate(x):
            _coerce_embedded(v, n.items, f"{path}[{i}]", dropped)
