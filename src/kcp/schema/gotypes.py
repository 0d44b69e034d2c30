"""Go's JSON type errors for built-in kinds, so a wrong JSON type is the 400 kube-apiserver answers.

kube decodes a built-in kind's body into its Go struct before anything else reads it: a string where
an int32 belongs, or a string where a list belongs, never reaches defaulting or validation and is
never stored. The message is encoding/json's `UnmarshalTypeError`: the innermost struct, the JSON
field path from the root (no list indices, no map keys) and the Go type, as in
`json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32`.
Custom resources are unstructured in kube; their schema validation reports types as 422 instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from kcp.schema.builtin import definition_of

_INT_BITS = {"int32": 32, "int64": 64}
# Go's named scalar types among the fields served here, which its errors print instead of `string`
_NAMED = {
    ("ObjectMeta", "uid"): "types.UID",
    ("OwnerReference", "uid"): "types.UID",
    ("ObjectReference", "uid"): "types.UID",
    ("ManagedFieldsEntry", "operation"): "v1.ManagedFieldsOperationType",
    ("NamespaceSpec", "finalizers"): "v1.FinalizerName",
    ("NamespaceStatus", "phase"): "v1.NamespacePhase",
    ("NamespaceCondition", "type"): "v1.NamespaceConditionType",
    ("NamespaceCondition", "status"): "v1.ConditionStatus",
    ("Secret", "type"): "v1.SecretType",
}


@dataclass(slots=True, eq=False)
class GoType:
    """One Go type of a kind's struct tree, reduced to what the decoder checks."""

    kind: str  # any | string | bytes | int | float | bool | intorstring | struct | map | slice | or
    name: str  # Go's spelling in errors: int32, []v1.Subject, map[string]string, v1.LeaseSpec
    struct: str = ""  # a struct's type name without its package: "Go struct field LeaseSpec.…"
    fields: dict[str, GoType] = field(default_factory=dict)
    elem: GoType | None = None
    bits: int = 64
    schema: GoType | None = None  # for "or": JSONSchemaProps' union fields, an object is this schema
    otherwise: str = ""  # for "or": "bool" or "strings" (a list of strings), else a list of schemas


def go_type(schema: Mapping[str, Any], model: str) -> GoType:
    """The Go type of a built-in kind from its inline schema; `model` is the kind's model name
    (`io.k8s.api.coordination.v1.Lease`), whose package is preferred for its nested types."""
    return _build(schema, model.rsplit(".", 1)[0], _go_name(model))


def type_error(t: GoType, obj: Any) -> str | None:
    """encoding/json's error for the first value (in document order) of the wrong JSON type, if any."""
    return _check(t, obj, "", ())


def _go_name(model: str) -> str:
    """Go's spelling of a model name: `io.k8s.api.core.v1.Subject` is `v1.Subject`."""
    return ".".join(model.rsplit(".", 2)[-2:])


def _build(s: Mapping[str, Any], package: str, name: str = "") -> GoType:
    if s.get("x-kubernetes-preserve-unknown-fields") is True:
        return GoType("any", "interface {}")
    if s.get("x-kubernetes-int-or-string") is True:
        return GoType("intorstring", "int32")
    typ, fmt = s.get("type"), s.get("format", "")
    if typ == "string" and fmt == "quantity":  # its UnmarshalJSON takes numbers too; the strategy parses
        return GoType("any", "resource.Quantity")
    if typ == "string":
        return GoType("bytes", "[]uint8") if fmt == "byte" else GoType("string", "string")
    if typ == "integer":
        return GoType("int", fmt if fmt in _INT_BITS else "int64", bits=_INT_BITS.get(fmt, 64))
    if typ == "number":
        return GoType("float", "float64")
    if typ == "boolean":
        return GoType("bool", "bool")
    if typ == "array" and isinstance(s.get("items"), Mapping):
        elem = _build(s["items"], package)
        return GoType("slice", f"[]{elem.name}", elem=elem)
    if typ == "object" and isinstance(s.get("properties"), Mapping):
        if not name and (d := definition_of(s, package)) is not None:
            name = _go_name(d.name)
        struct = name.rsplit(".", 1)[-1]
        fields = {
            k: _SCHEMA_PROPS
            if (struct, k) == _SCHEMA_FIELD
            else _named(_build(v, package), _NAMED.get((struct, k)))
            for k, v in s["properties"].items()
            if isinstance(v, Mapping)
        }
        return GoType("struct", name, struct=struct, fields=fields)
    if typ == "object" and isinstance(s.get("additionalProperties"), Mapping):
        elem = _build(s["additionalProperties"], package)
        return GoType("map", f"map[string]{elem.name}", elem=elem)
    return GoType("any", "interface {}")


