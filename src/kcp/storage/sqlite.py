"""The embedded SQLite backend: one writer thread with group commit, reader threads, a history log.

Writes: callers enqueue an op and await a future; the writer thread drains the queue, checks each
op's precondition against the batch's key states (taking the next revision), writes all its rows in
one transaction with WAL + `synchronous=FULL`, and only then hands the batch to the event loop, which
dispatches the events to the watch hub and resolves the futures. One thread assigns revisions,
commits and enqueues notifications in order, so watchers see revision order with no gaps (kine's
auto-increment race cannot happen), and nothing is acknowledged or visible before it is durable.

A batch is as few statements as can be: one INSERT that commits itself, whatever its size, preceded
by one read of every key's state unless all its ops create distinct keys (then a trigger fails the
INSERT whole if a key is present, and the batch is done again with the read). Each statement gives
the interpreter lock away while SQLite runs it, and a busy event loop keeps it for up to a switch
interval before the writer gets it back: BEGIN, read, a step per row, meta and COMMIT spent most of
a commit waiting so (4.8 of 7.1 ms for a batch of nine workspaces, measured).

Tables: `log` holds every version, written once; its (key, rev) index finds a key's newest row,
which is the key's current state unless it is a tombstone. The revision is the log's highest row,
or `meta`'s revision floor when that is higher: compaction deletes rows, so it first raises the floor
to its target. `meta` also holds the compacted revision and how far compaction has scanned. No
table of live keys is kept beside the log: its rows would sit in key order like the index's, and a
new workspace's keys (a random cluster name in each) land far apart in both, so each key written
dirtied two B-tree pages where one will do (about 40% of a commit's pages and time, measured).
Reads run on a small pool of threads with read-only connections (`readers.py`) running
`sqlitereads.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import orjson

from kcp.storage import failpoints, metrics, sqlitereads
from kcp.storage.interface import (
    Entries,
    Entry,
    Event,
    FutureRevision,
    KeyExists,
    KeyNotFound,
    Page,
    RevisionConflict,
    StorageError,
    Watch,
)
from kcp.storage.readers import ReaderPool
from kcp.storage.watchhub import WatchHub

T = TypeVar("T")
log = logging.getLogger(__name__)

SCHEMA_VERSION = 3  # 3: meta's revision is a floor (2's writers kept it current; 2 can't read 3)
MAX_BATCH = 1024  # queue items per transaction: bounds how long one commit holds the write lock
STATEMENT_BYTES = 64 << 20  # values per INSERT statement, far below SQLite's 1 GB string limit
COMPACTION_CHUNK = 1000  # log rows examined per compaction transaction, so writers wait little
_SAMPLES = 4096  # (time, revision) samples kept to find the revision `history_seconds` ago

_PRESENT = "kcp: created key is present"
_SCHEMA = f"""
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log(
    rev INTEGER PRIMARY KEY, key TEXT NOT NULL, value BLOB, create_rev INTEGER NOT NULL,
    prev_rev INTEGER NOT NULL, deleted INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS log_key_rev ON log(key, rev);
-- a create (no predecessor) of a key whose newest row is live fails its whole statement
CREATE TRIGGER IF NOT EXISTS log_create_absent BEFORE INSERT ON log
WHEN NEW.prev_rev = 0 AND (SELECT deleted FROM log WHERE key = NEW.key ORDER BY rev DESC LIMIT 1) = 0
BEGIN SELECT RAISE(ABORT, '{_PRESENT}'); END;
DROP TABLE IF EXISTS kv; -- version 1's table of live keys: the log holds all it said
INSERT OR IGNORE INTO meta VALUES ('revision', 0), ('compacted', 0), ('scanned', 0);
PRAGMA user_version = {SCHEMA_VERSION};
COMMIT;
"""
_META = "SELECT name, value FROM meta"
_SET_META = "UPDATE meta SET value = ? WHERE name = ?"
_RAISE_FLOOR = "UPDATE meta SET value = max(value, ?) WHERE name = 'revision'"
# Rows come as a JSON array of [rev, key offset, key length, value offset, value length, create_rev,
# prev_rev, deleted], their keys and values as two BLOBs they are cut from (sqlitereads.cut), so both
# are stored byte for byte; in array (revision) order, so a key deleted and made again in one batch
# meets the trigger after its tombstone.
_INSERT_ROWS = """INSERT INTO log(rev, key, value, create_rev, prev_rev, deleted)
SELECT json_extract(r.value, '$[0]'),
CAST(substr(?2, json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]')) AS TEXT),
CASE WHEN json_extract(r.value, '$[4]') < 0 THEN NULL
ELSE substr(?3, json_extract(r.value, '$[3]'), json_extract(r.value, '$[4]')) END,
json_extract(r.value, '$[5]'), json_extract(r.value, '$[6]'), json_extract(r.value, '$[7]')
FROM json_each(?1) AS r ORDER BY r.key"""
_SCAN = "SELECT rev, prev_rev, deleted FROM log WHERE rev > ? AND rev <= ? ORDER BY rev LIMIT ?"
_DELETE_LOG = "DELETE FROM log WHERE rev = ?"

_CREATE, _UPDATE, _DELETE = 0, 1, 2
_Op = tuple[int, str, bytes, int | None, asyncio.Future[Entry]]
_Outcome = tuple[asyncio.Future[Any], Entry | list[Entry] | StorageError]
_Current = tuple[int, int, bytes]  # mod_rev, create_rev, value
_LogRow = tuple[int, str, bytes | None, int, int, int]  # rev, key, value, create_rev, prev_rev, deleted
# `SQLiteStorage.list` shadows the builtin inside the class body, hence these names.
_Ops = list["_Op | _Group"]
_Outcomes = list[_Outcome]
_Events = list[Event]
_Jobs = list["_Job"]
_Replayed = tuple[list[Event], int]
_Applied = tuple[int, _Outcomes, _Events, list[_LogRow]]  # revision after, outcomes, events, rows


class _Group:
    """Creates that commit together or not at all (`create_all`)."""

    __slots__ = ("future", "items")

    def __init__(self, items: list[tuple[str, bytes]], future: asyncio.Future[list[Entry]]) -> None:
        self.items = items
        self.future = future


class _Job:
    """Work other than ops that needs the writer connection (compaction, pragma reads)."""

    __slots__ = ("fn", "future")

    def __init__(self, fn: Callable[[sqlite3.Connection], Any], future: asyncio.Future[Any]) -> None:
        self.fn = fn
        self.future = future


class SQLiteStorage:
    """`Storage` on one SQLite file; see the module docstring for how writes become durable events."""

    def __init__(
        self,
        path: str | Path,
        *,
        history_seconds: float = 300.0,
        compaction_interval: float = 30.0,
        watch_buffer: int = 1000,
        readers: int = 3,
    ) -> None:
        self.path = Path(path)
        self._history = history_seconds
        self._compaction_interval = compaction_interval
        self._watch_page = watch_buffer
        self._reader_count = readers
        self._hub = WatchHub(watch_buffer)
        self._queue: queue.SimpleQueue[_Op | _Group | _Job | None] = queue.SimpleQueue()
        self._loop: asyncio.AbstractEventLoop
        self._conn: sqlite3.Connection  # the writer's; used only on the writer thread
        self._writer: threading.Thread | None = None
        self._readers: ReaderPool | None = None
        self._open = False
        self._revision = 0  # the last committed revision; only the writer thread assigns it
        self._compacted = 0
        self._scanned = 0  # compaction has removed superseded rows up to here
        self._samples: deque[tuple[float, int]] = deque(maxlen=_SAMPLES)
        self._sample_every = history_seconds / (_SAMPLES // 8)
        self._compact_lock = asyncio.Lock()
        self._compactor: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._writer is not None:
            raise StorageError("storage already started")
        self._loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = self._loop.create_future()
        self._writer = threading.Thread(target=self._write_loop, args=(ready,), name="kcp-sqlite-writer")
        self._writer.daemon = True  # a process exiting without close() must not hang on it
        self._writer.start()
        await ready
        self._hub.revision = self._revision
        self._readers = ReaderPool(self.path, self._reader_count, self._loop)
        self._open = True
        self._compactor = asyncio.create_task(self._compact_periodically(), name="kcp-sqlite-compactor")

    async def close(self) -> None:
        """End all watches (consumers resume elsewhere), finish queued writes, release threads and files."""
        if not self._open:
            return
        self._open = False
        self._hub.close_all()
        if self._compactor is not None:
            self._compactor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._compactor
        self._queue.put(None)
        if self._writer is not None:
            await asyncio.to_thread(self._writer.join)
        if self._readers is not None:
            await asyncio.to_thread(self._readers.close)

    async def get(self, key: str) -> Entry | None:
        return await self._read(functools.partial(sqlitereads.get, key))

    async def list(
        self, prefix: str, *, revision: int | None = None, start_after: str = "", limit: int = 0
    ) -> Page:
        return await self._read(
            functools.partial(sqlitereads.list_page, prefix, revision, start_after, limit)
        )

    async def count(self, prefix: str) -> int:
        return await self._read(functools.partial(sqlitereads.count, prefix))

    async def create(self, key: str, value: bytes) -> Entry:
        return await self._submit(_CREATE, key, value, None)

    async def create_all(self, items: Sequence[tuple[str, bytes]]) -> Entries:
        self._check_open()
        future: asyncio.Future[Entries] = self._loop.create_future()
        self._queue.put(_Group(list(items), future))
        return await future

    async def update(self, key: str, value: bytes, *, expect: int) -> Entry:
        return await self._submit(_UPDATE, key, value, expect)

    async def delete(self, key: str, *, expect: int | None = None) -> Entry:
        return await self._submit(_DELETE, key, b"", expect)

    async def current_revision(self) -> int:
        return self._revision

    def healthy(self) -> bool:
        """Open, with a live writer thread: once that thread is gone every write would wait forever."""
        return self._open and self._writer is not None and self._writer.is_alive()

    async def compacted_revision(self) -> int:
        return self._compacted

    async def compact(self, revision: int) -> None:
        """Record `revision` as compacted first (durably), then delete superseded rows in chunks.

        Readers check the compacted revision in the same snapshot as the rows they read, so a
        replay or list never sees history vanish under it; a crash mid-way resumes the scan.
        """
        async with self._compact_lock:
            if revision > self._revision:
                raise FutureRevision(revision, self._revision)
            if revision > self._compacted:
                await self._job(functools.partial(_record_compacted, revision))
                self._compacted = revision
                failpoints.hit(failpoints.COMPACTION_AFTER_META_BEFORE_DELETE)
            while self._scanned < self._compacted:
                self._scanned = await self._job(
                    functools.partial(_compact_chunk, self._scanned, self._compacted)
                )

    async def watch(self, prefix: str, *, after: int) -> Watch:
        self._check_open()
        return await self._hub.watch(prefix, after, functools.partial(self._replay, prefix))

    async def pragma(self, name: str) -> object:
        """One PRAGMA value read on the live writer connection (durability settings, integrity)."""
        if not name.isidentifier():
            raise ValueError(f"not a pragma name: {name!r}")
        return await self._job(lambda conn: conn.execute(f"PRAGMA {name}").fetchone()[0])

    # --- event loop side -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if not self._open:
            raise StorageError("storage is not open")

    def _submit(self, kind: int, key: str, value: bytes, expect: int | None) -> asyncio.Future[Entry]:
        self._check_open()
        future: asyncio.Future[Entry] = self._loop.create_future()
        self._queue.put((kind, key, value, expect, future))
        return future

    def _job(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        self._check_open()
        future: asyncio.Future[T] = self._loop.create_future()
        self._queue.put(_Job(fn, future))
        return future

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        self._check_open()
        assert self._readers is not None  # set by start(), which _check_open() implies
        return await self._readers.submit(fn)

    async def _replay(self, prefix: str, after: int, until: int) -> _Replayed:
        return await self._read(functools.partial(sqlitereads.replay, prefix, after, until, self._watch_page))

    def _deliver(self, events: _Events, outcomes: _Outcomes) -> None:
        """Runs on the loop after COMMIT: watchers first, so an acked revision is always watchable."""
        if events:
            self._hub.dispatch(events)
            now = time.monotonic()
            if not self._samples or now - self._samples[-1][0] >= self._sample_every:
                self._samples.append((now, events[-1].revision))
        failpoints.hit(failpoints.AFTER_NOTIFY_BEFORE_RESPONSE)
        for future, outcome in outcomes:
            if future.done():  # the caller gave up; the write happened anyway (an unknown outcome)
                continue
            if isinstance(outcome, StorageError):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    async def _compact_periodically(self) -> None:
        """Finish a compaction a crash interrupted, then compact to `history_seconds` ago every
        `compaction_interval` seconds (never, when that is 0)."""
        while True:
            cutoff = time.monotonic() - self._history
            target = self._compacted
            while self._samples and self._samples[0][0] <= cutoff:
                target = max(target, self._samples.popleft()[1])
            try:
                await self.compact(target)
            except Exception:
                log.exception("compaction to revision %d failed; retrying next round", target)
            if self._compaction_interval <= 0:
                return  # periodic compaction is off; the round above finished an interrupted one
            await asyncio.sleep(self._compaction_interval)

    # --- writer thread ---------------------------------------------------------------------------

    def _write_loop(self, ready: asyncio.Future[None]) -> None:
        try:
            self._conn = self._open_writer()
        except Exception as exc:
            error = StorageError(f"cannot open {self.path}: {exc}")
            self._loop.call_soon_threadsafe(_settle, ready, None, error)
            return
        self._loop.call_soon_threadsafe(_settle, ready, None, None)
        try:
            while self._serve_batch():
                pass
        finally:
            self._conn.close()

    def _open_writer(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
                raise StorageError("SQLite refused WAL mode")
            conn.execute("PRAGMA synchronous = FULL")  # NORMAL may lose acked writes on power loss
            conn.execute("PRAGMA busy_timeout = 5000")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, 1, 2, SCHEMA_VERSION):
                raise StorageError(f"unknown schema version {version}")
            conn.executescript(_SCHEMA)
            meta = dict(conn.execute(_META).fetchall())
        except BaseException:
            conn.close()
            raise
        self._revision = sqlitereads.revision(conn)
        self._compacted, self._scanned = meta["compacted"], meta["scanned"]
        return conn

    def _serve_batch(self) -> bool:
        """Drain the queue once: commit all ops together, then run jobs. False after close()."""
        items = [self._queue.get()]
        with contextlib.suppress(queue.Empty):
            while len(items) < MAX_BATCH:
                items.append(self._queue.get_nowait())
        ops: _Ops = []
        jobs: _Jobs = []
        running = True
        for item in items:
            if item is None:
                running = False
            elif isinstance(item, _Job):
                jobs.append(item)
            else:
                ops.append(item)
        if ops:
            self._commit(ops)
        for job in jobs:
            self._run_job(job)
        return running

    def _commit(self, ops: _Ops) -> None:
        conn = self._conn
        started = time.perf_counter()
        events: _Events = []
        try:
            planned = _creates(ops, self._revision)
            if planned is not None:  # no read: the `log_create_absent` trigger fails it whole instead
                revision, outcomes, events, rows = planned
                if not _write_creates(conn, rows):
                    planned = None  # a key was present: `_apply` reads them all and fails only its op
            if planned is None:
                revision, outcomes, events, rows = _apply(conn, ops, self._revision)
                if rows:
                    _write(conn, rows)
        except Exception as exc:
            self._fail(ops, events, exc)
            return
        metrics.COMMIT_DURATION.observe(time.perf_counter() - started)
        metrics.COMMIT_BATCH_SIZE.observe(len(ops))
        self._revision = revision
        failpoints.hit(failpoints.AFTER_COMMIT_BEFORE_NOTIFY)
        self._notify(events, outcomes)

    def _fail(self, ops: _Ops, events: _Events, exc: Exception) -> None:
        """A failed commit acknowledges nothing. If it landed anyway (an error after the WAL write),
        readers see the batch, so watchers get its events and the counter moves past it."""
        _rollback(self._conn)
        try:
            stored = sqlitereads.revision(self._conn)
        except sqlite3.Error:
            stored = self._revision
        landed = stored > self._revision
        if landed:
            self._revision = stored
        log.error("commit of %d operations failed (landed: %s), none acknowledged: %s", len(ops), landed, exc)
        failed: _Outcomes = []
        for op in ops:
            error = StorageError(
                f"commit failed, outcome unknown: {exc}" if landed else f"commit failed: {exc}"
            )
            error.__cause__ = exc
            failed.append((op.future if isinstance(op, _Group) else op[4], error))
        self._notify(events if landed else [], failed)

    def _notify(self, events: _Events, outcomes: _Outcomes) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is left to tell
            self._loop.call_soon_threadsafe(self._deliver, events, outcomes)

    def _run_job(self, job: _Job) -> None:
        try:
            result, error = job.fn(self._conn), None
        except Exception as exc:
            _rollback(self._conn)
            result, error = None, exc if isinstance(exc, StorageError) else StorageError(str(exc))
            error.__cause__ = exc
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(_settle, job.future, result, error)


def _apply(conn: sqlite3.Connection, ops: _Ops, revision: int) -> _Applied:
    """Check each op's precondition against the state so far (earlier ops of the batch included).

    Every key's current state is read in one statement: each statement gives the interpreter lock
    away while SQLite runs it, and a busy event loop then keeps it for up to a switch interval, so
    one read per key (nine for a new workspace) made the batch wait that long per key.
    """
    keys = [k for op in ops for k in ([k for k, _ in op.items] if isinstance(op, _Group) else [op[1]])]
    seen: dict[str, _Current | None] = dict.fromkeys(keys)
    seen.update(sqlitereads.current_many(keys, conn))
    outcomes: list[_Outcome] = []
    events: list[Event] = []
    rows: list[_LogRow] = []

    def create(key: str, value: bytes) -> Entry:
        nonlocal revision
        revision += 1
        seen[key] = (revision, revision, value)
        rows.append((revision, key, value, revision, 0, 0))
        events.append(Event("PUT", key, value, revision, revision))
        return Entry(key, value, revision, revision)

    for op in ops:
        if isinstance(op, _Group):
            outcomes.append((op.future, _clash(op.items, seen) or [create(k, v) for k, v in op.items]))
            continue
        kind, key, value, expect, future = op
        current = seen[key]
        error: StorageError
        if kind == _CREATE:
            if current is None:
                outcomes.append((future, create(key, value)))
                continue
            error = KeyExists(key, Entry(key, current[2], current[0], current[1]))
        elif current is None:
            error = KeyNotFound(key)
        elif expect is not None and current[0] != expect:
            error = RevisionConflict(key, Entry(key, current[2], current[0], current[1]))
        else:
            revision += 1
            mod_rev, create_rev, old = current
            if kind == _UPDATE:
                seen[key] = (revision, create_rev, value)
                rows.append((revision, key, value, create_rev, mod_rev, 0))
                outcomes.append((future, Entry(key, value, revision, create_rev)))
                events.append(Event("PUT", key, value, revision, create_rev, old))
            else:
                seen[key] = None
                rows.append((revision, key, None, create_rev, mod_rev, 1))
                outcomes.append((future, Entry(key, old, revision, create_rev)))
                events.append(Event("DELETE", key, old, revision, create_rev, old))
            continue
        outcomes.append((future, error))
    return revision, outcomes, events, rows


def _creates(ops: _Ops, revision: int) -> _Applied | None:
    """What a batch of creates of distinct keys (most batches) writes if none of them is present;
    None for any other batch."""
    items: list[tuple[str, bytes]] = []
    for op in ops:
        if isinstance(op, _Group):
            items += op.items
        elif op[0] == _CREATE:
            items.append((op[1], op[2]))
        else:
            return None
    if len({key for key, _ in items}) != len(items):
        return None
    first = revision + 1
    made = [Entry(key, value, first + i, first + i) for i, (key, value) in enumerate(items)]
    rows: list[_LogRow] = [(e.mod_revision, e.key, e.value, e.mod_revision, 0, 0) for e in made]
    events = [Event("PUT", e.key, e.value, e.mod_revision, e.mod_revision) for e in made]
    entries = iter(made)
    outcomes: list[_Outcome] = [
        (op.future, [next(entries) for _ in op.items]) if isinstance(op, _Group) else (op[4], next(entries))
        for op in ops
    ]
    return revision + len(rows), outcomes, events, rows


def _write_creates(conn: sqlite3.Connection, rows: list[_LogRow]) -> bool:
    """`_write` of creates; False, with nothing written, when one of their keys is present."""
    try:
        _write(conn, rows)
    except sqlite3.IntegrityError as exc:
        if _PRESENT not in str(exc):
            raise
        return False
    return True


def _write(conn: sqlite3.Connection, rows: list[_LogRow]) -> None:
    """All rows, committed, or none: one statement (its own transaction) unless their values are too
    big for one, then one transaction of several. The crash point before the commit comes first."""
    failpoints.hit(failpoints.BEFORE_COMMIT)
    chunks: list[list[_LogRow]] = [[]]
    size = 0
    for row in rows:
        length = len(row[2] or b"")
        if chunks[-1] and size + length > STATEMENT_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(row)
        size += length
    if len(chunks) == 1:
        conn.execute(_INSERT_ROWS, _packed(rows))
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for chunk in chunks:
            conn.execute(_INSERT_ROWS, _packed(chunk))
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _packed(rows: list[_LogRow]) -> tuple[bytes, bytes, bytes]:
    """The parameters of `_INSERT_ROWS`: the rows as JSON, their keys end to end, their values too."""
    keys, key_blob = sqlitereads.cut([row[1].encode() for row in rows])
    values, value_blob = sqlitereads.cut([row[2] for row in rows])
    spec = [
        (rev, *key, *value, create_rev, prev_rev, deleted)
        for (rev, _, _, create_rev, prev_rev, deleted), key, value in zip(rows, keys, values, strict=True)
    ]
    return orjson.dumps(spec), key_blob, value_blob


def _clash(items: list[tuple[str, bytes]], seen: dict[str, _Current | None]) -> KeyExists | None:
    """The first key of a group that is present, or named twice: the group then writes nothing."""
    named: set[str] = set()
    for key, _ in items:
        current = seen[key]
        if current is not None:
            return KeyExists(key, Entry(key, current[2], current[0], current[1]))
        if key in named:
            return KeyExists(key)
        named.add(key)
    return None


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _settle(future: asyncio.Future[T], result: T, error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


def _record_compacted(revision: int, conn: sqlite3.Connection) -> None:
    """The compacted revision, and the revision floor raised to it: the rows compaction deletes are
    at or below it, and the newest of them may be the newest revision there is."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(_SET_META, (revision, "compacted"))
    conn.execute(_RAISE_FLOOR, (revision,))
    conn.execute("COMMIT")


def _compact_chunk(scanned: int, target: int, conn: sqlite3.Connection) -> int:
    """Delete what rows in (scanned, target] supersede; returns the new scan position.

    Every row of a key links to its predecessor (prev_rev), so a row ≤ target makes its predecessor
    garbage, and a tombstone ≤ target is garbage itself (its predecessors went with earlier rows).
    """
    conn.execute("BEGIN IMMEDIATE")
    rows = conn.execute(_SCAN, (scanned, target, COMPACTION_CHUNK)).fetchall()
    doomed = [(prev_rev,) for _, prev_rev, _ in rows if prev_rev]
    doomed += [(rev,) for rev, _, deleted in rows if deleted]
    conn.executemany(_DELETE_LOG, doomed)
    failpoints.hit(failpoints.COMPACTION_MID_BATCH)
    position = rows[-1][0] if len(rows) == COMPACTION_CHUNK else target
    conn.execute(_SET_META, (position, "scanned"))
    conn.execute("COMMIT")
    return position
