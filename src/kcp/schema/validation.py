"""Validating a custom resource against its structural schema, as kube-apiserver does.

The checks and texts are kube-openapi's `validate` package, converted to field errors the way
apiextensions' `kubeOpenAPIResultToFieldErrors` does: they keep kube-openapi's dotted paths
(`spec.labels.key`), where the list-type and embedded-resource checks use field paths
(`spec.labels[key]`). Updates ratchet: an unchanged subtree is not re-validated, so tightening a
schema never blocks an unrelated edit (CRDValidationRatcheting, on by default in kube).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from kcp.apimachinery.errors import Cause
from kcp.apimachinery.labels import go_quote
from kcp.schema.fielderrors import (
    NIL_PATH,
    go_float,
    go_json,
    invalid,
    not_supported,
    required,
    too_long,
    too_many,
    type_invalid,
)
from kcp.schema.formats import FORMATS

if TYPE_CHECKING:
    from kcp.schema.structural import Node

MISSING: Final = object()  # no correlated old value
_KIND = {bool: "boolean", int: "integer", float: "number", str: "string", dict: "object", list: "array"}


def same_json(a: Any, b: Any) -> bool:
    """Deep equality that, unlike `==`, keeps true apart from 1 at the top."""
    return type(a) is type(b) and a == b


class _Out:
    """Errors of one (sub)validation and kube-openapi's match count, which picks the anyOf error shown."""

    __slots__ = ("errs", "matches")

    def __init__(self) -> None:
        self.errs: list[Cause] = []
        self.matches = 0

    def add(self, cause: Cause) -> None:
        if cause not in self.errs:
            self.errs.append(cause)


def _at(name: str) -> str:
    return name.lstrip(".") if name not in ("", ".") else NIL_PATH


def _fail(name: str, value: Any, msg: str) -> Cause:
    return invalid(_at(name), "" if value is None else value, f"{name} in body {msg}")


def validate(node: Node, value: Any, old: Any = MISSING) -> list[Cause]:
    """Schema errors of a whole object; `old` (an update's stored object) turns on ratcheting."""
    out = _Out()
    _check(node, value, "", out, old)
    return out.errs


def _check(n: Node, v: Any, name: str, out: _Out, old: Any) -> None:
    if old is not MISSING and same_json(v, old):
        return
    out.matches += 1
    types = ("integer", "string") if n.int_or_string else (n.type,) if n.type else ()
    kind = _KIND.get(type(v), "")
    if v is None:
        if types and not n.nullable:
            out.add(
                type_invalid(_at(name), "null", f'{name} in body must be of type {",".join(types)}: "null"')
            )
        if n.enum:
            out.add(not_supported(_at(name), None, _enum_texts(n.enum)))
        return
    if types or n.format:
        _check_type(types, n.format, v, kind, name, out)
    if n.all_of or n.any_of or n.one_of or n.not_ is not None:
        _check_props(n, v, name, out)
    if kind == "string":
        _check_string(n, v, name, out)
    elif kind in ("integer", "number"):
        _check_number(n, v, kind, types, name, out)
    elif kind == "array":
        _check_array(n, v, name, out, old)
    if n.enum is not None and n.enum and not any(same_json(v, e) or _num_eq(v, e) for e in n.enum):
        out.add(not_supported(_at(name), v, _enum_texts(n.enum)))
    if kind == "object":
        _check_object(n, v, name, out, old)


def _num_eq(a: Any, b: Any) -> bool:
    return type(a) in (int, float) and type(b) in (int, float) and a == b


def _enum_texts(enum: list[Any]) -> list[str]:
    return [e if isinstance(e, str) else go_json(e) for e in enum]


