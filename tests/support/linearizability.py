"""Checker A of reliability.md §5.2: linear-time, revision-based checks of a recorded history.

A history (`tests.support.history.Op`) of creates, updates and deletes guarded by resourceVersion
preconditions, plus consistent GETs and LISTs, is checked against what one strictly increasing
revision counter promises (ST3, ST4, ST5 of §1.5):
- acked writes have unique RVs, increasing in real-time order (A answered before B was sent means
  rv(A) < rv(B)); a consistent LIST's RV is at least every write answered before it was sent;
- each key's versions, sorted by RV, form a chain in which every update names the version right
  before it as its precondition, and a create follows a version only through a delete of it; no two
  writes succeed on the same precondition (a lost update);
- every value read is a version some write made (its write id and RV), and a consistent read is
  not stale: no write superseding it was answered before the read was sent;
- each refusal is justified: a 409 Conflict's precondition was superseded, a 409 AlreadyExists saw
  the key present and a 404 saw it absent at some moment of the request's window;
- a LIST's items all have RV <= the list's RV and equal the history replayed up to that RV; deletes
  answer without an RV, so each acked delete gets an RV interval from real time and from the lists
  that did or did not show the key, and the interval must not be empty.

Unknown outcomes may or may not have happened (etcd's model forks on them): a read that shows an
unknown write's value makes it a version; otherwise nothing is concluded from it.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from tests.support.history import Op

# Requests a history may refuse without any argument about linearizability.
EXPECTED_REFUSALS = {(409, "Conflict"), (409, "AlreadyExists"), (404, "NotFound")}


@dataclass
class Version:
    key: str
    rv: int
    wid: str
    op: Op


@dataclass
class _Bounds:
    """An acked delete's RV lies strictly between `low` and `high`."""

    op: Op
    low: int
    high: float = math.inf
    why: list[str] = field(default_factory=list)


