"""Validating a custom resource against its structural schema, as kube-apiserver does.

The checks and texts are kube-openapi's `validate` package, converted to field errors the way
apiextensions' `kubeOpenAPIResultToFieldErrors` does: schema errors keep kube-openapi's dotted
paths (`spec.labels.key`), list-type and embedded-resource errors use field paths
(`spec.labels[key]`). Updates ratchet: an unchanged subtree is not re-validated, so tightening a
schema never blocks an unrelated edit (CRDValidationRatcheting, on by default in kube).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import re2

from kcp.apimachinery.errors import Cause

if TYPE_CHECKING:
    from kcp.schema.structural import Node

MISSING: Final = object()  # no correlated old value
OMIT: Final = object()  # kube's omitValue: the message shows no value
NIL_PATH = "<nil>"  # kube's rendering of a nil field path


# --- kube's field error bodies (apimachinery util/validation/field/errors.go) -------------------


def go_quote(text: str) -> str:
    """Go's %q: kube quotes string values with it."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif ch in "\n\t\r":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}[ch])
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x80 else f"\\u{ord(ch):04x}")
    return '"' + "".join(out) + '"'


def _digits(f: float) -> tuple[str, int]:
    """Shortest round-trip digits of |f| and the decimal exponent of the first one."""
    _, digits, exp = Decimal(repr(abs(f))).normalize().as_tuple()
    text = "".join(map(str, digits))
    return text, len(text) + int(exp) - 1


def _fixed(text: str, x: int) -> str:
    if x < 0:
        return "0." + "0" * (-x - 1) + text
    whole, frac = text[: x + 1].ljust(x + 1, "0"), text[x + 1 :]
    return whole + ("." + frac if frac else "")


def go_float(f: float) -> str:
    """Go's %v of a float64 (shortest digits; exponent form below 1e-4 and from 1e6)."""
    if f != f or f in (float("inf"), float("-inf")):
        return "NaN" if f != f else ("+Inf" if f > 0 else "-Inf")
    if f == 0:
        return "0"
    text, x = _digits(f)
    sign = "-" if f < 0 else ""
    if x < -4 or x >= 6:
        mant = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{sign}{mant}e{'+' if x >= 0 else '-'}{abs(x):02d}"
    return sign + _fixed(text, x)


def _go_json_float(f: float) -> str:
    if f == 0:
        return "0"
    text, x = _digits(f)
    sign = "-" if f < 0 else ""
    if x < -7 or x >= 21:
        mant = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{sign}{mant}e{'+' if x >= 0 else '-'}{abs(x)}"
    return sign + _fixed(text, x)


def go_json(v: Any) -> str:
    """Go's json.Marshal: sorted keys, compact, HTML-escaped, integral floats without `.0`."""
    if isinstance(v, dict):
        return "{" + ",".join(f"{go_json(str(k))}:{go_json(v[k])}" for k in sorted(v)) + "}"
    if isinstance(v, list | tuple):
        return "[" + ",".join(go_json(x) for x in v) + "]"
    if isinstance(v, float):
        return _go_json_float(v)
    text = json.dumps(v, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class JSONText(str):
    """A value already rendered as Go's json.Marshal would (struct field order kept)."""

    __slots__ = ()


def go_value(v: Any) -> str:
    """How kube's ErrorBody shows a bad value."""
    if isinstance(v, JSONText):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, str):
        return go_quote(v)
    return go_json(v)


def _body(kind: str, value: Any, detail: str) -> str:
    text = kind if value is OMIT else f"{kind}: {go_value(value)}"
    return f"{text}: {detail}" if detail else text


def invalid(path: str, value: Any, detail: str) -> Cause:
    return Cause("FieldValueInvalid", _body("Invalid value", value, detail), path)


def type_invalid(path: str, value: Any, detail: str) -> Cause:
    return Cause("FieldValueTypeInvalid", _body("Invalid value", value, detail), path)


def required(path: str, detail: str) -> Cause:
    return Cause("FieldValueRequired", f"Required value: {detail}" if detail else "Required value", path)


def forbidden(path: str, detail: str) -> Cause:
    return Cause("FieldValueForbidden", f"Forbidden: {detail}" if detail else "Forbidden", path)


def not_supported(path: str, value: Any, supported: list[str]) -> Cause:
    detail = "supported values: " + ", ".join(go_quote(s) for s in supported) if supported else ""
    return Cause("FieldValueNotSupported", _body("Unsupported value", value, detail), path)


def duplicate(path: str, value: Any) -> Cause:
    return Cause("FieldValueDuplicate", _body("Duplicate value", value, ""), path)


def too_long(path: str, limit: int) -> Cause:
    return Cause(
        "FieldValueTooLong", f"Too long: may not be more than {limit} byte{'s' * (limit != 1)}", path
    )


def too_many(path: str, actual: int, limit: int) -> Cause:
    return Cause(
        "FieldValueTooMany", f"Too many: {actual}: must have at most {limit} item{'s' * (limit != 1)}", path
    )


# --- kube-openapi's SchemaValidator ------------------------------------------------------------

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


# --- string formats kube validates (kube-openapi strfmt, leniently like Go's parsers) -----------

