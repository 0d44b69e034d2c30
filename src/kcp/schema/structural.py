"""The structural schema: a CRD's openAPIV3Schema parsed once, and the checks that make it servable.

`Node` is what pruning, defaulting, validation and CEL walk; `crd_schema_causes` is what CRD
validation reports, with kube's field paths and texts (apiextensions `validation.go`,
`schema/validation.go`, `schema/complete.go`), so `kubectl apply` of a bad CRD fails the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import re2

from kcp.apimachinery.errors import Cause
from kcp.schema import cel, defaulting
from kcp.schema.validation import forbidden, invalid, not_supported, required

_TYPES = ("array", "boolean", "integer", "number", "object", "string")
# kube validates only these formats; any other is dropped before validation (apiserver `formats.go`)
_STRING_FORMATS = frozenset(
    [
        "bsonobjectid",
        "uri",
        "email",
        "hostname",
        "ipv4",
        "ipv6",
        "cidr",
        "mac",
        "uuid",
        "uuid3",
        "uuid4",
        "uuid5",
        "isbn",
        "isbn10",
        "isbn13",
        "creditcard",
        "ssn",
        "hexcolor",
        "rgbcolor",
        "byte",
        "password",
        "date",
        "duration",
        "datetime",
        "k8sshortname",
        "k8slongname",
    ]
)
_NUMBER_FORMATS = {"integer": ("int32", "int64"), "number": ("float", "double")}
_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


def compile_pattern(pattern: str) -> Any:
    """Go's regexp is RE2: same syntax, and linear time, so a CRD's pattern cannot hang the server."""
    return re2.compile(pattern, _RE2_OPTIONS)


@dataclass(eq=False, slots=True)
class Node:
    """One schema node; nested value validations (allOf, anyOf, ...) are Nodes too."""

    raw: dict[str, Any]
    type: str = ""
    format: str = ""  # the format kube validates, "" when it ignores the declared one
    nullable: bool = False
    has_default: bool = False
    default: Any = None
    properties: dict[str, Node] = field(default_factory=dict)
    additional: Node | None = None
    additional_set: bool = False  # additionalProperties given (a schema, true or false)
    additional_allows: bool = True
    items: Node | None = None
    preserve_unknown: bool = False
    embedded: bool = False
    int_or_string: bool = False
    list_type: str = ""
    map_keys: tuple[str, ...] = ()
    map_type: str = ""
    enum: list[Any] | None = None
    required: tuple[str, ...] = ()
    maximum: float | None = None
    exclusive_maximum: bool = False
    minimum: float | None = None
    exclusive_minimum: bool = False
    multiple_of: float | None = None
    max_length: int | None = None
    min_length: int | None = None
    max_items: int | None = None
    min_items: int | None = None
    max_properties: int | None = None
    min_properties: int | None = None
    pattern: str = ""
    regex: Any = None
    unique_items: bool = False
    all_of: list[Node] = field(default_factory=list)
    any_of: list[Node] = field(default_factory=list)
    one_of: list[Node] = field(default_factory=list)
    not_: Node | None = None
    rules: list[cel.Rule] = field(default_factory=list)
    cel_below: bool = False  # rules here or in a descendant: CEL skips subtrees without
    cel_plain: bool = True  # rules see this subtree as stored: no renamed fields, typed formats, embedded
    defaults_below: bool = False  # defaulting skips subtrees without
    lists_below: bool = False  # a set or map list here or below
    embedded_below: bool = False  # an embedded resource below


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _num(v: Any) -> float | None:
    return v if isinstance(v, int | float) and not isinstance(v, bool) else None


def _effective_format(typ: str, fmt: str) -> str:
    if typ in ("", "string"):
        return fmt if fmt.replace("-", "") in _STRING_FORMATS else ""
    return fmt if fmt in _NUMBER_FORMATS.get(typ, ()) else ""


def parse(raw: Any) -> Node:
    """Build the Node tree; tolerant of malformed input, which `crd_schema_causes` reports."""
    s: dict[str, Any] = raw if isinstance(raw, dict) else {}
    typ = s.get("type") if isinstance(s.get("type"), str) else ""
    n = Node(raw=s, type=typ or "")
    n.int_or_string = s.get("x-kubernetes-int-or-string") is True
    n.format = "" if n.int_or_string else _effective_format(n.type, str(s.get("format") or ""))
    n.nullable = s.get("nullable") is True
    n.has_default, n.default = s.get("default") is not None, s.get("default")
    props = s.get("properties")
    n.properties = {k: parse(v) for k, v in props.items()} if isinstance(props, dict) else {}
    add = s.get("additionalProperties")
    if isinstance(add, dict):
        n.additional, n.additional_set = parse(add), True
    elif isinstance(add, bool):
        n.additional_set, n.additional_allows = True, add
    if isinstance(s.get("items"), dict):
        n.items = parse(s["items"])
    n.preserve_unknown = s.get("x-kubernetes-preserve-unknown-fields") is True
    n.embedded = s.get("x-kubernetes-embedded-resource") is True
    n.list_type = str(s.get("x-kubernetes-list-type") or "")
    n.map_keys = tuple(k for k in s.get("x-kubernetes-list-map-keys") or () if isinstance(k, str))
    n.map_type = str(s.get("x-kubernetes-map-type") or "")
    n.enum = list(s["enum"]) if isinstance(s.get("enum"), list) else None
    n.required = tuple(k for k in s.get("required") or () if isinstance(k, str))
    n.maximum, n.minimum, n.multiple_of = (
        _num(s.get("maximum")),
        _num(s.get("minimum")),
        _num(s.get("multipleOf")),
    )
    n.exclusive_maximum = s.get("exclusiveMaximum") is True
    n.exclusive_minimum = s.get("exclusiveMinimum") is True
    n.max_length, n.min_length = _int(s.get("maxLength")), _int(s.get("minLength"))
    n.max_items, n.min_items = _int(s.get("maxItems")), _int(s.get("minItems"))
    n.max_properties, n.min_properties = _int(s.get("maxProperties")), _int(s.get("minProperties"))
    n.unique_items = s.get("uniqueItems") is True
    if isinstance(s.get("pattern"), str) and s["pattern"]:
        n.pattern = s["pattern"]
        try:
            n.regex = compile_pattern(n.pattern)
        except re2.error:
            n.regex = None
    for key, attr in (("allOf", "all_of"), ("anyOf", "any_of"), ("oneOf", "one_of")):
        if isinstance(s.get(key), list):
            setattr(n, attr, [parse(x) for x in s[key]])
    if isinstance(s.get("not"), dict):
        n.not_ = parse(s["not"])
    kids = [x for x in (*n.properties.values(), n.additional, n.items) if x is not None]
    n.defaults_below = any(x.has_default or x.defaults_below for x in kids)
    n.lists_below = n.list_type in ("set", "map") or any(x.lists_below for x in kids)
    n.embedded_below = any(x.embedded or x.embedded_below for x in kids)
    return n


def crd_schema_causes(schema: Any, path: str) -> list[Cause]:
    """All CRD validation errors of one version's openAPIV3Schema at `path`, in kube's order."""
    if not isinstance(schema, dict):
        return [required(path, "")]
    node = parse(schema)
    first: list[Cause] = []
    if not (_unsupported(schema)):
        first = sorted(
            _invariants(node, "root", path) + _complete(node, path), key=lambda c: f"{c.field}: {c.message}"
        )
        if not first:
            first = defaulting.default_causes(node, path)
    schema_errs: list[Cause] = []
    cel_errs: list[Cause] = []
    if schema.get("nullable") is True:
        schema_errs.append(forbidden(f"{path}.nullable", "nullable cannot be true at the root"))
    _openapi(schema, node, path, _Ctx(cel_ok=not first), schema_errs, cel_errs, root=True)
    return first + schema_errs + cel_errs


def _unsupported(s: dict[str, Any]) -> bool:
    """Fields NewStructural refuses; the OpenAPI checks below already report each of them."""
    if any(s.get(k) for k in ("id", "$schema", "$ref", "patternProperties", "dependencies", "definitions")):
        return True
    if "additionalItems" in s or isinstance(s.get("items"), list):
        return True
    subs = [
        *(s.get("properties") or {}).values(),
        s.get("items"),
        s.get("additionalProperties"),
        s.get("not"),
        *(s.get("allOf") or []),
        *(s.get("anyOf") or []),
        *(s.get("oneOf") or []),
    ]
    return any(_unsupported(x) for x in subs if isinstance(x, dict))


# --- structurality (apiextensions schema/validation.go, complete.go) ---------------------------


def _invariants(n: Node, lvl: str, p: str) -> list[Cause]:
    errs: list[Cause] = []
    if n.type == "array" and n.items is None:
        errs.append(required(f"{p}.items", "must be specified"))
    if n.items is not None:
        errs += _invariants(n.items, "item", f"{p}.items")
    for k, sub in n.properties.items():
        errs += _invariants(sub, "field", f"{p}.properties[{k}]")
    if n.additional_set:
        if lvl == "root":
            errs.append(forbidden(f"{p}.additionalProperties", "must not be used at the root"))
        if n.additional is not None:
            errs += _invariants(n.additional, "field", f"{p}.additionalProperties")
    if n.int_or_string and n.preserve_unknown:
        errs.append(
            invalid(
                f"{p}.x-kubernetes-preserve-unknown-fields",
                True,
                "must be false if x-kubernetes-int-or-string is true",
            )
        )
    if n.int_or_string and n.embedded:
        errs.append(
            invalid(
                f"{p}.x-kubernetes-embedded-resource",
                True,
                "must be false if x-kubernetes-int-or-string is true",
            )
        )
    skip_any = _is_ios(n.raw.get("anyOf"))
    all_of = n.raw.get("allOf")
    skip_first_all = isinstance(all_of, list) and bool(all_of) and _is_ios(all_of[0].get("anyOf"))
    errs += _value_validation(n, p, skip_any, skip_first_all, lvl)
    if n.embedded and n.type != "object":
        why = "must be object if x-kubernetes-embedded-resource is true"
        errs.append(invalid(f"{p}.type", n.type, why) if n.type else required(f"{p}.type", why))
    elif not n.type and not n.int_or_string and not n.preserve_unknown:
        where = {
            "root": "at the root",
            "item": "for specified array items",
            "field": "for specified object fields",
        }
        errs.append(required(f"{p}.type", f"must not be empty {where[lvl]}"))
    if n.embedded and n.additional_set:
        errs.append(
            forbidden(
                f"{p}.additionalProperties", "must not be used if x-kubernetes-embedded-resource is set"
            )
        )
    if lvl == "root" and n.type and n.type != "object":
        errs.append(invalid(f"{p}.type", n.type, "must be object at the root"))
    check_meta = lvl == "root" or n.embedded
    for k in ("kind", "apiVersion"):
        if check_meta and k in n.properties and n.properties[k].type != "string":
            errs.append(invalid(f"{p}.properties[{k}].type", n.properties[k].type, "must be string"))
    meta = n.properties.get("metadata")
    if meta is not None:
        if check_meta and meta.type != "object":
            errs.append(invalid(f"{p}.properties[metadata].type", meta.type, "must be object"))
        extra = set(meta.raw) - {"type", "default", "properties"}
        names = set(meta.properties)
        if lvl == "root" and (extra or (names and not names <= {"name", "generateName"})):
            errs.append(
                forbidden(
                    f"{p}.properties[metadata]",
                    "must not specify anything other than name and "
                    "generateName, but metadata is implicitly specified",
                )
            )
    if n.embedded and not n.preserve_unknown and not n.properties:
        errs.append(
            required(
                f"{p}.properties",
                "must not be empty if x-kubernetes-embedded-resource is true "
                "without x-kubernetes-preserve-unknown-fields",
            )
        )
    return errs


def _is_ios(any_of: Any) -> bool:
    return bool(any_of == _INT_OR_STRING)


def _value_validation(n: Node, p: str, skip_any: bool, skip_first_all: bool, lvl: str) -> list[Cause]:
    errs: list[Cause] = []
    if not skip_any:
        errs += [e for i, x in enumerate(n.any_of) for e in _nested(x, f"{p}.anyOf[{i}]", lvl)]
    for i, x in enumerate(n.all_of):
        errs += _nested(x, f"{p}.allOf[{i}]", lvl, skip_any=skip_first_all and i == 0)
    errs += [e for i, x in enumerate(n.one_of) for e in _nested(x, f"{p}.oneOf[{i}]", lvl)]
    if n.not_ is not None:
        errs += _nested(n.not_, f"{p}.not", lvl)
    if n.pattern and n.regex is None:
        try:
            compile_pattern(n.pattern)
        except re2.error as err:
            msg = err.args[0].decode() if err.args and isinstance(err.args[0], bytes) else str(err)
            errs.append(
                invalid(
                    f"{p}.pattern",
                    n.pattern,
                    f"must be a valid regular expression, but isn't: error parsing regexp: {msg}",
                )
            )
    return errs


_NESTED_FORBIDDEN = (
    ("type", "must be empty to be structural"),
    ("additionalProperties", "must be undefined to be structural"),
    ("default", "must be undefined to be structural"),
    ("title", "must be empty to be structural"),
    ("description", "must be empty to be structural"),
    ("nullable", "must be false to be structural"),
    ("externalDocs", "must be undefined to be structural"),
    ("x-kubernetes-preserve-unknown-fields", "must be false to be structural"),
    ("x-kubernetes-embedded-resource", "must be false to be structural"),
    ("x-kubernetes-int-or-string", "must be false to be structural"),
    ("x-kubernetes-list-map-keys", "must be empty to be structural"),
    ("x-kubernetes-list-type", "must be undefined to be structural"),
    ("x-kubernetes-map-type", "must be undefined to be structural"),
    ("x-kubernetes-validations", "must be empty to be structural"),
)
_PRESENCE = ("additionalProperties", "default", "externalDocs")  # forbidden whenever given, even if empty


def _nested(n: Node, p: str, lvl: str, skip_any: bool = False) -> list[Cause]:
    errs = _value_validation(n, p, skip_any, False, lvl)
    if n.items is not None:
        errs += _nested(n.items, f"{p}.items", lvl)
    for k, sub in n.properties.items():
        errs += _nested(sub, f"{p}.properties[{k}]", "field")
    for key, why in _NESTED_FORBIDDEN:
        val = n.raw.get(key)
        if val is not None if key in _PRESENCE else bool(val):
            errs.append(forbidden(f"{p}.{key}", why))
    if "metadata" in n.properties:
        errs.append(forbidden(f"{p}.properties[metadata]", "must not be specified in a nested context"))
    return errs


def _complete(n: Node, p: str) -> list[Cause]:
    """Every field a value validation names must also be in the structural part of the schema."""
    errs: list[Cause] = []
    for key, subs in (
        ("not", [n.not_] if n.not_ else []),
        ("allOf", n.all_of),
        ("anyOf", n.any_of),
        ("oneOf", n.one_of),
    ):
        for i, v in enumerate(subs):
            errs += _complete_nested(v, n, p, f"{p}.{key}" if key == "not" else f"{p}.{key}[{i}]")
    return errs


def _complete_nested(v: Node, s: Node | None, sp: str, vp: str) -> list[Cause]:
    if s is None:
        return [required(sp, f"because it is defined in {vp}")]
    errs = [
        e
        for key, subs in (
            ("not", [v.not_] if v.not_ else []),
            ("allOf", v.all_of),
            ("anyOf", v.any_of),
            ("oneOf", v.one_of),
        )
        for i, x in enumerate(subs)
        for e in _complete_nested(x, s, sp, f"{vp}.{key}" if key == "not" else f"{vp}.{key}[{i}]")
    ]
    if v.items is not None:
        errs += _complete_nested(v.items, s.items, f"{sp}.items", f"{vp}.items")
    for k, sub in v.properties.items():
        if k not in s.properties:
            errs.append(required(f"{sp}.properties[{k}]", f"because it is defined in {vp}.properties[{k}]"))
        else:
            errs += _complete_nested(sub, s.properties[k], f"{sp}.properties[{k}]", f"{vp}.properties[{k}]")
    return errs


# --- OpenAPI checks (apiextensions ValidateCustomResourceDefinitionOpenAPISchema) ---------------


@dataclass(frozen=True, slots=True)
class _Ctx:
    cel_ok: bool  # structural and defaults are fine: rules may be compiled
    defaults_forbidden: str | None = None  # reason, when defaults are not allowed here
    inside_meta: bool = False
    no_old_self: str | None = None  # the uncorrelatable ancestor's path, when oldSelf is not allowed


_META_FIELDS = ("metadata", "kind", "apiVersion")


def _openapi(
    s: Any, n: Node, p: str, ctx: _Ctx, errs: list[Cause], cel_errs: list[Cause], root: bool = False
) -> None:
    if not isinstance(s, dict):
        return
    before = len(errs)
    errs += _ssv(s, p, ctx)
    if s.get("uniqueItems") is True:
        errs.append(
            forbidden(
                f"{p}.uniqueItems",
                "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
            )
        )
    add = s.get("additionalProperties")
    if add is not None:
        if s.get("properties") and (add is False or isinstance(add, dict)):
            errs.append(
                forbidden(
                    f"{p}.additionalProperties", "additionalProperties and properties are mutual exclusive"
                )
            )
        sub = (
            ctx
            if not ctx.inside_meta
            else _with(ctx, defaults_forbidden="inside additionalProperties applying to object metadata")
        )
        if n.additional is not None:
            _openapi(add, n.additional, f"{p}.additionalProperties", sub, errs, cel_errs)
    for k, ps in (s.get("properties") or {}).items():
        sub = ctx
        if n.map_type not in ("", "granular", "atomic"):
            sub = _with(sub, no_old_self=sub.no_old_self or p)
        if (root or s.get("x-kubernetes-embedded-resource") is True) and k in _META_FIELDS:
            sub = _with(sub, inside_meta=True)
            if root:
                sub = _with(sub, defaults_forbidden=f"in top-level {k}")
        _openapi(ps, n.properties[k], f"{p}.properties[{k}]", sub, errs, cel_errs)
    nested = _with(ctx, cel_ok=False)
    if n.not_ is not None:
        _openapi(s.get("not"), n.not_, f"{p}.not", nested, errs, cel_errs)
    for key, subs in (("allOf", n.all_of), ("oneOf", n.one_of), ("anyOf", n.any_of)):
        for i, x in enumerate(subs):
            _openapi(s[key][i], x, f"{p}.{key}[{i}]", nested, errs, cel_errs)
    if n.items is not None:
        sub = ctx if n.list_type == "map" else _with(ctx, no_old_self=ctx.no_old_self or p)
        _openapi(s.get("items"), n.items, f"{p}.items", sub, errs, cel_errs)
    if s.get("x-kubernetes-preserve-unknown-fields") is False:
        errs.append(invalid(f"{p}.x-kubernetes-preserve-unknown-fields", False, "must be true or undefined"))
    errs += _map_and_list_types(s, n, p)
    rules = s.get("x-kubernetes-validations")
    if rules:
        errs += cel.rule_field_causes(rules, n, p)
        if len(errs) == before and ctx.cel_ok:
            cel_errs += cel.rule_compile_causes(n, p, ctx.no_old_self)


def _with(ctx: _Ctx, **changes: Any) -> _Ctx:
    return _Ctx(**{**{k: getattr(ctx, k) for k in _Ctx.__slots__}, **changes})


def _ssv(s: dict[str, Any], p: str, ctx: _Ctx) -> list[Cause]:
    errs: list[Cause] = []
    typ = s.get("type")
    if typ and typ not in _TYPES:
        errs.append(not_supported(f"{p}.type", typ, list(_TYPES)))
    if s.get("default") is not None and ctx.defaults_forbidden is not None:
        errs.append(forbidden(f"{p}.default", f"must not be set {ctx.defaults_forbidden}".rstrip()))
    for key, what in (
        ("id", "id"),
        ("additionalItems", "additionalItems"),
        ("patternProperties", "patternProperties"),
        ("definitions", "definitions"),
        ("dependencies", "dependencies"),
        ("$ref", "$ref"),
    ):
        if s.get(key) not in (None, "", {}) or (
            key in ("additionalItems", "dependencies", "$ref") and key in s
        ):
            errs.append(forbidden(f"{p}.{key}", f"{what} is not supported"))
    if typ == "null":
        errs.append(forbidden(f"{p}.type", "type cannot be set to null, use nullable as an alternative"))
    if isinstance(s.get("items"), list) and s["items"]:
        errs.append(forbidden(f"{p}.items", "items must be a schema object and not an array"))
    if ctx.inside_meta and s.get("x-kubernetes-embedded-resource") is True:
        errs.append(
            forbidden(f"{p}.x-kubernetes-embedded-resource", "must not be used inside of resource meta")
        )
    return errs


def _map_and_list_types(s: dict[str, Any], n: Node, p: str) -> list[Cause]:
    errs: list[Cause] = []
    typ = s.get("type") or ""
    if "x-kubernetes-map-type" in s:
        if typ != "object":
            why = "must be object if x-kubernetes-map-type is specified"
            errs.append(invalid(f"{p}.type", typ, why) if typ else required(f"{p}.type", why))
        if n.map_type not in ("atomic", "granular"):
            errs.append(
                not_supported(
                    f"{p}.x-kubernetes-map-type", s["x-kubernetes-map-type"], ["atomic", "granular"]
                )
            )
    lt, items = n.list_type, n.items
    if "x-kubernetes-list-type" in s and typ != "array":
        why = "must be array if x-kubernetes-list-type is specified"
        errs.append(invalid(f"{p}.type", typ, why) if typ else required(f"{p}.type", why))
    elif lt == "set" and items is not None:
        if items.type == "array" and items.list_type not in ("", "atomic"):
            errs.append(
                invalid(
                    f"{p}.items.x-kubernetes-list-type",
                    items.list_type,
                    "must be atomic as item of a list with x-kubernetes-list-type=set",
                )
            )
        if items.type == "object" and items.map_type != "atomic":
            errs.append(
                invalid(
                    f"{p}.items.x-kubernetes-map-type",
                    items.raw.get("x-kubernetes-list-type"),
                    "must be atomic as item of a list with x-kubernetes-list-type=set",
                )
            )
    if "x-kubernetes-list-type" in s and lt not in ("atomic", "set", "map"):
        errs.append(
            not_supported(
                f"{p}.x-kubernetes-list-type", s["x-kubernetes-list-type"], ["atomic", "set", "map"]
            )
        )
    if n.map_keys:
        why = "must be map if x-kubernetes-list-map-keys is non-empty"
        if not lt:
            errs.append(required(f"{p}.x-kubernetes-list-type", why))
        elif lt != "map":
            errs.append(invalid(f"{p}.x-kubernetes-list-type", lt, why))
    if lt == "map":
        errs += _list_map(s, n, p)
    if lt in ("set", "map") and items is not None:
        if items.nullable:
            errs.append(
                forbidden(f"{p}.items.nullable", f"cannot be nullable when x-kubernetes-list-type is {lt}")
            )
        for k in n.map_keys if lt == "map" else ():
            key = items.properties.get(k)
            if key is None:
                continue
            if k not in items.required and not key.has_default:
                errs.append(
                    required(
                        f"{p}.items.properties[{k}].default",
                        "this property is in "
                        "x-kubernetes-list-map-keys, so it must have a default or be a required property",
                    )
                )
            if key.nullable:
                errs.append(
                    forbidden(
                        f"{p}.items.properties[{k}].nullable",
                        "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
                    )
                )
    return errs


def _list_map(s: dict[str, Any], n: Node, p: str) -> list[Cause]:
    errs: list[Cause] = []
    keys = list(n.map_keys)
    if not keys:
        errs.append(
            required(f"{p}.x-kubernetes-list-map-keys", "must not be empty if x-kubernetes-list-type is map")
        )
    if "items" not in s:
        errs.append(required(f"{p}.items", "must have a schema if x-kubernetes-list-type is map"))
    elif n.items is None:
        errs.append(
            invalid(
                f"{p}.items", s["items"], "must only have a single schema if x-kubernetes-list-type is map"
            )
        )
    elif n.items.type != "object":
        errs.append(
            invalid(
                f"{p}.items.type",
                n.items.type,
                "must be object if parent array's x-kubernetes-list-type is map",
            )
        )
    else:
        seen: set[str] = set()
        for k in keys:
            prop = n.items.properties.get(k)
            if prop is None:
                errs.append(
                    invalid(
                        f"{p}.x-kubernetes-list-map-keys",
                        keys,
                        "entries must all be names of item properties",
                    )
                )
            elif prop.type in ("array", "object"):
                errs.append(
                    invalid(
                        f"{p}.items.properties[{k}].type",
                        n.items.type,
                        "must be a scalar type if parent array's x-kubernetes-list-type is map",
                    )
                )
            if k in seen:
                errs.append(
                    invalid(f"{p}.x-kubernetes-list-map-keys", keys, "must not contain duplicate entries")
                )
            seen.add(k)
    return errs
