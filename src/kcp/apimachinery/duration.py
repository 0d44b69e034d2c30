"""Durations as kube writes and reads them: ages in Table cells, and Go's duration strings.

kubectl prints the AGE cell the server sends verbatim, so the rounding here must be kube's
(apimachinery `util/duration.HumanDuration`): ~2-3 significant figures, whole units truncated.
Durations in flags and in the `timeout` query parameter are Go's (`1m30s`, `500ms`), and so are
the errors a bad one gets, which kube passes on to the client.
"""

from __future__ import annotations

import re

_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_NUMBER = re.compile(r"(\d*)(?:\.(\d*))?")
_UNIT = re.compile(r"[^\d.]*")


def parse_go_duration(text: str) -> float:
    """Seconds in a Go duration string (`time.ParseDuration`); ValueError with Go's message."""
    rest = text
    negative = rest[:1] == "-"
    if rest[:1] in ("-", "+"):
        rest = rest[1:]
    if rest == "0":
        return 0.0
    if not rest:
        raise ValueError(f'time: invalid duration "{text}"')
    seconds = 0.0
    while rest:
        number = _NUMBER.match(rest)
        assert number is not None  # both parts may match empty
        whole, fraction = number.group(1), number.group(2)
        if not whole and not fraction:
            raise ValueError(f'time: invalid duration "{text}"')
        rest = rest[number.end() :]
        unit = _UNIT.match(rest)
        assert unit is not None
        if not unit.group():
            raise ValueError(f'time: missing unit in duration "{text}"')
        if unit.group() not in _GO_UNITS:
            raise ValueError(f'time: unknown unit "{unit.group()}" in duration "{text}"')
        seconds += float(f"{whole or 0}.{fraction or 0}") * _GO_UNITS[unit.group()]
        rest = rest[unit.end() :]
    return -seconds if negative else seconds


def human_duration(seconds: float) -> str:
    """`5s`, `3m20s`, `4h5m`, `2d3h`, `3y12d`: the precision shrinks as the duration grows.

    Up to one second in the future counts as now (clock skew between writer and reader);
    anything further ahead is `<invalid>`.
    """
    whole = int(seconds)  # truncates toward zero, like Go's int(d.Seconds())
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    if hours < 24 * 365 * 8:
        rest = days % 365
        return f"{years}y{rest}d" if rest else f"{years}y"
    return f"{years}y"