_UUID = {
    v: re.compile(rf"(?i)[0-9a-f]{{8}}-?[0-9a-f]{{4}}-?{v}[0-9a-f]{{3}}-?{w}[0-9a-f]{{3}}-?[0-9a-f]{{12}}")
    for v, w in (("[0-9a-f]", "[0-9a-f]"), ("3", "[0-9a-f]"), ("4", "[89ab]"), ("5", "[89ab]"))
}
_TIME = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))")
_HOSTNAME = re2.compile(
    r"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-"
    r"\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$"
)
_GO_DURATION = re.compile(r"[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)")
_SCALA_UNITS = (
    "ns",
    "nano",
    "us",
    "µs",
    "micro",
    "ms",
    "milli",
    "s",
    "sec",
    "m",
    "min",
    "h",
    "hr",
    "hour",
    "d",
    "day",
    "w",
    "wk",
    "week",
)
_MAC = re.compile(
    r"([0-9a-fA-F]{2}([:-]))(?:[0-9a-fA-F]{2}\2){4,18}[0-9a-fA-F]{2}|(?:[0-9a-fA-F]{4}\.){2,9}[0-9a-fA-F]{4}"
)
_SHORT = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_RGB_PART = r"\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*"


def _is_date(s: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return False
    try:
        date.fromisoformat(s)
    except ValueError:
        return False
    return True


def _is_datetime(s: str) -> bool:
    parts = s.lower().split("t")
    m = _TIME.fullmatch(parts[1]) if len(s) >= 4 and len(parts) >= 2 and _is_date(parts[0]) else None
    return m is not None and m[1] <= "23" and m[2] <= "59" and m[3] <= "59"


def _is_duration(s: str) -> bool:
    if _GO_DURATION.fullmatch(s):
        return True
    units = (u.lower() for _, u in re.findall(r"(\d+)\s*([A-Za-zµ]+)", s))
    return any(u in _SCALA_UNITS or u.rstrip("s") in _SCALA_UNITS for u in units)


def _is_ip(s: str, v4: bool) -> bool:
    try:
        ipaddress.ip_address(re.sub(r"(?<![\d])0+(\d)", r"\1", s) if v4 else s)
    except ValueError:
        return False
    return ("." in s) if v4 else (":" in s)


def _is_cidr(s: str) -> bool:
    try:
        ipaddress.ip_network(s, strict=False)
    except ValueError:
        return False
    return "/" in s


def _is_base64(s: str) -> bool:
    try:
        base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _luhn(digits: str) -> bool:
    total = sum(
        d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(map(int, digits[::-1]))
    )
    return total % 10 == 0


def _is_isbn(s: str, size: int) -> bool:
    s = re.sub(r"[\s-]", "", s)
    if size == 10 and re.fullmatch(r"[0-9]{9}[0-9X]", s):
        return sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(s)) % 11 == 0
    return (
        size == 13
        and bool(re.fullmatch(r"[0-9]{13}", s))
        and sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(s)) % 10 == 0
    )


FORMATS: dict[str, Callable[[str], bool]] = {
    "datetime": _is_datetime,
    "date": _is_date,
    "duration": _is_duration,
    "byte": _is_base64,
    "password": lambda s: True,
    "ipv4": lambda s: _is_ip(s, True),
    "ipv6": lambda s: _is_ip(s, False),
    "cidr": _is_cidr,
    "mac": lambda s: bool(_MAC.fullmatch(s)),
    "hostname": lambda s: (
        bool(_HOSTNAME.search(s)) and len(s) <= 255 and all(len(p) <= 63 for p in s.split("."))
    ),
    "email": lambda s: "@" in parseaddr(s)[1] and parseaddr(s)[1] == s.strip("<> ").split()[-1].strip("<>"),
    "uri": lambda s: " " not in s and (s.startswith("/") or bool(urlsplit(s).scheme)),
    "uuid": lambda s: bool(_UUID["[0-9a-f]"].fullmatch(s)),
    "uuid3": lambda s: bool(_UUID["3"].fullmatch(s)),
    "uuid4": lambda s: bool(_UUID["4"].fullmatch(s)),
    "uuid5": lambda s: bool(_UUID["5"].fullmatch(s)),
    "isbn": lambda s: _is_isbn(s, 10) or _is_isbn(s, 13),
    "isbn10": lambda s: _is_isbn(s, 10),
    "isbn13": lambda s: _is_isbn(s, 13),
    "creditcard": lambda s: len(d := re.sub(r"\D", "", s)) in range(12, 20) and _luhn(d),
    "ssn": lambda s: bool(re.fullmatch(r"\d{3}[- ]?\d{2}[- ]?\d{4}", s)),
    "hexcolor": lambda s: bool(re.fullmatch(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", s)),
    "rgbcolor": lambda s: bool(re.fullmatch(rf"rgb\({_RGB_PART},{_RGB_PART},{_RGB_PART}\)", s)),
    "bsonobjectid": lambda s: bool(re.fullmatch(r"[0-9a-fA-F]{24}", s)),
    "k8sshortname": lambda s: len(s) <= 63 and bool(re.fullmatch(_SHORT, s)),
    "k8slongname": lambda s: len(s) <= 253 and bool(re.fullmatch(rf"{_SHORT}(\.{_SHORT})*", s)),
}


# --- embedded resources: apiVersion, kind and metadata (schema/objectmeta, field paths) -----------

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
