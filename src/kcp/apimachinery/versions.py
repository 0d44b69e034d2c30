"""kube's order of API version names (apimachinery `version.CompareKubeAwareVersionStrings`).

Discovery lists a group's versions newest first by it, and a deprecated CRD version's warning names
"the newest" other version by it; a plain string order would put v10 before v2 and v1beta1 after v1.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_KUBE_VERSION = re.compile(r"v([0-9]+)(?:(alpha|beta)([0-9]+))?")
_LEVEL = {"alpha": 0, "beta": 1, "": 2}


def _parsed(version: str) -> tuple[int, int, int] | None:
    m = _KUBE_VERSION.fullmatch(version)
    if m is None:
        return None
    return _LEVEL[m.group(2) or ""], int(m.group(1)), int(m.group(3) or 0)


def compare_versions(a: str, b: str) -> int:
    """Negative when `a` is older than `b`: GA over beta over alpha, then by number; names that are
    not kube versions are older than any that are, and among themselves reverse alphabetical."""
    if a == b:
        return 0
    pa, pb = _parsed(a), _parsed(b)
    if pa is None and pb is None:
        return (b > a) - (b < a)
    if pa is None:
        return -1
    if pb is None:
        return 1
    return (pa > pb) - (pa < pb)


def newest(versions: Iterable[str]) -> str:
    """The newest of `versions` (not empty) in kube's order."""
    return max(versions, key=functools.cmp_to_key(compare_versions))
