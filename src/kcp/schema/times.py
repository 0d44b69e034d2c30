"""meta/v1 Time and MicroTime fields of built-in kinds, read and written as Go's codec does.

kube decodes every timestamp of a built-in kind into a Go time and encodes it back: a request may
send any RFC 3339 offset and precision, but what is stored and served is UTC with `Z`, whole
seconds for Time and six fractional digits for MicroTime; anything else is a 400 decode error.
Custom resources keep their strings as sent, so only strategies of built-in kinds use this.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# kube's MicroTime fields among the kinds served here (Lease, both Event versions, EventSeries).
MICRO_FIELDS = frozenset({"acquireTime", "renewTime", "eventTime", "lastObservedTime"})
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_CANONICAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_CANONICAL_MICRO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_GO_LAYOUT = "2006-01-02T15:04:05Z07:00"
_MAX_DEPTH = 16  # built-in schemas are shallow; recursive ones (JSONSchemaProps) stop here
ITEMS = "[]"  # a path step into every element of a list
VALUES = "{}"  # a path step into every value of a map

Path = tuple[str, ...]


class TimeError(ValueError):
    """A timestamp Go's decoder would refuse; the message is the reason after "cannot be handled"."""


def time_paths(schema: Mapping[str, Any]) -> tuple[tuple[Path, bool], ...]:
    """(path, is MicroTime) for every `format: date-time` string in a built-in kind's schema."""
    found: list[tuple[Path, bool]] = []
    _walk(schema, (), found)
    return tuple(found)


def _walk(node: Mapping[str, Any], path: Path, found: list[tuple[Path, bool]]) -> None:
    if len(path) > _MAX_DEPTH:
        return
    if node.get("type") == "string" and node.get("format") == "date-time" and path:
        found.append((path, path[-1] in MICRO_FIELDS))
        return
    for name, child in (node.get("properties") or {}).items():
        if isinstance(child, Mapping):
            _walk(child, (*path, name), found)
    items = node.get("items")
    if isinstance(items, Mapping):
        _walk(items, (*path, ITEMS), found)
    values = node.get("additionalProperties")
    if isinstance(values, Mapping):
        _walk(values, (*path, VALUES), found)


def normalize(obj: dict[str, Any], paths: tuple[tuple[Path, bool], ...]) -> None:
    """Rewrite every timestamp at `paths` in place as kube would store it; raises TimeError."""
    for path, micro in paths:
        _normalize_at(obj, path, micro)


def _normalize_at(node: Any, path: Path, micro: bool) -> None:
    step, rest = path[0], path[1:]
    if step in (ITEMS, VALUES):
        children = node if step == ITEMS and isinstance(node, list) else None
        if step == VALUES and isinstance(node, dict):
            children = list(node.values())
        for child in children or ():
            if rest:
                _normalize_at(child, rest, micro)
        return
    if not isinstance(node, dict) or step not in node:
        return
    if rest:
        _normalize_at(node[step], rest, micro)
        return
    value = node[step]
    if value is None:
        del node[step]  # Go decodes null into a nil *Time, which is omitted
        return
    if isinstance(value, str) and (_CANONICAL_MICRO if micro else _CANONICAL).fullmatch(value):
        parse_time(value)  # already in stored form; still a real date (no month 13)
        return
    node[step] = format_time(parse_time(value), micro)


def parse_time(value: Any) -> datetime:
    """An RFC 3339 string as Go's time.Parse(time.RFC3339) reads it, in UTC."""
    if not isinstance(value, str):
        raise TimeError(f"json: cannot unmarshal {type(value).__name__} into Go value of type string")
    if _RFC3339.fullmatch(value) is None:
        raise TimeError(f'parsing time "{value}" as "{_GO_LAYOUT}": cannot parse "{value}" as "2006"')
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError as e:
        raise TimeError(f'parsing time "{value}": {e}') from None


def format_time(moment: datetime, micro: bool) -> str:
    """Go's RFC 3339 output: a four-digit year even before 1000 (strftime's %Y may not pad)."""
    m = moment
    text = f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
    return f"{text}.{m.microsecond:06d}Z" if micro else f"{text}Z"
