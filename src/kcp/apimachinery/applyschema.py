"""How server-side apply reads a kind's inline OpenAPI v3 schema.

Each node of an object is a leaf (a scalar, or an atomic map or list, owned and replaced whole), a
granular map (a struct or a string-keyed map, merged key by key), a set (a list of scalars, items named
by value) or a keyed list (items named by their key fields). The rules are kube-openapi's schemaconv:
`x-kubernetes-list-type` first, then the strategic-merge-patch extensions that built-in kinds carry, then
atomic. Where the schema says nothing (no schema, unknown or preserved fields) maps are granular and lists
atomic, as kube's deduced type converter does for unstructured objects.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]

MISSING: Any = object()  # no default value for a list key


class Shape(enum.Enum):
    LEAF = "leaf"
    MAP = "map"
    SET = "set"
    KEYED = "keyed"


def _flat(schema: Schema) -> Schema:
    """Fold `allOf` into the node, the way kube's OpenAPI wraps referenced types."""
    parts = schema.get("allOf")
    if not isinstance(parts, list):
        return schema
    merged: dict[str, Any] = {}
    for part in parts:
        if isinstance(part, dict):
            merged.update(_flat(part))
    merged.update((k, v) for k, v in schema.items() if k != "allOf")
    return merged


def _declared(schema: Schema) -> str:
    """object, array, scalar, any (atomic whatever it holds) or deduced (shape follows the value)."""
    typ = schema.get("type")
    if typ == "object" or (typ is None and ("properties" in schema or "additionalProperties" in schema)):
        return "object"
    if typ == "array" or (typ is None and "items" in schema):
        return "array"
    if typ in ("string", "integer", "number", "boolean"):
        return "scalar"
    if schema.get("x-kubernetes-int-or-string") or "anyOf" in schema or "oneOf" in schema:
        return "any"
    return "deduced"


def shape(schema: Schema | None, value: Any) -> Shape:
    """The shape of `value` at a node; a value that contradicts its schema is a leaf."""
    if isinstance(value, dict):
        if schema is None:
            return Shape.MAP
        s = _flat(schema)
        declared = _declared(s)
        if declared == "deduced" or (declared == "object" and s.get("x-kubernetes-map-type") != "atomic"):
            return Shape.MAP
        return Shape.LEAF
    if isinstance(value, list) and schema is not None:
        s = _flat(schema)
        return _list_shape(s) if _declared(s) == "array" else Shape.LEAF
    return Shape.LEAF


def _list_shape(schema: Schema) -> Shape:
    list_type = schema.get("x-kubernetes-list-type")
    if list_type == "set":
        return Shape.SET
    if list_type == "map":
        return Shape.KEYED if list_keys(schema) else Shape.LEAF
    if list_type is None and schema.get("x-kubernetes-patch-strategy") in ("merge", "merge,retainKeys"):
        return Shape.KEYED if list_keys(schema) else Shape.SET
    return Shape.LEAF


def list_keys(schema: Schema) -> tuple[str, ...]:
    """The fields naming an item of a keyed list (a merge key counts when no list type is declared)."""
    s = _flat(schema)
    if s.get("x-kubernetes-list-type") == "map":
        keys = s.get("x-kubernetes-list-map-keys")
        return tuple(str(k) for k in keys) if isinstance(keys, list) else ()
    key = s.get("x-kubernetes-patch-merge-key")
    return (key,) if isinstance(key, str) and key else ()


def key_default(schema: Schema, key: str) -> Any:
    """The schema default of a key field (kube fills `protocol: TCP` this way), or MISSING."""
    item = items(schema)
    field, _ = child(item, key)
    if field is None:
        return MISSING
    return _flat(field).get("default", MISSING)


def is_atomic(schema: Schema) -> bool:
    """Whether the schema makes a map or list one leaf, whatever value it holds."""
    s = _flat(schema)
    declared = _declared(s)
    if declared == "object":
        return s.get("x-kubernetes-map-type") == "atomic"
    return declared == "array" and _list_shape(s) is Shape.LEAF


