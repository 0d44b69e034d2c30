"""kubectl's JSONPath, as CRD additionalPrinterColumns use it, and how kube prints what it finds.

kubectl shows a column's cells verbatim, so a found value prints as kube's jsonpath prints it:
Go's fmt for scalars, encoding/json for maps and lists.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any


class JSONPathError(ValueError):
    """A path kube's parser rejects (the column is dropped), or that fails on one object (empty cell)."""


_TERMINATORS = frozenset(" \t\r\n.,[]$@{}")
_SLICE = re.compile(r"(-?\d*)(?::(-?\d*))?", re.ASCII)
_FILTER = re.compile(r"([^!<>=]+)([!<>=]+)(.+?)")
_NUMBER = re.compile(r"[+-]?[\d.]+", re.ASCII)
# ("field", name) | ("wild", None) | ("slice", (start, end, derived)) | ("filter", (op, left, right))
Step = tuple[str, Any]


def compile_jsonpath(text: str) -> list[Step]:
    """kubectl's JSONPath, as CRD columns use it: `.a.b`, `['k']`, `[0]`, `[1:3]`, `[*]`, `.*`,
    `[?(@.type=="Ready")]` (==, !=, <, >, <=, >=, or bare existence). Recursive descent (`..`)
    and unions (`[a,b]`) are not supported and raise like a syntax error."""
    steps: list[Step] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("..", i):
            raise JSONPathError("recursive descent is not supported")
        if text[i] in " @$":  # kube skips spaces and the root/current markers
            i += 1
        elif text[i] == ".":
            j = i + 1
            while j < n and text[j] not in _TERMINATORS:
                j += 2 if text[j] == "\\" else 1
            name = text[i + 1 : j].replace("\\", "")
            steps.append(("wild", None) if name == "*" else ("field", name))
            i = j
        elif text.startswith("[?(", i):
            j = _filter_end(text, i + 3)
            if text[j + 1 : j + 2] != "]":
                raise JSONPathError("unclosed array expect ]")
            steps.append(("filter", _compile_filter(text[i + 3 : j])))
            i = j + 2
        elif text[i] == "[":
            j = text.find("]", i)
            if j < 0:
                raise JSONPathError("unterminated array")
            steps.extend(_compile_bracket(text[i + 1 : j]))
            i = j + 1
        else:
            raise JSONPathError(f"unrecognized character in action: {text[i]!r}")
    return steps


def _compile_bracket(inner: str) -> list[Step]:
    if len(inner) >= 2 and inner[0] == inner[-1] == "'" and "'" not in inner[1:-1]:
        return compile_jsonpath("." + inner[1:-1])  # kube reads `['a.b']` as `.a.b`: dots need `\.`
    if inner == "*":
        return [("slice", (None, None, False))]
    match = _SLICE.fullmatch(inner)
    if match is None or not inner or "-" in (match[1], match[2]):
        raise JSONPathError(f"invalid array index {inner}")
    start = int(match[1]) if match[1] else None
    if match[2] is None:  # `[n]` is the slice n:n+1
        return [("slice", (start or 0, (start or 0) + 1, True))]
    return [("slice", (start, int(match[2]) if match[2] else None, False))]


def _filter_end(text: str, start: int) -> int:
    """The `)` closing a filter: the first one outside a quoted literal."""
    begin = end = False
    pair = ""
    for j in range(start, len(text)):
        ch = text[j]
        if ch == "\n":
            break
        if ch in "\"'":
            if not begin:
                begin, pair = True, ch
            elif text[j - 1] != "\\" and ch == pair:
                end = True
        elif ch == ")" and begin == end:
            return j
    raise JSONPathError("unterminated filter")


def _compile_filter(body: str) -> tuple[str, Step, Step | None]:
    match = _FILTER.fullmatch(body)
    if match is None:
        return ("exists", _operand(body), None)
    return (match[2], _operand(match[1]), _operand(match[3]))


def _operand(text: str) -> Step:
    text = text.strip(" ")
    if len(text) >= 2 and text[0] in "\"'" and text[-1] == text[0]:
        return ("literal", re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text[1:-1]))
    if _NUMBER.fullmatch(text):
        try:
            return ("literal", int(text) if text.lstrip("+-").isdigit() else float(text))
        except ValueError:
            raise JSONPathError(f"cannot parse number {text}") from None
    if text in ("true", "false"):
        return ("literal", text == "true")
    return ("path", compile_jsonpath(text))


