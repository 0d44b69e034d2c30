"""SQLite-specific behaviour: durability settings, group commit, failure and crash handling,
compaction internals and bounded watch buffers. The backend-neutral contract is in test_contract.py.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from kcp.storage import sqlite as sqlite_backend
from kcp.storage.interface import Compacted, Entry, KeyExists, KeyNotFound, RevisionConflict, StorageError
from kcp.storage.sqlite import SQLiteStorage
from kcp.storage.sqlitereads import prefix_end

ROOT = "/registry/core/configmaps/root/"
OpenStore = Callable[..., SQLiteStorage]


@pytest.fixture
async def open_store(tmp_path: Path) -> AsyncIterator[OpenStore]:
    """Starts SQLite stores on this test's file with the given options; closes them afterwards."""
    stores: list[SQLiteStorage] = []

    def factory(**options: Any) -> SQLiteStorage:
        store = SQLiteStorage(tmp_path / "kcp.db", **{"compaction_interval": 3600.0, **options})
        stores.append(store)
        return store

    yield factory
    for store in stores:
        await store.close()


async def started(store: SQLiteStorage) -> SQLiteStorage:
    await store.start()
    return store


def metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def log_rows(path: Path) -> list[tuple[int, str, int]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT rev, key, deleted FROM log ORDER BY rev").fetchall()


def meta(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT name, value FROM meta").fetchall())


async def test_live_writer_connection_is_wal_and_synchronous_full(open_store: OpenStore) -> None:
    store = await started(open_store())
    assert await store.pragma("synchronous") == 2  # FULL: NORMAL may lose acked writes on power loss
    assert await store.pragma("journal_mode") == "wal"
    assert await store.pragma("integrity_check") == "ok"
    with pytest.raises(ValueError):
        await store.pragma("synchronous = OFF")


async def test_health_is_an_open_store_with_a_live_writer(open_store: OpenStore) -> None:
    store = open_store()
    assert not store.healthy()
    await started(store)
    assert store.healthy()
    store._queue.put(None)  # the writer thread ends as if it had died
    await asyncio.to_thread(store._writer.join)  # type: ignore[union-attr]
    assert not store.healthy()


async def test_concurrent_writes_share_commits(open_store: OpenStore) -> None:
    store = await started(open_store())
    commits = metric("kcp_storage_commit_batch_size_count")
    ops = metric("kcp_storage_commit_batch_size_sum")
    await asyncio.gather(*(store.create(ROOT + f"k{i}", b"v") for i in range(300)))
    assert metric("kcp_storage_commit_batch_size_sum") - ops == 300
    assert metric("kcp_storage_commit_batch_size_count") - commits < 30
    assert metric("kcp_storage_commit_duration_seconds_count") > 0


async def test_batches_of_any_size_are_written_whole(open_store: OpenStore, tmp_path: Path) -> None:
    """A batch reads every key's state in one statement: every size must come out exactly."""
    store = await started(open_store())
    for size in (1, 3, 512, 513, 1300):
        before = await store.current_revision()
        items = [(f"{ROOT}n{size}-{i}", f"v{i}".encode()) for i in range(size)]
        singles = [store.create(f"{ROOT}s{size}-{i}", b"s") for i in range(3)]
        results = await asyncio.gather(store.create_all(items), *singles)
        written = results[0]
        assert [e.value for e in written] == [v for _, v in items]
        assert await store.current_revision() == before + size + 3
    rows = log_rows(tmp_path / "kcp.db")
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert len({r[1] for r in rows}) == len(rows) == (1 + 3 + 512 + 513 + 1300) + 15


@pytest.mark.parametrize("statement_bytes", [sqlite_backend.STATEMENT_BYTES, 5])
async def test_a_batch_stores_values_byte_for_byte(
    open_store: OpenStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, statement_bytes: int
) -> None:
    """Rows travel as JSON with their values cut from one BLOB; too many bytes for one statement
    take several in one transaction. Either way each value comes back exactly, tombstones as NULL."""
    monkeypatch.setattr(sqlite_backend, "STATEMENT_BYTES", statement_bytes)
    store = await started(open_store())
    doomed = await store.create(ROOT + "doomed", b"x")
    values = [b"", b"\x00\xff\xfe", "é\u2028".encode(), b'{"a":"\\u0000"}', bytes(range(256)) * 3]
    results = await asyncio.gather(
        *(store.create(f"{ROOT}v{i}", v) for i, v in enumerate(values)),
        store.delete(ROOT + "doomed", expect=doomed.mod_revision),
        store.create(ROOT + "v-after", b"last"),
    )
    assert [e.value for e in results[: len(values)]] == values
    for i, value in enumerate(values):
        assert await store.get(f"{ROOT}v{i}") == results[i]
        assert (await store.get(f"{ROOT}v{i}")).value == value  # type: ignore[union-attr]
    assert await store.get(ROOT + "doomed") is None
    with sqlite3.connect(tmp_path / "kcp.db") as conn:
        tombstone = conn.execute(
            "SELECT value, deleted FROM log WHERE key = ? AND rev > ?", (ROOT + "doomed", doomed.mod_revision)
        )
        assert tombstone.fetchall() == [(None, 1)]
    assert await store.current_revision() == results[-1].mod_revision


async def test_keys_are_stored_character_for_character(open_store: OpenStore) -> None:
    """Names may hold any character but `/` and `%` (kube's path segment rule), NUL included, which
    SQLite's JSON functions would end a string at: batches carry keys as bytes."""
    store = await started(open_store())
    odd = [ROOT + name for name in ("a\x00b", "a", "a\x01", 'é\u2028"\\', "\U0001f600")]
    made = await asyncio.gather(*(store.create(key, key.encode()) for key in odd))  # one batch, no read
    assert [e.key for e in made] == odd
    for key in odd:
        assert (await store.get(key)).value == key.encode()  # type: ignore[union-attr]
    again = await asyncio.gather(  # one batch that reads every key's state first
        store.update(odd[0], b"new", expect=made[0].mod_revision),
        store.create(odd[1], b"exists"),
        store.delete(odd[2]),
        return_exceptions=True,
    )
    assert [type(r) for r in again] == [Entry, KeyExists, Entry]
    assert (await store.get(odd[0])).value == b"new"  # type: ignore[union-attr]
    assert (await store.get(odd[1])).value == odd[1].encode()  # type: ignore[union-attr]
    assert await store.get(odd[2]) is None
    assert [e.key for e in (await store.list(ROOT)).entries] == sorted([odd[0], odd[1], *odd[3:]])


async def test_a_present_key_fails_only_its_create_in_a_batch_of_creates(
    open_store: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of creates of distinct keys is written without reading first; when a key is there
    after all, the batch is done again the careful way, and only the op that named it fails."""
    written: list[bool] = []
    without_read = sqlite_backend._write_creates
    monkeypatch.setattr(
        sqlite_backend, "_write_creates", lambda c, rows: written.append(without_read(c, rows)) or written[-1]
    )
    store = await started(open_store())
    present = await store.create(ROOT + "present", b"p")
    await store.create(ROOT + "recreated", b"r")
    await store.delete(ROOT + "recreated")
    assert written == [True, True]
    results = await asyncio.gather(
        store.create(ROOT + "b", b"b1"),
        store.create(ROOT + "present", b"again"),
        store.create_all([(ROOT + "g2", b"g"), (ROOT + "g3", b"g")]),
        store.create(ROOT + "recreated", b"r2"),
        return_exceptions=True,
    )
    assert written == [True, True, False]  # one batch, tried without reading, then done again
    assert [type(r) for r in results] == [Entry, KeyExists, list, Entry]
    assert results[1].entry == present  # type: ignore[union-attr]
    first = present.mod_revision + 3
    revisions = [results[0].mod_revision, *(e.mod_revision for e in results[2]), results[3].mod_revision]  # type: ignore[union-attr]
    assert revisions == list(range(first, first + 4))
    assert (await store.get(ROOT + "recreated")).value == b"r2"  # type: ignore[union-attr]
    with pytest.raises(KeyExists):
        await store.create_all([(ROOT + "g1", b"g"), (ROOT + "present", b"g")])
    assert written[-1] is False
    assert await store.get(ROOT + "g1") is None
    assert await store.current_revision() == first + 3


async def test_a_key_deleted_and_made_again_in_one_batch(open_store: OpenStore) -> None:
    store = await started(open_store())
    old = await store.create(ROOT + "x", b"old")
    gone, new = await asyncio.gather(
        store.delete(ROOT + "x", expect=old.mod_revision), store.create(ROOT + "x", b"new")
    )
    assert (gone.mod_revision, new.mod_revision) == (old.mod_revision + 1, old.mod_revision + 2)
    assert await store.get(ROOT + "x") == new


async def test_failed_precondition_fails_only_its_op_in_a_batch(open_store: OpenStore) -> None:
    store = await started(open_store())
    a = await store.create(ROOT + "a", b"a1")
    results = await asyncio.gather(
        store.create(ROOT + "b", b"b1"),
        store.create(ROOT + "a", b"again"),
        store.update(ROOT + "a", b"a2", expect=a.mod_revision),
        store.update(ROOT + "a", b"a3", expect=a.mod_revision),  # sees the op before it in the batch
        store.delete(ROOT + "nope"),
        store.create(ROOT + "c", b"c1"),
        store.delete(ROOT + "c"),  # created earlier in the same batch
        return_exceptions=True,
    )
    kinds = [type(r) for r in results]
    assert kinds == [Entry, KeyExists, Entry, RevisionConflict, KeyNotFound, Entry, Entry]
    revisions = [r.mod_revision for r in results if isinstance(r, Entry)]
    assert revisions == list(range(a.mod_revision + 1, a.mod_revision + 5))
    assert [e.key for e in (await store.list(ROOT)).entries] == [ROOT + "a", ROOT + "b"]


class FailingCommit:
    """The writer connection, except that a commit (COMMIT, or a write outside a transaction) fails
    as a full or broken disk would make it; with `lands`, the error comes after the commit took
    effect (e.g. a failed fsync report)."""

    def __init__(self, conn: sqlite3.Connection, *, lands: bool = False) -> None:
        self.conn = conn
        self.lands = lands

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "COMMIT" or (sql.startswith("INSERT") and not self.conn.in_transaction):
            if self.lands:
                self.conn.execute(sql, *args)
            raise sqlite3.OperationalError("disk I/O error")
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


async def test_failed_commit_fails_the_whole_batch_and_acks_nothing(
    open_store: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await started(open_store())
    before = await store.create(ROOT + "before", b"v")
    watch = await store.watch(ROOT, after=0)
    conn = store._conn
    monkeypatch.setattr(store, "_conn", FailingCommit(conn))
    results = await asyncio.gather(
        *(store.create(ROOT + f"k{i}", b"v") for i in range(10)),
        store.create(ROOT + "before", b"dup"),
        return_exceptions=True,
    )
    assert all(type(r) is StorageError for r in results), results
    monkeypatch.setattr(store, "_conn", conn)
    assert await store.current_revision() == before.mod_revision
    assert (await store.list(ROOT)).entries == [before]
    after = await store.create(ROOT + "after", b"v")
    assert after.mod_revision == before.mod_revision + 1
    batch = await asyncio.wait_for(anext(watch), 1)
    assert [e.key for e in batch] == [ROOT + "after"]


async def test_commit_that_fails_after_landing_is_unacked_but_watched(
    open_store: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await started(open_store())
    watch = await store.watch(ROOT, after=0)
    conn = store._conn
    monkeypatch.setattr(store, "_conn", FailingCommit(conn, lands=True))
    results = await asyncio.gather(
        *(store.create(ROOT + f"k{i}", b"v") for i in range(3)), return_exceptions=True
    )
    assert all(type(r) is StorageError for r in results), results
    monkeypatch.setattr(store, "_conn", conn)
    assert await store.count(ROOT) == 3  # readers see the batch ...
    assert await store.current_revision() == 3
    assert [e.revision for e in await asyncio.wait_for(anext(watch), 1)] == [1, 2, 3]  # ... so watchers do
    assert (await store.create(ROOT + "next", b"v")).mod_revision == 4


async def test_revision_counter_is_not_derived_from_history(open_store: OpenStore, tmp_path: Path) -> None:
    store = await started(open_store())
    await store.create(ROOT + "a", b"v")
    gone = await store.delete(ROOT + "a")
    await store.compact(gone.mod_revision)
    assert log_rows(tmp_path / "kcp.db") == []
    await store.close()
    store = await started(open_store())
    assert (await store.create(ROOT + "b", b"v")).mod_revision == gone.mod_revision + 1


async def test_compaction_deletes_superseded_rows_in_chunks(
    open_store: OpenStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_backend, "COMPACTION_CHUNK", 3)
    store = await started(open_store())
    live = {}
    for i in range(6):
        entry = await store.create(ROOT + f"k{i}", b"0")
        for n in range(1, 3):
            entry = await store.update(entry.key, b"%d" % n, expect=entry.mod_revision)
        live[entry.key] = entry
    for key in (ROOT + "k1", ROOT + "k4"):
        await store.delete(key)
        del live[key]
    reborn = await store.create(ROOT + "k1", b"reborn")  # its tombstone is still garbage
    current = reborn.mod_revision
    await store.compact(current - 1)
    expected = sorted([(e.mod_revision, e.key, 0) for e in live.values()] + [(current, reborn.key, 0)])
    assert log_rows(tmp_path / "kcp.db") == expected
    assert meta(tmp_path / "kcp.db")["scanned"] == current - 1
    assert sorted(e.key for e in (await store.list(ROOT)).entries) == sorted([*live, ROOT + "k1"])
    assert (await store.list(ROOT, revision=current - 1)).entries == sorted(
        live.values(), key=lambda e: e.key
    )


async def test_background_compaction_follows_the_history_window(open_store: OpenStore) -> None:
    store = await started(open_store(history_seconds=0.1, compaction_interval=0.05))
    await store.create(ROOT + "a", b"1")
    second = await store.create(ROOT + "b", b"1")
    await asyncio.sleep(0.3)
    await store.update(ROOT + "b", b"2", expect=second.mod_revision)
    async with asyncio.timeout(3):
        while await store.compacted_revision() < second.mod_revision:
            await asyncio.sleep(0.02)
    with pytest.raises(Compacted):
        await store.watch(ROOT, after=second.mod_revision - 1)


async def test_slow_watcher_is_closed_without_hurting_others(open_store: OpenStore) -> None:
    store = await started(open_store(watch_buffer=5))
    overflowed = metric("kcp_storage_watchers_overflowed_total")
    watchers = metric("kcp_storage_watchers")
    slow = await store.watch(ROOT, after=0)
    fast = await store.watch(ROOT, after=0)
    assert metric("kcp_storage_watchers") == watchers + 2
    seen: list[int] = []

    async def consume() -> None:
        async for batch in fast:
            seen.extend(e.revision for e in batch)
            if len(seen) == 20:
                return

    consumer = asyncio.create_task(consume())
    for i in range(20):
        await store.create(ROOT + f"k{i}", b"v")
    await asyncio.wait_for(consumer, 2)
    assert seen == list(range(1, 21))
    assert slow.overflowed and not fast.overflowed
    with pytest.raises(StopAsyncIteration):
        await anext(slow)
    assert metric("kcp_storage_watchers_overflowed_total") == overflowed + 1
    fast.close()
    assert metric("kcp_storage_watchers") == watchers


async def test_replay_is_paged_and_live_events_wait_behind_it(open_store: OpenStore) -> None:
    store = await started(open_store(watch_buffer=3))
    for i in range(10):
        await store.create(ROOT + f"k{i}", b"v")
    watch = await store.watch(ROOT, after=1)
    await store.create(ROOT + "live1", b"v")
    await store.create(ROOT + "live2", b"v")
    batches = []
    async with asyncio.timeout(2):
        async for batch in watch:
            batches.append([e.revision for e in batch])
            if batch[-1].revision == 12:
                break
    assert [r for batch in batches for r in batch] == list(range(2, 13))
    assert max(len(batch) for batch in batches) <= 3
    watch.close()


async def test_compaction_ends_a_replay_it_overtakes(open_store: OpenStore) -> None:
    store = await started(open_store(watch_buffer=2))
    for i in range(10):
        await store.create(ROOT + f"k{i}", b"v")
    watch = await store.watch(ROOT, after=1)
    assert [e.revision for e in await anext(watch)] == [2, 3]
    await store.compact(8)
    with pytest.raises(StopAsyncIteration):
        await anext(watch)
    assert not watch.overflowed
    with pytest.raises(Compacted):
        await store.watch(ROOT, after=3)


async def test_reads_see_every_acknowledged_write(open_store: OpenStore) -> None:
    store = await started(open_store(readers=3))

    async def write_then_read(i: int) -> None:
        entry = await store.create(ROOT + f"k{i}", b"%d" % i)
        assert await store.get(entry.key) == entry
        page = await store.list(ROOT)
        assert entry in page.entries and page.revision >= entry.mod_revision

    await asyncio.gather(*(write_then_read(i) for i in range(100)))


async def test_lifecycle_errors(open_store: OpenStore) -> None:
    store = open_store()
    with pytest.raises(StorageError):
        await store.create(ROOT + "a", b"v")
    await store.start()
    with pytest.raises(StorageError):
        await store.start()
    await store.close()
    await store.close()
    with pytest.raises(StorageError):
        await store.get(ROOT + "a")
    with pytest.raises(StorageError):
        await store.watch(ROOT, after=0)


async def test_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "kcp.db") as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StorageError, match="schema version 99"):
        await SQLiteStorage(tmp_path / "kcp.db").start()


async def test_a_version_1_database_opens_with_its_data(tmp_path: Path) -> None:
    """Version 1 kept live keys in a table of their own, beside the log; the log alone holds them now."""
    with sqlite3.connect(tmp_path / "kcp.db") as conn:
        conn.executescript(
            """
            CREATE TABLE meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE kv(key TEXT PRIMARY KEY, mod_rev INTEGER NOT NULL, create_rev INTEGER NOT NULL)
                WITHOUT ROWID;
            CREATE TABLE log(rev INTEGER PRIMARY KEY, key TEXT NOT NULL, value BLOB,
                create_rev INTEGER NOT NULL, prev_rev INTEGER NOT NULL, deleted INTEGER NOT NULL);
            CREATE INDEX log_key_rev ON log(key, rev);
            INSERT INTO meta VALUES ('revision', 4), ('compacted', 0), ('scanned', 0);
            INSERT INTO log VALUES (1, '/registry/core/configmaps/root/a', x'31', 1, 0, 0),
                (2, '/registry/core/configmaps/root/b', x'32', 2, 0, 0),
                (3, '/registry/core/configmaps/root/a', x'33', 1, 1, 0),
                (4, '/registry/core/configmaps/root/b', NULL, 2, 2, 1);
            INSERT INTO kv VALUES ('/registry/core/configmaps/root/a', 3, 1);
            PRAGMA user_version = 1;
            """
        )
    store = SQLiteStorage(tmp_path / "kcp.db")
    await store.start()
    try:
        assert await store.get(ROOT + "a") == Entry(ROOT + "a", b"3", 3, 1)
        assert await store.get(ROOT + "b") is None
        assert [e.key for e in (await store.list(ROOT)).entries] == [ROOT + "a"]
        assert (await store.create(ROOT + "b", b"5")).mod_revision == 5
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "kcp.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == sqlite_backend.SCHEMA_VERSION
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'kv'").fetchall() == []


async def test_a_page_reads_only_its_rows_at_any_revision(open_store: OpenStore) -> None:
    """A page at an older revision costs its own rows, not the whole range: SQLite must walk the
    key index in order, never sort the range first."""
    store = await started(open_store())
    for i in range(5):
        await store.create(f"{ROOT}{i}", b"v0")
    old = await store.current_revision()
    first = await store.get(ROOT + "0")
    assert first is not None
    await store.update(ROOT + "0", b"v1", expect=first.mod_revision)
    await store.delete(ROOT + "1")
    at_old = await store.list(ROOT, revision=old, limit=2)
    assert [(e.key, e.value) for e in at_old.entries] == [(ROOT + "0", b"v0"), (ROOT + "1", b"v0")]
    assert at_old.more and at_old.remaining == 3
    now = await store.list(ROOT, limit=2)
    assert [(e.key, e.value) for e in now.entries] == [(ROOT + "0", b"v1"), (ROOT + "2", b"v0")]
    assert now.remaining == 2 and await store.count(ROOT) == 4
    plan = " ".join(
        row[3]
        for row in await store._read(
            lambda conn: conn.execute(
                "EXPLAIN QUERY PLAN " + sqlite_backend.sqlitereads._LIST_AT, (ROOT, prefix_end(ROOT), 1, 2)
            ).fetchall()
        )
    )
    assert "TEMP B-TREE" not in plan and "log_key_rev" in plan, plan


def test_prefix_end_is_the_least_string_above_the_prefix() -> None:
    assert prefix_end("/registry/core/") == "/registry/core0"
    assert prefix_end("a\U0010ffff") == "b"
    assert prefix_end("\ud7ff") == "\ue000"
    assert prefix_end("") == b""
    assert prefix_end("\U0010ffff") == b""


CHILD = """
import asyncio, sys
from kcp.storage.sqlite import SQLiteStorage

async def main(path: str, action: str) -> None:
    store = SQLiteStorage(path, compaction_interval=3600)
    await store.start()
    if action == "create":
        await store.create("/registry/core/configmaps/root/crash", b"v")
    else:
        await store.compact(await store.current_revision())
    await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def crash_at(failpoint: str, path: Path, action: str) -> None:
    env = {"KCP_FAILPOINTS": failpoint, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), action], env=env, timeout=60)
    assert proc.returncode == 137


@pytest.mark.parametrize(
    ("failpoint", "survives"), [("before_commit", False), ("after_commit_before_notify", True)]
)
async def test_crash_around_commit(
    open_store: OpenStore, tmp_path: Path, failpoint: str, survives: bool
) -> None:
    store = await started(open_store())
    existing = await store.create(ROOT + "existing", b"v")
    await store.close()
    await asyncio.to_thread(crash_at, failpoint, tmp_path / "kcp.db", "create")
    store = await started(open_store())
    assert await store.pragma("integrity_check") == "ok"
    assert await store.get(ROOT + "existing") == existing
    crashed = await store.get(ROOT + "crash")
    assert (crashed is not None) == survives
    assert await store.current_revision() == existing.mod_revision + survives
    assert (await store.create(ROOT + "next", b"v")).mod_revision == existing.mod_revision + survives + 1


async def test_crash_mid_compaction_resumes_the_scan(open_store: OpenStore, tmp_path: Path) -> None:
    store = await started(open_store())
    entry = await store.create(ROOT + "a", b"0")
    for n in range(1, 4):
        entry = await store.update(entry.key, b"%d" % n, expect=entry.mod_revision)
    await store.create(ROOT + "b", b"v")
    gone = await store.delete(ROOT + "b")
    await store.close()
    await asyncio.to_thread(crash_at, "compaction_mid_batch", tmp_path / "kcp.db", "compact")
    assert meta(tmp_path / "kcp.db")["compacted"] == gone.mod_revision  # recorded before deleting
    assert len(log_rows(tmp_path / "kcp.db")) == 6  # the torn chunk rolled back
    store = await started(open_store())
    with pytest.raises(Compacted):
        await store.watch(ROOT, after=gone.mod_revision - 1)
    async with asyncio.timeout(3):
        while len(log_rows(tmp_path / "kcp.db")) > 1:
            await asyncio.sleep(0.02)
    assert log_rows(tmp_path / "kcp.db") == [(entry.mod_revision, entry.key, 0)]
    assert await store.get(entry.key) == entry
    assert await store.pragma("integrity_check") == "ok"
