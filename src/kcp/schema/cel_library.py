"""kube's CEL extension libraries (strings, lists, regex), as far as CRD rules need them.

Every activation hands them to cel-rust, so rules may call what kube's extensions offer
(`charAt`, `split`, `findAll`, `isSorted`, ...), failing on bad indexes as kube does. Regexes are RE2,
as in Go, so a rule's pattern cannot hang the server.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import re2

from kcp.schema.validation import same_json


def _ascii_case(s: str, upper: bool) -> str:
    return "".join(
        c.upper() if upper and "a" <= c <= "z" else c.lower() if not upper and "A" <= c <= "Z" else c
        for c in s
    )


def _index_of(recv: Any, x: Any, *start: int) -> int:
    if isinstance(recv, str):
        if start and not 0 <= start[0] <= len(recv):
            raise ValueError(f"index out of range: {start[0]}")
        return recv.find(x, *start)
    return next((i for i, v in enumerate(recv) if same_json(v, x)), -1)


def _last_index_of(recv: Any, x: Any, *end: int) -> int:
    if isinstance(recv, str):
        return recv.rfind(x, 0, end[0] + len(x)) if end else recv.rfind(x)
    return next((i for i in range(len(recv) - 1, -1, -1) if same_json(recv[i], x)), -1)


def _split(s: str, sep: str, *n: int) -> list[str]:
    limit = n[0] if n else -1
    if limit == 0:
        return []
    parts = list(s) if sep == "" else s.split(sep)
    return parts if limit < 0 or len(parts) <= limit else [*parts[: limit - 1], sep.join(parts[limit - 1 :])]


def _substring(s: str, start: int, *end: int) -> str:
    stop = end[0] if end else len(s)
    if not 0 <= start <= stop <= len(s):
        raise ValueError(f"index out of range: {start if not 0 <= start <= len(s) else stop}")
    return s[start:stop]


def _char_at(s: str, i: int) -> str:
    if not 0 <= i <= len(s):
        raise ValueError(f"index out of range: {i}")
    return s[i : i + 1]


def _find_all(s: str, pattern: str, *n: int) -> list[str]:
    found = [m.group(0) for m in re2.finditer(pattern, s)]
    return found if not n or n[0] < 0 else found[: n[0]]


def _find(s: str, pattern: str) -> str:
    m = re2.search(pattern, s)
    return m.group(0) if m else ""


LIBRARY: dict[str, Callable[..., Any]] = {  # kube's extension libraries, as far as rules need them
    "charAt": _char_at,
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "lowerAscii": lambda s: _ascii_case(s, False),
    "upperAscii": lambda s: _ascii_case(s, True),
    "replace": lambda s, old, new, *n: s.replace(old, new, *n),
    "split": _split,
    "substring": _substring,
    "trim": lambda s: s.strip(),
    "join": lambda items, *sep: (sep[0] if sep else "").join(items),
    "reverse": lambda s: s[::-1],
    "find": _find,
    "findAll": _find_all,
    "isSorted": lambda xs: all(a <= b for a, b in itertools.pairwise(xs)),
    "sum": lambda xs: sum(xs, 0.0 if any(isinstance(x, float) for x in xs) else 0),
    "min": lambda xs, *more: min([*xs, *more] if more else xs),
    "max": lambda xs, *more: max([*xs, *more] if more else xs),
}
