"""Recorded watch streams and their validation (reliability.md §5.3, etcd's watch validators).

A `Watcher` thread holds one plain HTTP watch stream (`allowWatchBookmarks=true`, a short random
`timeoutSeconds` so streams end and resume all the time) and, whenever it ends, opens the next one
from the last RV it received, event or bookmark. A 410 makes it list afresh and go on from the
list's RV: what lies between was declared lost, never silently skipped. Everything it receives is
kept in order in `log`.

`validate` checks every watcher against the write history and against all the other watchers:
- Ordered and Unique: event RVs strictly increase over the watcher's whole life, across resumes;
- Bookmarkable: a bookmark is at least the last event before it and below the next one;
- Resumable: each stream's events come after the RV it was opened at; a 410 comes first, before
  any event of its stream;
- Reliable: inside every range the watcher covered, from its start (or a relist) to the last RV it
  reached, it received every event in its scope: each write the history acked or a read saw, each
  event any other watcher received for that scope, and each acked delete that must lie in it;
- every event is the write the history says made that RV (its write id, ADDED for a create and
  MODIFIED for an update), and all watchers agree on what each RV was.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import socket
import ssl
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from tests.support.history import Op

# (kind, rv, key, wid, type): kind is event | bookmark | open | expired | relist | error
Entry = tuple[str, int, str, str, str]
KeyOf = Callable[[dict[str, Any]], str]  # an event's object -> its history key


@dataclass
class Watcher:
    """One resuming watch over `path` (a collection URL) from `start`."""

    name: str
    port: int
    token: str
    ssl_context: ssl.SSLContext
    path: str
    scope: str  # the history keys it covers: those starting with this ("" for all)
    start: int
    key_of: KeyOf
    seed: int = 0
    log: list[Entry] = field(default_factory=list)
    last: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)
    crash: BaseException | None = None
    _conn: http.client.HTTPSConnection | None = None
    _thread: threading.Thread | None = None

    def begin(self) -> None:
        self.last = self.start
        self._thread = threading.Thread(target=self._run, name=f"watch-{self.name}", daemon=True)
        self._thread.start()

    def end(self) -> None:
        self.stopping.set()
        conn = self._conn
        if conn is not None and conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=30)
            assert not self._thread.is_alive(), f"watcher {self.name} hung"
        assert self.crash is None, f"watcher {self.name} crashed: {self.crash!r}"

    @property
    def events(self) -> int:
        return sum(1 for e in self.log if e[0] == "event")

    def _run(self) -> None:
        rng = random.Random(self.seed)
        try:
            while not self.stopping.is_set():
                self._stream(rng.randint(1, 4))
        except BaseException as e:
            self.crash = e

    def _stream(self, timeout: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        query = f"?watch=1&allowWatchBookmarks=true&resourceVersion={self.last}&timeoutSeconds={timeout}"
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ssl_context, timeout=30)
        self._conn = conn
        try:
            conn.request("GET", self.path + query, headers=headers)
            resp = conn.getresponse()
            if resp.status != 200:  # e.g. 429 while the server drains: try again shortly
                self.log.append(("error", self.last, "", "", str(resp.status)))
                resp.read()
                time.sleep(0.05)
                return
            self.log.append(("open", self.last, "", "", ""))
            while True:
                line = resp.readline()
                if not line:
                    return
                self._receive(orjson.loads(line))
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)  # refused while the server restarts, or cut off by a kill
        finally:
            conn.close()
            self._conn = None

    def _receive(self, frame: dict[str, Any]) -> None:
        kind, obj = frame["type"], frame["object"]
        if kind == "ERROR":
            if obj.get("code") == 410:
                self.log.append(("expired", self.last, "", "", ""))
                self._relist()
            else:
                self.log.append(("error", self.last, "", "", orjson.dumps(obj).decode()))
            return
        rv = int(obj["metadata"]["resourceVersion"])
        if kind == "BOOKMARK":
            self.log.append(("bookmark", rv, "", "", ""))
        else:
            wid = str((obj.get("data") or {}).get("wid", ""))
            self.log.append(("event", rv, self.key_of(obj), wid, kind))
        self.last = rv

    def _relist(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ssl_context, timeout=30)
        try:
            conn.request("GET", self.path, headers=headers)
            body = orjson.loads(conn.getresponse().read())
        finally:
            conn.close()
        self.last = int(body["metadata"]["resourceVersion"])
        self.log.append(("relist", self.last, "", "", ""))


@dataclass
class _Reference:
    """What every watcher together and the history say each RV was."""

    at: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # rv -> (key, wid, type)
    problems: list[str] = field(default_factory=list)

    def add(self, rv: int, key: str, wid: str, kind: str, source: str) -> None:
        seen = self.at.setdefault(rv, (key, wid, kind))
        if seen != (key, wid, kind):
            self.problems.append(f"RV {rv} is {seen} to one, {(key, wid, kind)} to {source}")


def validate(watchers: list[Watcher], history: list[Op], final: int) -> list[str]:
    """Problems with the watchers' logs given the write history; `final` is an RV every watcher was
    waited for, after the last acked write."""
    ref = _Reference()
    writes = {op.wid: op for op in history if op.kind in ("create", "update", "delete")}
    versions: dict[tuple[str, int], Op] = {}
    for op in writes.values():
        if op.outcome == "acked" and op.kind != "delete":
            ref.add(op.rv or 0, op.key, op.wid, "ADDED" if op.kind == "create" else "MODIFIED", "the history")
            versions[(op.key, op.rv or 0)] = op
    problems: list[str] = []
    for w in watchers:
        for kind, rv, key, wid, etype in w.log:
            if kind != "event" or not wid:
                if kind == "event":
                    ref.add(rv, key, wid, etype, w.name)
                continue
            op = writes.get(wid)
            if etype == "DELETED":
                ref.add(rv, key, wid, etype, w.name)
                if op is None or op.kind == "delete":
                    problems.append(f"{w.name}: DELETED {key}@{rv} names write {wid}, which made no version")
                continue
            if op is None or op.key != key or op.outcome == "failed":
                problems.append(f"{w.name}: {etype} {key}@{rv} with write id {wid}: no such landed write")
                continue
            if op.outcome == "acked" and op.rv != rv:
                problems.append(f"{w.name}: {etype} {key}@{rv} is {wid}, acked at RV {op.rv}")
            expected = "ADDED" if op.kind == "create" else "MODIFIED"
            if etype != expected:
                problems.append(f"{w.name}: {key}@{rv} came as {etype}, but {wid} was a {op.kind}")
            ref.add(rv, key, wid, etype, w.name)
            versions.setdefault((key, rv), op)
    problems += ref.problems
    deletes = _deletes_to_expect(writes, versions)
    for w in watchers:
        problems += _check(w, ref, deletes, final)
    return problems


def _deletes_to_expect(
    writes: dict[str, Op], versions: dict[tuple[str, int], Op]
) -> list[tuple[str, int, int | None]]:
    """(key, version RV, next version RV or None) for every acked delete: its event lies between."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for key, rv in versions:
        by_key[key].append(rv)
    for rvs in by_key.values():
        rvs.sort()
    out = []
    for op in writes.values():
        if op.kind == "delete" and op.outcome == "acked" and op.precondition is not None:
            later = [rv for rv in by_key.get(op.key, []) if rv > op.precondition]
            out.append((op.key, op.precondition, later[0] if later else None))
    return out