def find_jsonpath(steps: Sequence[Step], obj: Any) -> list[Any]:
    """Every match, in order; a missing key yields none (kube's AllowMissingKeys)."""
    values = [obj]
    for kind, arg in steps:
        found: list[Any] = []
        for value in values:
            if kind == "filter":
                found.extend(_filter(value, *arg))
            elif value is None:
                continue
            elif kind == "field" and isinstance(value, dict) and arg in value:
                found.append(value[arg])
            elif kind == "wild" and isinstance(value, dict | list):
                found.extend(value.values() if isinstance(value, dict) else value)
            elif kind == "slice":
                found.extend(_slice(value, *arg))
        values = found
    return values


def _slice(value: Any, start: int | None, end: int | None, derived: bool) -> list[Any]:
    if not isinstance(value, list):
        raise JSONPathError(f"{type(value).__name__} is not array or slice")
    n = len(value)
    lo = 0 if start is None else start + n if start < 0 else start
    hi = n if end is None else end + n if end < 0 or (end == 0 and derived) else end
    if hi != lo and not (0 <= lo < n and lo <= hi <= n):
        raise JSONPathError(f"array index out of bounds: index {lo}, length {n}")
    return value[lo:hi]


def _filter(value: Any, op: str, left: Step, right: Step | None) -> list[Any]:
    if not isinstance(value, list):
        raise JSONPathError(f"{value!r} is not array or slice and cannot be filtered")
    kept = []
    for item in value:
        if op == "exists":
            try:
                if _operand_values(left, item):
                    kept.append(item)
            except JSONPathError:
                pass
            continue
        lefts, rights = _operand_values(left, item), _operand_values(right, item) if right else []
        if len(lefts) != 1 or len(rights) != 1:
            raise JSONPathError("can only compare one element at a time")
        if _compare(op, lefts[0], rights[0]):
            kept.append(item)
    return kept


def _operand_values(operand: Step, item: Any) -> list[Any]:
    return [operand[1]] if operand[0] == "literal" else find_jsonpath(operand[1], item)


def _compare(op: str, a: Any, b: Any) -> bool:
    """text/template's eq/lt: same basic kind on both sides, or an error (an empty cell)."""
    kinds = [next((k for k in (bool, int, float, str) if isinstance(v, k)), None) for v in (a, b)]
    if kinds[0] is None or kinds[0] is not kinds[1]:
        raise JSONPathError("incompatible types for comparison")
    if op in ("==", "!="):
        return bool(a == b) == (op == "==")
    if kinds[0] is bool or op not in ("<", ">", "<=", ">="):
        raise JSONPathError(f"unrecognized filter operator {op}")
    result: bool = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    return result


def go_text(value: Any) -> str:
    """How kube's jsonpath prints a value: maps and lists as JSON, the rest like Go's fmt."""
    if isinstance(value, dict | list):
        return _go_json(value)
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return _go_float(value, json_style=False) if isinstance(value, float) else str(value)


def _go_json(value: Any) -> str:
    """encoding/json.Marshal: sorted keys, no spaces, <>& escaped."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{_go_json(str(k))}:{_go_json(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_go_json(v) for v in value) + "]"
    if isinstance(value, float):
        return _go_float(value, json_style=True)
    text = json.dumps(value, ensure_ascii=False)
    for ch in "<>&\u2028\u2029":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


def _go_float(value: float, *, json_style: bool) -> str:
    """Shortest digits; exponent form as Go's %v (exp < -4 or >= 21) or json (< 1e-6 or >= 1e21)."""
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    digits, point = "".join(map(str, digit_tuple)), len(digit_tuple) + int(exponent) - 1
    if point < (-6 if json_style else -4) or point >= 21:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        width = 1 if json_style and point < 0 else 2
        return f"{sign}{mantissa}e{'-' if point < 0 else '+'}{abs(point):0{width}d}"
    if point < 0:
        return f"{sign}0.{'0' * (-point - 1)}{digits}"
    if point + 1 >= len(digits):
        return sign + digits + "0" * (point + 1 - len(digits))
    return f"{sign}{digits[: point + 1]}.{digits[point + 1 :]}"
