"""What CRD validation reports about one version's openAPIV3Schema, in kube's order and texts.

Structurality first (for a structural schema, its defaults instead), then kube's OpenAPI checks
(apiextensions `validation.go`, ValidateCustomResourceDefinitionOpenAPISchema), then the CEL rules
that do not compile, so `kubectl apply` of a bad CRD fails the same way it does against kube.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kcp.apimachinery.errors import Cause
from kcp.schema import defaulting
from kcp.schema.cel_rules import rule_compile_causes, rule_field_causes
from kcp.schema.fielderrors import forbidden, invalid, not_supported, required
from kcp.schema.structural import Node, parse
from kcp.schema.structurality import complete, invariants

_TYPES = ("array", "boolean", "integer", "number", "object", "string")


def crd_schema_causes(schema: Any, path: str) -> list[Cause]:
    """All CRD validation errors of one version's openAPIV3Schema at `path`, in kube's order."""
    if not isinstance(schema, dict):
        return [required(path, "")]
    node = parse(schema)
    first: list[Cause] = []
    if not (_unsupported(schema)):
        first = sorted(
            invariants(node, "root", path) + complete(node, path), key=lambda c: f"{c.field}: {c.message}"
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
        errs += rule_field_causes(rules, n, p)
        if len(errs) == before and ctx.cel_ok:
            cel_errs += rule_compile_causes(n, p, ctx.no_old_self)


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
