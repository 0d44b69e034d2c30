"""Checker B of reliability.md §5.2: a search for a linearization (Wing & Gong, with Lowe's memo, as
porcupine does), per key, of the same histories Checker A reads (`tests.support.history.Op`).

Linearizability is local, so each key's creates, updates, deletes and GETs are checked on their own
(lists span keys: Checker A explains them). The model is one object that is absent or holds the
version (write id, RV) of the write that made it, plus the highest RV written so far: an update or
delete must name the current RV, a create needs the key absent, a refusal must be justified by the
state at its linearization point (409 Conflict: another RV; 409 AlreadyExists: present; 404: absent),
a GET returns the state, and acked writes take increasing RVs. Unlike Checker A, nothing here trusts
the RVs to order the operations: the search tries every order real time allows.

An unknown outcome (cut off by a kill) may take effect at any point after it was sent, or never; its
RV is known only if a read showed its version. A key's history is cut into windows wherever no
operation is in flight; the states each window can end in start the next. A window whose search
exceeds `BUDGET` states is reported as inconclusive, never as passed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tests.support.history import Op

BUDGET = 200_000  # search states per window
# refusals that say something about the state; other failures (refused before sending) say nothing
_REFUSALS = {(409, "Conflict"), (409, "AlreadyExists"), (404, "NotFound")}

Version = tuple[str, int | None]  # (write id, RV); the RV of an unknown write no read showed is None
State = tuple[Version | None, int]  # (the object, or None when absent; the highest RV written)


@dataclass(frozen=True)
class Result:
    problems: list[str]
    inconclusive: list[str]


def check(history: Iterable[Op]) -> Result:
    ops = [op for op in history if op.kind != "list" and (op.outcome != "failed" or _refusal(op))]
    shown = {wid: rv for op in history for _, wid, rv in op.seen}  # RVs reads revealed
    by_key: dict[str, list[Op]] = defaultdict(list)
    for op in ops:
        by_key[op.key].append(op)
    problems: list[str] = []
    inconclusive: list[str] = []
    for key, key_ops in sorted(by_key.items()):
        starts: set[State] = {(None, 0)}
        for window in _windows(key_ops):
            ends, complete = _search(window, starts, shown)
            where = f"{key}: {len(window)} operations sent from t={window[0].invoked:.3f}"
            if not complete:
                inconclusive.append(f"{where}: more than {BUDGET} states")
                break
            if not ends:
                problems.append(f"{where}: no order real time allows explains them: {_describe(window)}")
                break
            starts = ends
    return Result(problems, inconclusive)


def _refusal(op: Op) -> bool:
    return (op.status, op.reason) in _REFUSALS


def _windows(ops: list[Op]) -> list[list[Op]]:
    """The key's operations in runs between moments when none of them is in flight."""
    windows: list[list[Op]] = []
    until = -math.inf  # when the last operation of the current window answers
    for op in sorted(ops, key=lambda o: o.invoked):
        if not windows or op.invoked > until:
            windows.append([])
        windows[-1].append(op)
        until = max(until, op.completed)
    return windows


def _search(window: list[Op], starts: set[State], shown: dict[str, int]) -> tuple[set[State], bool]:
    """Every state some linearization of `window` from one of `starts` ends in; False when the
    budget ran out first. Unknown outcomes may be left out (they never took effect)."""
    n = len(window)
    unknown = sum(1 << i for i, op in enumerate(window) if op.outcome == "unknown")
    full = (1 << n) - 1
    ends: set[State] = set()
    seen: set[tuple[int, State]] = set()
    stack = [(0, state) for state in starts]
    while stack:
        done, state = stack.pop()
        if (done, state) in seen:
            continue
        seen.add((done, state))
        if len(seen) > BUDGET:
            return ends, False
        if done | unknown == full:
            ends.add(state)  # every definite operation is placed; unknown ones left out never happened
        # the next may be any operation sent before the first remaining one answered
        first_answer = min((op.completed for i, op in enumerate(window) if not done >> i & 1), default=0)
        for i, op in enumerate(window):
            if done >> i & 1 or op.invoked > first_answer:
                continue
            for after in _step(op, state, shown):
                stack.append((done | 1 << i, after))
    return ends, True


def _step(op: Op, state: State, shown: dict[str, int]) -> list[State]:
    """The states `op` can leave when linearized at `state` (none: it cannot be)."""
    current, high = state
    if op.kind == "get":
        if op.outcome == "failed":  # 404
            return [state] if current is None else []
        if op.outcome == "unknown":
            return [state]
        return [state] if current is not None and _same(current, op.seen[0][1], op.seen[0][2]) else []
    if op.outcome == "failed":
        if op.reason == "NotFound":
            return [state] if current is None else []
        if op.reason == "AlreadyExists":
            return [state] if current is not None else []
        return [state] if current is not None and not _names(current, op.precondition) else []  # Conflict
    if op.kind == "create":
        applies = current is None
    else:
        applies = current is not None and (op.precondition is None or _names(current, op.precondition))
    if op.outcome == "unknown":
        if not applies:
            return [state]
        rv = shown.get(op.wid)
        made: Version | None = None if op.kind == "delete" else (op.wid, rv)
        return [state, (made, max(high, rv or 0))]
    if not applies:
        return []
    if op.kind == "delete":
        return [(None, high)]
    assert op.rv is not None
    if op.rv <= high:  # revisions never go back
        return []
    return [((op.wid, op.rv), op.rv)]


def _same(current: Version, wid: str, rv: int) -> bool:
    return current[0] == wid and current[1] in (None, rv)


def _names(current: Version, precondition: int | None) -> bool:
    """Whether `precondition` is the current version's RV (an unknown one's could be anything)."""
    return current[1] is None or current[1] == precondition


def _describe(window: list[Op]) -> str:
    return "; ".join(
        f"{op.kind} {op.wid} {op.outcome}"
        + (f" rv={op.rv}" if op.rv is not None else "")
        + (f" if rv={op.precondition}" if op.precondition is not None else "")
        + (f" {op.status} {op.reason}" if op.outcome == "failed" else "")
        + f" [{op.invoked:.3f}, {op.completed:.3f}]"
        for op in window[:12]
    ) + (" ..." if len(window) > 12 else "")