def drops_null(schema: Schema | None) -> bool:
    """Whether a null here would not survive kube's typed decoding or CRD null pruning."""
    if schema is None:
        return False
    s = _flat(schema)
    return _declared(s) not in ("deduced", "any") and not s.get("nullable")


def child(schema: Schema | None, name: str) -> tuple[Schema | None, bool]:
    """The schema of a map entry, and whether it is a named struct field rather than a map key."""
    if schema is None:
        return None, False
    s = _flat(schema)
    properties = s.get("properties")
    if isinstance(properties, dict) and isinstance(properties.get(name), dict):
        return properties[name], True
    extra = s.get("additionalProperties")
    return (extra, False) if isinstance(extra, dict) else (None, False)


def items(schema: Schema | None) -> Schema | None:
    if schema is None:
        return None
    found = _flat(schema).get("items")
    return found if isinstance(found, dict) else None


def with_object_meta(schema: Schema | None) -> Schema:
    """The root schema with a typed `metadata`, as kube gives every kind (CRDs included) ObjectMeta.

    Without it, labels and annotations would be owned as deduced maps and ownerReferences atomically.
    """
    if schema is None:  # everything else is as the value has it
        return {
            "type": "object",
            "properties": {"metadata": OBJECT_META},
            "x-kubernetes-preserve-unknown-fields": True,
        }
    root = _flat(schema)
    properties = root.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    meta = properties.get("metadata")
    meta = _flat(meta) if isinstance(meta, Mapping) else {}
    declared = meta.get("properties")
    if not isinstance(declared, Mapping):
        return {**root, "properties": {**properties, "metadata": OBJECT_META}}
    if declared.keys() >= OBJECT_META["properties"].keys():
        return root
    # a CRD may constrain name and generateName; the rest of ObjectMeta is still there
    typed = {**meta, "properties": {**OBJECT_META["properties"], **declared}}
    return {**root, "properties": {**properties, "metadata": typed}}


_RESOURCE_FIELDS = frozenset({"apiVersion", "kind", "metadata"})


def undeclared(schema: Schema | None, name: str, *, resource: bool) -> bool:
    """Whether `name` is a field that the struct `schema` does not declare, which structured-merge-diff
    refuses in an applied object ("field not declared in schema") where decoding would only drop it.

    Free-form maps, preserved unknown fields and a resource's apiVersion, kind and metadata (at the root,
    `resource`, and in embedded resources) are declared; so is anything where the schema says nothing.
    """
    if schema is None:
        return False
    s = _flat(schema)
    properties = s.get("properties")
    if _declared(s) != "object" or not isinstance(properties, Mapping) or not properties:
        return False
    if name in properties or s.get("additionalProperties") not in (None, False):
        return False
    if s.get("x-kubernetes-preserve-unknown-fields"):
        return False
    return not ((resource or s.get("x-kubernetes-embedded-resource")) and name in _RESOURCE_FIELDS)


_STRING: Schema = {"type": "string"}
_STRING_MAP: Schema = {"type": "object", "additionalProperties": _STRING}

OBJECT_META: Schema = {
    "type": "object",
    "properties": {
        **{
            name: _STRING
            for name in ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion")
        },
        **{name: _STRING for name in ("creationTimestamp", "deletionTimestamp")},
        "generation": {"type": "integer"},
        "deletionGracePeriodSeconds": {"type": "integer"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
        "finalizers": {"type": "array", "items": _STRING, "x-kubernetes-list-type": "set"},
        "ownerReferences": {
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["uid"],
            "items": {
                "type": "object",
                "x-kubernetes-map-type": "atomic",
                "properties": {name: _STRING for name in ("apiVersion", "kind", "name", "uid")}
                | {"controller": {"type": "boolean"}, "blockOwnerDeletion": {"type": "boolean"}},
            },
        },
        "managedFields": {"type": "array", "x-kubernetes-list-type": "atomic", "items": {"type": "object"}},
    },
}