def _check(w: Watcher, ref: _Reference, deletes: list[tuple[str, int, int | None]], final: int) -> list[str]:
    problems: list[str] = []
    ranges: list[tuple[int, int]] = []  # (after, through]: what the watcher covered
    low = high = w.start
    last_event = 0
    last_mark = 0  # the highest RV the watcher was told everything up to (event or bookmark)
    opened_at = w.start
    events_in_stream = 0
    received: set[int] = set()
    for kind, rv, key, _, etype in w.log:
        if kind == "open":
            opened_at, events_in_stream = rv, 0
        elif kind == "event":
            if rv <= last_mark:
                problems.append(
                    f"{w.name}: {etype} {key}@{rv} after RV {last_mark} was reached (reorder or dup)"
                )
            if rv <= opened_at:
                problems.append(f"{w.name}: a watch from RV {opened_at} sent {key}@{rv}")
            received.add(rv)
            last_event = last_mark = max(last_mark, rv)
            events_in_stream += 1
            high = max(high, rv)
        elif kind == "bookmark":
            if rv < last_event:
                problems.append(f"{w.name}: bookmark at {rv} after an event at {last_event}")
            last_mark = max(last_mark, rv)
            high = max(high, rv)
        elif kind == "expired":
            if events_in_stream:
                problems.append(
                    f"{w.name}: 410 after {events_in_stream} events of a watch from RV {opened_at}"
                )
            ranges.append((low, high))
        elif kind == "relist":
            low = high = rv
            last_mark = max(last_mark, rv)
        elif kind == "error" and etype not in ("429", "503"):
            problems.append(f"{w.name}: unexpected answer {etype} to a watch from RV {rv}")
    ranges.append((low, high))
    removed: dict[str, list[int]] = defaultdict(list)  # key -> RVs of the DELETED events received
    for kind, rv, key, _, etype in w.log:
        if kind == "event" and etype == "DELETED":
            removed[key].append(rv)
    for after, through in ranges:
        for rv, (key, wid, etype) in ref.at.items():
            if after < rv <= through and key.startswith(w.scope) and rv not in received:
                problems.append(f"{w.name}: gap: missed {etype} {key} {wid}@{rv} inside ({after}, {through}]")
        for key, version, nxt in deletes:
            if not key.startswith(w.scope) or version <= after:
                continue
            upper = nxt if nxt is not None else (final if through >= final else None)
            if upper is None or upper > through:
                continue
            if not any(version < rv < upper for rv in removed.get(key, ())):
                problems.append(
                    f"{w.name}: gap: missed the acked delete of {key}@{version} inside ({after}, {through}]"
                )
    return problems
