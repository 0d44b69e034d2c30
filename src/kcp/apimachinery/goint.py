"""Go's strconv.ParseInt(s, 10, 64), the way kube reads integer query parameters.

Python's int() also takes "1_000", " 5 ", "٣" and numbers of any size; a limit or timeout that Go
would refuse must be a 400 here too, not a value that overflows SQLite or a float() that fails later.
"""

from __future__ import annotations

import re

_DECIMAL = re.compile(r"[+-]?[0-9]+")
INT64_MAX = (1 << 63) - 1


def parse_int64(text: str) -> int:
    """The int64 Go reads from `text`; ValueError for anything ParseInt refuses."""
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f'strconv.ParseInt: parsing "{text}": invalid syntax')
    value = int(text)
    if not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise ValueError(f'strconv.ParseInt: parsing "{text}": value out of range')
    return value
