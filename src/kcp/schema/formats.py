"""The string formats kube validates (kube-openapi strfmt), as leniently as Go's parsers accept them.

A field declaring one of these formats is checked the way kube checks it; formats kube ignores
never reach here (the structural schema drops them).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable
from datetime import date
from email.utils import parseaddr
from urllib.parse import urlsplit

import re2

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
