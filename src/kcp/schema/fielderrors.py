"""kube's field error bodies (apimachinery `util/validation/field/errors.go`), values shown as Go shows them.

kubectl prints these texts verbatim, so a bad value renders the way Go's `%q`, `%v` and
`json.Marshal` render it, not the way Python would.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Final

from kcp.apimachinery.errors import Cause
from kcp.apimachinery.labels import go_quote

OMIT: Final = object()  # kube's omitValue: the message shows no value
NIL_PATH = "<nil>"  # kube's rendering of a nil field path


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
    return _shortest(f, -4, 6, 2)


def _go_json_float(f: float) -> str:
    return _shortest(f, -7, 21, 1)


def _shortest(f: float, low: int, high: int, exponent_digits: int) -> str:
    """Shortest digits, in exponent form when the exponent is below `low` or from `high` on (Go's
    %v and encoding/json differ only there and in how many digits the exponent shows)."""
    if f == 0:
        return "0"
    text, x = _digits(f)
    sign = "-" if f < 0 else ""
    if x < low or x >= high:
        mant = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{sign}{mant}e{'+' if x >= 0 else '-'}{abs(x):0{exponent_digits}d}"
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
    """How kube's ErrorBody shows a bad value; nil becomes the string "null", so it is quoted."""
    if v is None:
        return '"null"'
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
