"""resource.Quantity: parsing, kube's canonical spelling, and the sums quota keeps.

kube stores and prints a quantity in canonical form (`1000` reads back as `1k`, `1.5` as `1500m`), so
what `kubectl get quota -o yaml` shows must be that form, and quota compares values, never strings.
Values are exact fractions; like Go, finer than nano is rounded up to the next nano.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

REGEX = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
FORMAT_ERROR = f"quantities must match the regular expression '{REGEX}'"
_SHAPE = re.compile(REGEX, re.ASCII)
_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?", re.ASCII)
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SUFFIX = {v: k for k, v in _DECIMAL.items()}
_BINARY_SUFFIX = {v: k for k, v in _BINARY.items()}
_EXPONENT = re.compile(r"[eE]([-+]?[0-9]+)", re.ASCII)
_NANO = 10**9
_INT64 = 2**63


class QuantityError(ValueError):
    """Go's ParseQuantity errors, worded as kube's decoder reports them."""


@dataclass(frozen=True, slots=True)
class Quantity:
    value: Fraction
    format: str = "DecimalSI"  # DecimalSI | BinarySI | DecimalExponent
    go_repr: str = ""  # Go's %#v of the parsed value, which kube's field errors print

    def __str__(self) -> str:
        return canonical(self.value, self.format)

    def __add__(self, other: Quantity) -> Quantity:
        return Quantity(self.value + other.value, self.format)

    def __sub__(self, other: Quantity) -> Quantity:
        return Quantity(self.value - other.value, self.format)


ZERO = Quantity(Fraction(0))


def count(n: int) -> Quantity:
    """An object count, as resource.NewQuantity(n, DecimalSI) makes it."""
    return Quantity(Fraction(n))


def parse(text: str) -> Quantity:
    """resource.ParseQuantity: raises QuantityError with Go's message."""
    if not text or not _SHAPE.fullmatch(text):
        raise QuantityError(FORMAT_ERROR)
    number = _NUMBER.match(text)
    assert number is not None  # the pattern above always matches a prefix
    sign, whole, frac = number.group(1), number.group(2), number.group(3) or ""
    if not whole and not frac:
        raise QuantityError("unable to parse numeric part of quantity")
    suffix = text[number.end() :]
    base, exponent, fmt = _suffix(suffix)
    digits = int((whole or "0") + frac)
    value = Fraction(digits, 10 ** len(frac)) * Fraction(base) ** exponent
    if sign == "-":
        value = -value
    scaled = value * _NANO
    if scaled.denominator != 1:  # Go rounds away from zero at nano precision
        rounded = math.ceil(abs(scaled))
        value = Fraction(rounded if value > 0 else -rounded, _NANO)
    go = _go_repr(sign == "-", whole, frac, base, exponent, fmt, text)
    return Quantity(value, fmt, go)


def _suffix(suffix: str) -> tuple[int, int, str]:
    """(base, exponent, format) of a suffix, as Go's quantitySuffixer interprets it."""
    if suffix in _DECIMAL:
        return 10, _DECIMAL[suffix], "DecimalSI"
    if suffix in _BINARY:
        return 2, _BINARY[suffix], "BinarySI"
    match = _EXPONENT.fullmatch(suffix)
    if match is not None:
        return 10, int(match.group(1)), "DecimalExponent"
    raise QuantityError("unable to parse quantity's suffix")


def from_json(value: Any) -> Quantity:
    """Quantity.UnmarshalJSON: a string, a JSON number, or null (zero)."""
    if value is None:
        return ZERO
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise QuantityError(FORMAT_ERROR)
    if isinstance(value, str):
        return parse(value.strip())
    text = repr(value) if isinstance(value, float) else str(value)
    return parse(text.replace("e+", "e"))


def canonical(value: Fraction, fmt: str) -> str:
    """Quantity.String(): the shortest exact spelling in the quantity's format."""
    if value == 0:
        return "0"
    if fmt == "BinarySI" and (-1024 < value < 1024 or value.denominator != 1):
        fmt = "DecimalSI"
    if fmt == "BinarySI":
        mantissa, exponent = int(value), 0
        while mantissa % 1024 == 0 and exponent < 60:
            mantissa //= 1024
            exponent += 10
        return f"{mantissa}{_BINARY_SUFFIX.get(exponent, '')}"
    mantissa, exponent = _decimal(value)
    if fmt == "DecimalSI" and exponent in _DECIMAL_SUFFIX:
        return f"{mantissa}{_DECIMAL_SUFFIX[exponent]}"
    return f"{mantissa}e{exponent}" if exponent else str(mantissa)


def _decimal(value: Fraction) -> tuple[int, int]:
    """An integer mantissa and an exponent that is a multiple of 3, trailing zeros folded into it."""
    exponent = 0
    while value.denominator != 1:
        value *= 10
        exponent -= 1
    mantissa = int(value)
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    shift = exponent % 3
    return mantissa * 10**shift, exponent - shift


def _go_repr(negative: bool, whole: str, frac: str, base: int, exponent: int, fmt: str, text: str) -> str:
    """%#v of what ParseQuantity returns on its fast path (int64 mantissa and scale); values on its
    slow path hold a pointer Go prints as an address, shown here as nil."""
    shifted = (whole or "") + frac
    amount, scale = 0, 0
    cached = ""
    if base == 10 and exponent - len(frac) >= -9 and len(shifted) <= 18:
        amount, scale = int(shifted or "0"), exponent - len(frac)
        if scale % 3 == 0 and not shifted.endswith("000") and shifted[:1] not in ("", "0"):
            cached = text
    elif base == 2 and not frac and int(shifted or "0") << exponent < _INT64:
        amount = int(shifted or "0") << exponent
        if exponent % 10 == 0 and int(shifted or "0") & 7:
            cached = text
    if negative:
        amount = -amount
    return (
        f"resource.Quantity{{i:resource.int64Amount{{value:{amount}, scale:{scale}}}, "
        f'd:resource.infDecAmount{{Dec:(*inf.Dec)(nil)}}, s:"{cached}", Format:"{fmt}"}}'
    )