def _check_type(types: tuple[str, ...], fmt: str, v: Any, kind: str, name: str, out: _Out) -> None:
    own_fmt = "int64" if kind == "integer" else "float64" if kind == "number" else ""
    float_int = kind == "number" and float(v).is_integer() and "integer" in types
    int_float = kind == "integer" and "number" in types
    if (
        kind not in ("string", "array")
        and fmt
        and not (kind in types or own_fmt == fmt or float_int or int_float)
    ):
        out.add(
            type_invalid(_at(name), own_fmt, f"{name} in body must be of type {fmt}: {go_quote(own_fmt)}")
        )
    elif "number" not in types and "integer" not in types and fmt and kind in ("string", "array"):
        return
    elif not (kind in types or float_int or int_float):
        want = ",".join(types)
        out.add(type_invalid(_at(name), kind, f"{name} in body must be of type {want}: {go_quote(kind)}"))


def _check_props(n: Node, v: Any, name: str, out: _Out) -> None:
    if n.any_of:
        best: _Out | None = None
        for sub in n.any_of:
            r = _sub(sub, v, name)
            if not r.errs:
                best = None
                break
            if best is None or r.matches > best.matches:
                best = r
        else:
            out.add(invalid(NIL_PATH, "", f"{go_quote(name)} must validate at least one schema (anyOf)"))
        for e in best.errs if best else ():
            out.add(e)
    if n.one_of:
        results = [_sub(sub, v, name) for sub in n.one_of]
        valid = sum(1 for r in results if not r.errs)
        if valid != 1:
            why = "Found none valid" if valid == 0 else f"Found {valid} valid alternatives"
            out.add(
                invalid(
                    NIL_PATH, "", f"{go_quote(name)} must validate one and only one schema (oneOf). {why}"
                )
            )
            failed = [r for r in results if r.errs]
            if valid == 0 and failed:
                for e in max(failed, key=lambda r: r.matches).errs:
                    out.add(e)
    if n.all_of:
        ok = 0
        for sub in n.all_of:
            r = _sub(sub, v, name)
            ok += not r.errs
            for e in r.errs:
                out.add(e)
        if ok != len(n.all_of):
            tail = ". None validated" if ok == 0 else ""
            out.add(invalid(NIL_PATH, "", f"{go_quote(name)} must validate all the schemas (allOf){tail}"))
    if n.not_ is not None and not _sub(n.not_, v, name).errs:
        out.add(invalid(NIL_PATH, "", f"{go_quote(name)} must not validate the schema (not)"))


def _sub(n: Node, v: Any, name: str) -> _Out:
    r = _Out()
    _check(n, v, name, r, MISSING)
    return r


def _check_string(n: Node, v: str, name: str, out: _Out) -> None:
    if n.max_length is not None and len(v) > n.max_length:
        out.add(too_long(_at(name), n.max_length))
    elif n.min_length is not None and len(v) < n.min_length:
        out.add(_fail(name, v, f"should be at least {n.min_length} chars long"))
    elif n.pattern and (n.regex is None or not n.regex.search(v)):
        out.add(_fail(name, v, f"should match '{n.pattern}'"))
    check = FORMATS.get(n.format.replace("-", ""))
    if check is not None and not check(v):
        out.add(type_invalid(_at(name), v, f"{name} in body must be of type {n.format}: {go_quote(v)}"))


_INT_RANGE = {"int32": 2**31, "": 2**63, "int64": 2**63}