class Checker:
    def __init__(self, history: Iterable[Op]) -> None:
        self.ops = list(history)
        self.problems: list[str] = []
        self.writes = {op.wid: op for op in self.ops if op.kind in ("create", "update", "delete")}
        self.versions: dict[str, list[Version]] = defaultdict(list)
        self.by_rv: dict[int, Version] = {}
        self.successors: dict[tuple[str, int], list[Op]] = defaultdict(list)  # (key, prec) -> writes
        self.deletes: dict[str, list[Op]] = defaultdict(list)

    def run(self) -> list[str]:
        for op in self.writes.values():
            if op.outcome == "acked" and op.kind != "delete":
                self._version(op.key, op.wid, op.rv or 0, op)
            if op.kind != "create" and op.outcome != "failed" and op.precondition is not None:
                self.successors[(op.key, op.precondition)].append(op)
            if op.kind == "delete" and op.outcome != "failed":
                self.deletes[op.key].append(op)
        for op in self.ops:
            if op.outcome == "acked" and op.kind in ("get", "list"):
                for key, wid, rv in op.seen:
                    self._observed(op, key, wid, rv)
        for versions in self.versions.values():
            versions.sort(key=lambda v: v.rv)
        self._chains()
        bounds = self._real_time()
        for op in self.ops:
            if op.outcome == "failed" and op.status:
                self._refusal(op)
            elif op.outcome == "acked" and op.kind == "get":
                self._get(op)
            elif op.outcome == "acked" and op.kind == "list":
                self._list(op, bounds)
        for b in bounds.values():
            if b.high - b.low < 2:
                self.problems.append(
                    f"delete {b.op.wid} of {b.op.key}@{b.op.precondition} has no possible RV: it must lie "
                    f"in ({b.low}, {b.high}) because {'; '.join(b.why)}"
                )
        return self.problems

    # --- versions ---------------------------------------------------------------------------------

    def _version(self, key: str, wid: str, rv: int, op: Op) -> None:
        other = self.by_rv.get(rv)
        if other is not None:
            if other.wid != wid:
                self.problems.append(
                    f"RV {rv} belongs to two writes: {other.wid} on {other.key}, {wid} on {key}"
                )
            return
        version = Version(key, rv, wid, op)
        self.by_rv[rv] = version
        self.versions[key].append(version)

    def _observed(self, read: Op, key: str, wid: str, rv: int) -> None:
        write = self.writes.get(wid)
        if write is None or write.kind == "delete" or write.key != key:
            self.problems.append(f"{read.wid} read {key}@{rv} with write id {wid!r}, which no write made")
        elif write.outcome == "failed":
            self.problems.append(
                f"{read.wid} read {key}@{rv} written by {wid}, which was refused ({write.status})"
            )
        elif write.outcome == "acked" and write.rv != rv:
            self.problems.append(f"{read.wid} read {key}@{rv} from {wid}, which was acked at RV {write.rv}")
        elif write.invoked > read.completed:
            self.problems.append(
                f"{read.wid} read {key}@{rv} from {wid}, which was sent after the read ended"
            )
        elif write.outcome == "unknown":
            existing = self.by_rv.get(rv)
            if existing is not None and existing.wid == wid:
                return
            if any(v.wid == wid for v in self.versions[key]):
                self.problems.append(f"{read.wid} read {wid} at RV {rv}, another read saw it at another RV")
                return
            self._version(key, wid, rv, write)

    def _next(self, key: str, rv: int) -> Version | None:
        versions = self.versions.get(key, [])
        i = bisect.bisect_right([v.rv for v in versions], rv)
        return versions[i] if i < len(versions) else None

    def _latest_at(self, key: str, rv: int) -> Version | None:
        versions = self.versions.get(key, [])
        i = bisect.bisect_right([v.rv for v in versions], rv)
        return versions[i - 1] if i else None

    def _chains(self) -> None:
        """Each key's versions in RV order must be linked by preconditions and deletes."""
        for key, versions in self.versions.items():
            for i, v in enumerate(versions):
                prev = versions[i - 1] if i else None
                if v.op.kind == "update":
                    if prev is None or v.op.precondition != prev.rv:
                        before = f"{prev.wid}@{prev.rv}" if prev else "nothing"
                        self.problems.append(
                            f"{key}: update {v.wid}@{v.rv} required RV {v.op.precondition}, but the version "
                            f"before it is {before}"
                        )
                elif prev is not None and not any(d.precondition == prev.rv for d in self.deletes[key]):
                    self.problems.append(
                        f"{key}: create {v.wid}@{v.rv} follows {prev.wid}@{prev.rv}, which no delete removed"
                    )
        for (key, prec), ops in self.successors.items():
            won = [op for op in ops if op.outcome == "acked"]
            if len(won) > 1:
                names = ", ".join(f"{op.kind} {op.wid}" for op in won)
                self.problems.append(f"{key}: lost update: {names} all succeeded on precondition {prec}")
            for op in won:
                if not any(v.rv == prec for v in self.versions.get(key, [])):
                    self.problems.append(f"{key}: {op.kind} {op.wid} succeeded on RV {prec}, never a version")
                nxt = self._next(key, prec)
                if op.kind == "delete" and nxt is not None and nxt.op.kind != "create":
                    self.problems.append(
                        f"{key}: delete {op.wid} of RV {prec} succeeded, yet {nxt.op.kind} "
                        f"{nxt.wid}@{nxt.rv} followed that version"
                    )

    # --- real time --------------------------------------------------------------------------------

    def _real_time(self) -> dict[str, _Bounds]:
        """Writes and consistent lists: a total order by RV that respects real time. Returns the RV
        interval this implies for each acked delete."""
        timed = [
            op
            for op in self.ops
            if op.outcome == "acked"
            and (op.kind in ("create", "update") or (op.kind == "list" and op.not_older_than is None))
        ]
        by_invoked = sorted(timed, key=lambda op: op.invoked)
        by_completed = sorted(timed, key=lambda op: op.completed)
        deletes = [op for op in self.writes.values() if op.kind == "delete" and op.outcome == "acked"]
        bounds = {op.wid: _Bounds(op, op.precondition or 0) for op in deletes}
        done = 0
        top_write: Op | None = None  # the highest RV among writes answered so far
        top_list: Op | None = None
        for op in sorted([*timed, *deletes], key=lambda op: op.invoked):
            while done < len(by_completed) and by_completed[done].completed < op.invoked:
                finished = by_completed[done]
                done += 1
                if finished.kind == "list":
                    if top_list is None or (finished.rv or 0) > (top_list.rv or 0):
                        top_list = finished
                elif top_write is None or (finished.rv or 0) > (top_write.rv or 0):
                    top_write = finished
            if op.kind == "delete":
                self._floor(bounds[op.wid], top_write, top_list)
                continue
            rv = op.rv or 0
            if op.kind == "list":
                for before in (top_write, top_list):
                    if before is not None and (before.rv or 0) > rv:
                        self.problems.append(
                            f"list {op.wid} at RV {rv} is stale: {before.kind} {before.wid} was answered "
                            f"with RV {before.rv} before the list was sent"
                        )
            else:
                for before in (top_write, top_list):
                    if before is not None and (before.rv or 0) >= rv:
                        self.problems.append(
                            f"{op.kind} {op.wid} got RV {rv}, yet {before.kind} {before.wid} had answered "
                            f"with RV {before.rv} before it was sent"
                        )
        # ceilings: the lowest RV of a write or consistent list sent after the delete was answered
        suffix: list[tuple[float, Op | None]] = [(math.inf, None)] * (len(by_invoked) + 1)
        for i in range(len(by_invoked) - 1, -1, -1):
            op = by_invoked[i]
            ceiling = (op.rv or 0) + (1 if op.kind == "list" else 0)
            suffix[i] = min(suffix[i + 1], (ceiling, op), key=lambda pair: pair[0])
        starts = [op.invoked for op in by_invoked]
        for b in bounds.values():
            ceiling, after = suffix[bisect.bisect_right(starts, b.op.completed)]
            if after is not None and ceiling < b.high:
                b.high = ceiling
                b.why.append(f"{after.kind} {after.wid}@{after.rv} was sent after it was answered")
            nxt = self._next(b.op.key, b.op.precondition or 0)
            if nxt is not None and nxt.rv < b.high:
                b.high = nxt.rv
                b.why.append(f"the next version of the key is {nxt.wid}@{nxt.rv}")
        return bounds

    @staticmethod
    def _floor(b: _Bounds, top_write: Op | None, top_list: Op | None) -> None:
        for before in (top_write, top_list):
            if before is not None and (before.rv or 0) > b.low:
                b.low = before.rv or 0
                b.why.append(f"{before.kind} {before.wid}@{before.rv} was answered before it was sent")

    # --- reads and refusals -----------------------------------------------------------------------

    def _possibly_current(self, v: Version, start: float, end: float) -> bool:
        """Could version `v` be the key's state at some moment of [start, end]?"""
        if v.op.invoked > end:
            return False
        superseders = [*self.successors.get((v.key, v.rv), [])]
        nxt = self._next(v.key, v.rv)
        if nxt is not None:
            superseders.append(nxt.op)
        return not any(s.outcome == "acked" and s.completed < start for s in superseders)

    def _possibly_absent(self, key: str, start: float, end: float) -> bool:
        versions = self.versions.get(key, [])
        if not versions or not (versions[0].op.outcome == "acked" and versions[0].op.completed < start):
            return True  # before the first create
        for d in self.deletes[key]:
            if d.invoked > end:
                continue
            nxt = self._next(key, d.precondition or 0)
            if nxt is None or nxt.op.outcome != "acked" or nxt.op.completed >= start:
                return True
        return False

    def _possibly_present(self, key: str, start: float, end: float) -> bool:
        return any(self._possibly_current(v, start, end) for v in self.versions.get(key, []))

    def _get(self, op: Op) -> None:
        for key, wid, rv in op.seen:
            v = self.by_rv.get(rv)
            if v is None or v.wid != wid:
                continue  # reported when the read was registered
            if not self._possibly_current(v, op.invoked, op.completed):
                self.problems.append(
                    f"stale read: {op.wid} got {key} {wid}@{rv}, superseded before it was sent"
                )

    def _refusal(self, op: Op) -> None:
        where = f"{op.kind} {op.wid} on {op.key}"
        if op.status == 429:
            return  # refused before it ran (a server draining for shutdown sheds load this way)
        if (op.status, op.reason) not in EXPECTED_REFUSALS or op.kind == "list":
            self.problems.append(f"{where}: unexpected answer {op.status} {op.reason}")
        elif op.reason == "Conflict":
            prec = op.precondition or 0
            superseded = any(s.invoked < op.completed for s in self.successors.get((op.key, prec), []))
            nxt = self._next(op.key, prec)
            was_version = any(v.rv == prec for v in self.versions.get(op.key, []))
            if was_version and not (superseded or (nxt is not None and nxt.op.invoked < op.completed)):
                self.problems.append(f"{where}: 409 Conflict, but RV {prec} was current throughout")
        elif op.reason == "AlreadyExists":
            if not self._possibly_present(op.key, op.invoked, op.completed):
                self.problems.append(f"{where}: 409 AlreadyExists, but the key was absent throughout")
        elif op.status == 404 and not self._possibly_absent(op.key, op.invoked, op.completed):
            self.problems.append(f"{where}: 404, but the key was present throughout")

    def _list(self, op: Op, bounds: dict[str, _Bounds]) -> None:
        at = op.rv or 0
        if op.not_older_than is not None and at < op.not_older_than:
            self.problems.append(f"list {op.wid} asked for RV >= {op.not_older_than} and got {at}")
        shown = {key: (wid, rv) for key, wid, rv in op.seen}
        for key, (wid, rv) in shown.items():
            if rv > at:
                self.problems.append(f"list {op.wid} at RV {at} holds {key} {wid}@{rv}, from its future")
        keys = {k for k in self.versions if k.startswith(op.key)} | set(shown)
        for key in sorted(keys):
            v = self._latest_at(key, at)
            got = shown.get(key)
            removals = [d for d in self.deletes[key] if v is not None and d.precondition == v.rv]
            if v is None:
                if got is not None:
                    self.problems.append(f"list {op.wid} at RV {at} holds {key} {got}, not yet written then")
            elif got is None:
                if not removals:
                    self.problems.append(
                        f"list {op.wid} at RV {at} lacks {key}, "
                        f"whose version {v.wid}@{v.rv} no delete removed"
                    )
                for d in removals:
                    if d.outcome == "acked" and at + 1 < bounds[d.wid].high:
                        bounds[d.wid].high = at + 1
                        bounds[d.wid].why.append(f"list {op.wid} at RV {at} no longer holds the key")
            elif got != (v.wid, v.rv):
                self.problems.append(
                    f"list {op.wid} at RV {at} holds {key} {got[0]}@{got[1]}; replayed, it is {v.wid}@{v.rv}"
                )
            else:
                for d in removals:
                    if d.outcome == "acked" and at > bounds[d.wid].low:
                        bounds[d.wid].low = at
                        bounds[d.wid].why.append(f"list {op.wid} at RV {at} still holds the key")


def check(history: Iterable[Op]) -> list[str]:
    """Every violation of Checker A in `history`; [] when it is linearizable by these checks."""
    return Checker(history).run()