def _named(t: GoType, name: str | None) -> GoType:
    """A field of a named scalar type, or a list of them (`[]v1.FinalizerName`)."""
    if name is None:
        return t
    if t.kind == "slice" and t.elem is not None:
        t.elem.name, t.name = name, f"[]{name}"
    else:
        t.name = name
    return t


def _json_kind(v: Any) -> str:
    """encoding/json's name for a JSON value in its errors."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _message(value: str, t: GoType, struct: str, path: tuple[str, ...]) -> str:
    where = f"Go struct field {struct}.{'.'.join(path)}" if path else "Go value"
    return f"json: cannot unmarshal {value} into {where} of type {t.name}"


def _check(t: GoType, v: Any, struct: str, path: tuple[str, ...]) -> str | None:
    if v is None or t.kind == "any":
        return None
    kind = t.kind
    if kind == "string":
        return None if isinstance(v, str) else _message(_json_kind(v), t, struct, path)
    if kind == "bytes":
        return _base64_error(v) if isinstance(v, str) else _message(_json_kind(v), t, struct, path)
    if kind == "bool":
        return None if isinstance(v, bool) else _message(_json_kind(v), t, struct, path)
    if kind == "float":
        ok = isinstance(v, int | float) and not isinstance(v, bool)
        return None if ok else _message(_json_kind(v), t, struct, path)
    if kind == "int":
        return _check_int(t, v, struct, path)
    if kind == "intorstring":
        return None if isinstance(v, str) else _check_int(t, v, struct, path)
    if kind == "or":
        return _check_union(t, v, struct, path)
    if kind == "slice":
        if not isinstance(v, list):
            return _message(_json_kind(v), t, struct, path)
        elem = t.elem
        assert elem is not None
        if elem.kind == "string" and all(type(x) is str for x in v):
            return None
        for x in v:
            if (err := _check(elem, x, struct, path)) is not None:
                return err
        return None
    if not isinstance(v, dict):
        return _message(_json_kind(v), t, struct, path)
    if kind == "map":
        elem = t.elem
        assert elem is not None
        if elem.kind == "string" and all(type(x) is str for x in v.values()):
            return None
        for x in v.values():
            if (err := _check(elem, x, struct, path)) is not None:
                return err
        return None
    for k, x in v.items():
        sub = t.fields.get(k)
        if sub is not None and (err := _check(sub, x, t.struct, (*path, k))) is not None:
            return err
    return None


_SCALAR_ZEROS: dict[str, Any] = {"string": "", "int": 0, "float": 0, "bool": False}


def zero_null_items(t: GoType, v: Any) -> None:
    """What Go's decoder makes of a null inside a list or map: the element type's zero value (the
    empty struct, "", 0, false). In place, on a value `type_error` found well typed, so validation
    never meets such a null (`admissionReviewVersions: [null]` is `[""]` to kube)."""
    if isinstance(v, list) and t.kind == "slice" and t.elem is not None:
        if None in v and (zero := _zero(t.elem)) is not None:
            v[:] = [zero() if x is None else x for x in v]
        if t.elem.kind in ("struct", "slice", "map"):
            for x in v:
                zero_null_items(t.elem, x)
    elif isinstance(v, dict) and t.kind == "map" and t.elem is not None:
        if (zero := _zero(t.elem)) is not None:
            for k, x in v.items():
                if x is None:
                    v[k] = zero()
        if t.elem.kind in ("struct", "slice", "map"):
            for x in v.values():
                zero_null_items(t.elem, x)
    elif isinstance(v, dict) and t.kind == "struct":
        for k, x in v.items():
            sub = t.fields.get(k)
            if sub is not None and sub.kind in ("struct", "slice", "map"):
                zero_null_items(sub, x)


def _zero(t: GoType) -> Callable[[], Any] | None:
    """A maker of the zero value an element of type `t` decodes a null to; None where null stays."""
    if t.kind == "struct":
        return dict
    if t.kind in _SCALAR_ZEROS:
        value = _SCALAR_ZEROS[t.kind]
        return lambda: value
    return None


def _check_union(t: GoType, v: Any, struct: str, path: tuple[str, ...]) -> str | None:
    """JSONSchemaProps' own UnmarshalJSON for items, additionalProperties and dependencies: an object
    is a schema; otherwise a bool, a list of strings or a list of schemas (others are ignored, as
    theirs are, except where a bool is the only other choice)."""
    assert t.schema is not None
    if isinstance(v, dict):
        return _check(t.schema, v, struct, path)
    if t.otherwise == "bool":
        return None if isinstance(v, bool) else "boolean or JSON schema expected"
    if not isinstance(v, list):
        return None
    elem = GoType("string", "string") if t.otherwise == "strings" else t.schema
    return _check(GoType("slice", f"[]{elem.name}", elem=elem), v, struct, path)


def _check_int(t: GoType, v: Any, struct: str, path: tuple[str, ...]) -> str | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return _message(_json_kind(v), t, struct, path)
    limit = 1 << (t.bits - 1)
    if isinstance(v, float) or not -limit <= v < limit:
        return _message(f"number {orjson.dumps(v).decode()}", t, struct, path)
    return None


_BASE64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_NEWLINES = frozenset(b"\r\n")


def _base64_error(text: str) -> str | None:
    """encoding/base64's StdEncoding.Decode error for a []byte field, which encoding/json reports as
    is: `illegal base64 data at input byte N` (newlines skipped, padding required)."""
    src, i, n = text.encode(), 0, len(text.encode())
    while True:
        j = 0  # characters of this 4-character quantum seen
        while j < 4:
            if i == n:
                return None if j == 0 else _corrupt(i - j)
            c = src[i]
            i += 1
            if c in _BASE64:
                j += 1
                continue
            if c in _NEWLINES:
                continue
            if c != ord("=") or j < 2:
                return _corrupt(i - 1)
            if j == 2:  # "==" expected: the second one must follow, newlines aside
                while i < n and src[i] in _NEWLINES:
                    i += 1
                if i == n:
                    return _corrupt(n)
                if src[i] != ord("="):
                    return _corrupt(i - 1)
                i += 1
            while i < n and src[i] in _NEWLINES:
                i += 1
            return _corrupt(i) if i < n else None


def _corrupt(offset: int) -> str:
    return f"illegal base64 data at input byte {offset}"


def _schema_props() -> GoType:
    """apiextensions/v1 JSONSchemaProps, which kube decodes as a Go struct like the rest of a CRD:
    a schema whose `properties` is a list is a 400 at decoding, never a value validation reads."""
    props = GoType("struct", "v1.JSONSchemaProps", struct="JSONSchemaProps")
    string, boolean, any_ = GoType("string", "string"), GoType("bool", "bool"), GoType("any", "interface {}")
    int64, float64 = GoType("int", "int64"), GoType("float", "float64")
    strings = GoType("slice", "[]string", elem=string)
    schemas = GoType("slice", "[]v1.JSONSchemaProps", elem=props)
    by_name = GoType("map", "map[string]v1.JSONSchemaProps", elem=props)
    or_bool = GoType("or", "v1.JSONSchemaPropsOrBool", schema=props, otherwise="bool")
    rule = GoType(
        "struct",
        "v1.ValidationRule",
        struct="ValidationRule",
        fields={k: string for k in ("rule", "message", "messageExpression", "reason", "fieldPath")}
        | {"optionalOldSelf": boolean},
    )
    docs = GoType("struct", "v1.ExternalDocumentation", struct="ExternalDocumentation")
    docs.fields = {"description": string, "url": string}
    props.fields = {
        **{k: string for k in ("id", "$schema", "$ref", "description", "type", "format", "title", "pattern")},
        **{k: any_ for k in ("default", "example")},
        **{k: float64 for k in ("maximum", "minimum", "multipleOf")},
        **{
            k: int64
            for k in ("maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties")
        },
        **{k: boolean for k in ("exclusiveMaximum", "exclusiveMinimum", "uniqueItems", "nullable")},
        **{k: schemas for k in ("allOf", "oneOf", "anyOf")},
        **{k: by_name for k in ("properties", "patternProperties", "definitions")},
        **{k: or_bool for k in ("additionalProperties", "additionalItems")},
        "enum": GoType("slice", "[]v1.JSON", elem=any_),
        "required": strings,
        "items": GoType("or", "v1.JSONSchemaPropsOrArray", schema=props),
        "not": props,
        "dependencies": GoType(
            "map",
            "v1.JSONSchemaDependencies",
            elem=GoType("or", "v1.JSONSchemaPropsOrStringArray", schema=props, otherwise="strings"),
        ),
        "externalDocs": docs,
        **{k: boolean for k in ("x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource")},
        "x-kubernetes-int-or-string": boolean,
        "x-kubernetes-list-map-keys": strings,
        **{k: string for k in ("x-kubernetes-list-type", "x-kubernetes-map-type")},
        "x-kubernetes-validations": GoType("slice", "v1.ValidationRules", elem=rule),
    }
    return props


_SCHEMA_FIELD = ("CustomResourceValidation", "openAPIV3Schema")
_SCHEMA_PROPS = _schema_props()