def _check_number(n: Node, v: float, kind: str, types: tuple[str, ...], name: str, out: _Out) -> None:
    typ = types[0] if len(types) == 1 else ""
    fmt = n.format if typ in ("integer", "number") else ""
    if typ == "integer" and (not float(v).is_integer() or not -_INT_RANGE[fmt] <= v < _INT_RANGE[fmt]):
        what = f"with format {fmt}" if fmt else "(default format)"
        out.add(invalid(NIL_PATH, "", f"Checked value must be of type integer {what} in {name}"))
    elif typ == "number" and fmt == "float" and abs(v) > 3.4028234663852886e38:
        out.add(invalid(NIL_PATH, "", f"Checked value must be of type number with format float in {name}"))

    def native(bound: float) -> bool:  # kube compares ints as ints when the bound passes as one
        return kind == "integer" and (typ != "integer" or float(bound).is_integer())

    if n.multiple_of is not None:
        f = n.multiple_of
        if native(f):
            factor = int(f)
            if factor <= 0:
                out.add(
                    _fail(name, factor, f"factor MultipleOf declared for {name} must be positive: {factor}")
                )
            elif int(v) % factor:
                out.add(_fail(name, v, f"should be a multiple of {factor}"))
        elif f <= 0:
            out.add(_fail(name, f, f"factor MultipleOf declared for {name} must be positive: {go_float(f)}"))
        elif not ((1 / f * v) if f < 1 else (v / f)).is_integer():
            out.add(_fail(name, v, f"should be a multiple of {go_float(f)}"))
    for bound, excl, low in ((n.minimum, n.exclusive_minimum, True), (n.maximum, n.exclusive_maximum, False)):
        if bound is None:
            continue
        b: float = int(bound) if native(bound) else float(bound)
        bad = (v < b or (excl and v == b)) if low else (v > b or (excl and v == b))
        if bad:
            shown = str(b) if isinstance(b, int) else go_float(b)
            rel = (
                ("greater than" if excl else "greater than or equal to")
                if low
                else ("less than" if excl else "less than or equal to")
            )
            out.add(_fail(name, v, f"should be {rel} {shown}"))


def _check_array(n: Node, v: list[Any], name: str, out: _Out, old: Any) -> None:
    if n.items is not None:
        olds = correlate_items(n, v, old)
        for i, item in enumerate(v):
            _check(n.items, item, f"{name}[{i}]", out, olds[i])
    if n.min_items is not None and len(v) < n.min_items:
        out.add(_fail(name, len(v), f"should have at least {n.min_items} items"))
    if n.max_items is not None and len(v) > n.max_items:
        out.add(too_many(_at(name), len(v), n.max_items))
    if n.unique_items and len({go_json(x) for x in v}) != len(v):
        out.add(_fail(name, None, "shouldn't contain duplicates"))


def correlate_items(n: Node, v: list[Any], old: Any) -> list[Any]:
    """Old values for each item: only map-type lists correlate (by their keys), as in kube."""
    if n.list_type != "map" or not isinstance(old, list) or not n.map_keys:
        return [MISSING] * len(v)
    by_key = {_map_key(n, o): o for o in old if isinstance(o, dict)}
    return [by_key.get(_map_key(n, x), MISSING) if isinstance(x, dict) else MISSING for x in v]


def _map_key(n: Node, item: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(scalar_key(item[k]) if k in item else None for k in n.map_keys)


def scalar_key(x: Any) -> Any:
    """A hashable identity for a JSON value in which true, 1 and 1.0 stay apart like Go's values."""
    return ("j", go_json(x)) if isinstance(x, dict | list) else (type(x).__name__, x)


def _check_object(n: Node, v: dict[str, Any], name: str, out: _Out, old: Any) -> None:
    if n.min_properties is not None and len(v) < n.min_properties:
        out.add(_fail(name, len(v), f"should have at least {n.min_properties} properties"))
    if n.max_properties is not None and len(v) > n.max_properties:
        out.add(too_many(_at(name), len(v), n.max_properties))
    olds = old if isinstance(old, dict) else {}
    if n.additional_set and not n.additional_allows:
        for k in v:
            if k not in n.properties:
                out.add(invalid(_at(name), k, f"{name}.{k} in body is a forbidden property"))
    elif n.additional is not None:
        for k, item in v.items():
            if k not in n.properties:
                _check(n.additional, item, f"{name}.{k}", out, olds.get(k, MISSING))
    for k, sub in n.properties.items():
        if k in v:
            _check(sub, v[k], f"{name}.{k}" if name else k, out, olds.get(k, MISSING))
    for k in n.required:
        if k not in v:
            out.add(required(_at(f"{name}.{k}"), ""))
