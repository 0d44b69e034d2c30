"""Whether a CRD schema is structural: apiextensions `schema/validation.go` and `complete.go`.

A structural schema says the type of every field in its own properties, items and
additionalProperties; value validations (allOf, anyOf, oneOf, not) may only narrow it. Pruning,
defaulting and CEL need exactly that, so a schema failing here is refused with kube's field paths.
"""

from __future__ import annotations

from typing import Any

import re2

from kcp.apimachinery.errors import Cause
from kcp.schema.fielderrors import forbidden, invalid, required
from kcp.schema.structural import Node, compile_pattern

_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]


def invariants(n: Node, lvl: str, p: str) -> list[Cause]:
    """Structural errors of the schema at `p`; `lvl` (root, item or field) picks kube's texts."""
    errs: list[Cause] = []
    if n.type == "array" and n.items is None:
        errs.append(required(f"{p}.items", "must be specified"))
    if n.items is not None:
        errs += invariants(n.items, "item", f"{p}.items")
    for k, sub in n.properties.items():
        errs += invariants(sub, "field", f"{p}.properties[{k}]")
    if n.additional_set:
        if lvl == "root":
            errs.append(forbidden(f"{p}.additionalProperties", "must not be used at the root"))
        if n.additional is not None:
            errs += invariants(n.additional, "field", f"{p}.additionalProperties")
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


def complete(n: Node, p: str) -> list[Cause]:
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
