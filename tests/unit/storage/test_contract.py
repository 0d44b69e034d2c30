"""The storage contract (interface.py, reliability.md ST1..ST7), written once against `Storage`.

Every backend listed in conftest.BACKENDS must pass all of it unchanged.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest

from kcp.storage.interface import (
    Compacted,
    Event,
    FutureRevision,
    KeyExists,
    KeyNotFound,
    RevisionConflict,
    Storage,
    Watch,
)

CM = "/registry/core/configmaps/"
ROOT = CM + "root/"
SECRETS = "/registry/core/secrets/root/"


async def collect(watch: Watch, until: int, timeout: float = 5.0) -> list[Event]:
    """Events from `watch` up to revision `until`, checking each batch is non-empty and ordered."""
    events: list[Event] = []
    async with asyncio.timeout(timeout):
        async for batch in watch:
            assert batch, "a watch never yields an empty batch"
            events.extend(batch)
            if batch[-1].revision >= until:
                break
    revisions = [event.revision for event in events]
    assert revisions == sorted(set(revisions)), "events out of order or duplicated"
    return events


def summary(events: list[Event]) -> list[tuple[str, str, bytes, int]]:
    return [(event.type, event.key, event.value, event.revision) for event in events]


async def no_more_events(watch: Watch) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await anext(watch)


# --- single-key operations -----------------------------------------------------------------------


async def test_create_then_get(storage: Storage) -> None:
    entry = await storage.create(ROOT + "a", b"one")
    assert entry.key == ROOT + "a" and entry.value == b"one"
    assert entry.mod_revision == entry.create_revision == await storage.current_revision()
    assert await storage.get(ROOT + "a") == entry
    assert await storage.get(ROOT + "missing") is None


async def test_create_existing_raises_with_current_entry(storage: Storage) -> None:
    entry = await storage.create(ROOT + "a", b"one")
    with pytest.raises(KeyExists) as info:
        await storage.create(ROOT + "a", b"two")
    assert info.value.entry == entry
    assert (await storage.get(ROOT + "a")) == entry


async def test_create_all_writes_every_key_in_one_step(storage: Storage) -> None:
    before = await storage.current_revision()
    watch = await storage.watch(ROOT, after=before)
    entries = await storage.create_all([(ROOT + "a", b"1"), (ROOT + "b", b"2"), (ROOT + "c", b"3")])
    assert [e.key for e in entries] == [ROOT + "a", ROOT + "b", ROOT + "c"]
    assert all(before < e.mod_revision == e.create_revision for e in entries)
    assert [await storage.get(e.key) for e in entries] == entries
    batch = await anext(watch)  # one transaction reaches a watch in one piece
    assert [(e.key, e.value) for e in batch] == [(ROOT + "a", b"1"), (ROOT + "b", b"2"), (ROOT + "c", b"3")]
    watch.close()


@pytest.mark.parametrize("clash", ["present", "repeated"])
async def test_create_all_writes_nothing_when_a_key_clashes(storage: Storage, clash: str) -> None:
    present = await storage.create(ROOT + "b", b"old")
    revision = await storage.current_revision()
    items = [(ROOT + "a", b"1"), (ROOT + "b", b"2")] if clash == "present" else [(ROOT + "a", b"1")] * 2
    with pytest.raises(KeyExists) as info:
        await storage.create_all(items)
    assert info.value.key == (ROOT + "b" if clash == "present" else ROOT + "a")
    assert await storage.get(ROOT + "a") is None
    assert await storage.get(ROOT + "b") == present
    assert await storage.current_revision() == revision
    assert (await storage.create(ROOT + "c", b"3")).mod_revision == revision + 1  # no revision spent


async def test_update_needs_current_revision(storage: Storage) -> None:
    created = await storage.create(ROOT + "a", b"one")
    updated = await storage.update(ROOT + "a", b"two", expect=created.mod_revision)
    assert updated.value == b"two" and updated.create_revision == created.create_revision
    assert updated.mod_revision > created.mod_revision
    with pytest.raises(RevisionConflict) as info:
        await storage.update(ROOT + "a", b"three", expect=created.mod_revision)
    assert info.value.current == updated
    with pytest.raises(KeyNotFound):
        await storage.update(ROOT + "missing", b"x", expect=1)
    assert await storage.get(ROOT + "a") == updated


async def test_delete_returns_last_value_at_delete_revision(storage: Storage) -> None:
    created = await storage.create(ROOT + "a", b"one")
    with pytest.raises(RevisionConflict):
        await storage.delete(ROOT + "a", expect=created.mod_revision + 100)
    deleted = await storage.delete(ROOT + "a", expect=created.mod_revision)
    assert deleted.value == b"one" and deleted.create_revision == created.create_revision
    assert deleted.mod_revision == await storage.current_revision() > created.mod_revision
    assert await storage.get(ROOT + "a") is None
    with pytest.raises(KeyNotFound):
        await storage.delete(ROOT + "a")


async def test_unconditional_delete(storage: Storage) -> None:
    await storage.create(ROOT + "a", b"one")
    await storage.update(ROOT + "a", b"two", expect=await storage.current_revision())
    deleted = await storage.delete(ROOT + "a")
    assert deleted.value == b"two"


async def test_recreate_after_delete_starts_a_new_life(storage: Storage) -> None:
    first = await storage.create(ROOT + "a", b"one")
    await storage.delete(ROOT + "a")
    second = await storage.create(ROOT + "a", b"two")
    assert second.create_revision == second.mod_revision > first.create_revision


async def test_only_successful_writes_take_revisions(storage: Storage) -> None:
    start = await storage.current_revision()
    a = await storage.create(ROOT + "a", b"1")
    for failing in (
        storage.create(ROOT + "a", b"x"),
        storage.update(ROOT + "a", b"x", expect=a.mod_revision + 7),
        storage.delete(ROOT + "nope"),
    ):
        with pytest.raises((KeyExists, RevisionConflict, KeyNotFound)):
            await failing
    b = await storage.update(ROOT + "a", b"2", expect=a.mod_revision)
    assert (a.mod_revision, b.mod_revision) == (start + 1, start + 2)
    assert await storage.current_revision() == start + 2


async def test_concurrent_conflicting_writers_one_wins(storage: Storage) -> None:
    created = await storage.create(ROOT + "a", b"0")
    results = await asyncio.gather(
        *(storage.update(ROOT + "a", b"%d" % i, expect=created.mod_revision) for i in range(20)),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, RevisionConflict) for r in results if r is not winners[0])
    assert await storage.get(ROOT + "a") == winners[0]


async def test_concurrent_creates_get_distinct_revisions(storage: Storage) -> None:
    entries = await asyncio.gather(*(storage.create(ROOT + f"k{i:03}", b"v") for i in range(200)))
    revisions = [entry.mod_revision for entry in entries]
    assert len(set(revisions)) == 200
    assert max(revisions) == await storage.current_revision()


# --- lists ---------------------------------------------------------------------------------------


async def test_list_is_sorted_and_bounded_by_prefix(storage: Storage) -> None:
    keys = [ROOT + "b", ROOT + "a", CM + "rootx/c", CM + "roo/d", SECRETS + "s", CM + "root\u00e9/e"]
    for key in keys:
        await storage.create(key, key.encode())
    page = await storage.list(ROOT)
    assert [e.key for e in page.entries] == [ROOT + "a", ROOT + "b"]
    assert page.revision == await storage.current_revision() and not page.more
    assert [e.key for e in (await storage.list(CM + "root")).entries] == [
        ROOT + "a",
        ROOT + "b",
        CM + "rootx/c",
        CM + "root\u00e9/e",
    ]
    assert [e.key for e in (await storage.list("")).entries] == sorted(keys)
    assert all(e.value == e.key.encode() for e in (await storage.list("")).entries)
    assert await storage.count(ROOT) == 2
    assert await storage.count("") == len(keys)
    assert await storage.count("/nothing/") == 0


async def test_list_pages_with_limit_and_start_after(storage: Storage) -> None:
    for i in range(7):
        await storage.create(ROOT + f"k{i}", b"v")
    first = await storage.list(ROOT, limit=3)
    assert [e.key[-2:] for e in first.entries] == ["k0", "k1", "k2"]
    assert first.more and first.remaining == 4
    await storage.create(ROOT + "k9", b"late")  # not part of the first page's snapshot
    second = await storage.list(ROOT, revision=first.revision, start_after=first.entries[-1].key, limit=3)
    assert [e.key[-2:] for e in second.entries] == ["k3", "k4", "k5"]
    assert second.revision == first.revision and second.more and second.remaining == 1
    last = await storage.list(ROOT, revision=first.revision, start_after=second.entries[-1].key, limit=3)
    assert [e.key[-2:] for e in last.entries] == ["k6"] and not last.more
    exact = await storage.list(ROOT, limit=8)
    assert len(exact.entries) == 8 and not exact.more
    assert len((await storage.list(ROOT, start_after=CM + "a")).entries) == 8  # before the prefix
    assert (await storage.list(ROOT, start_after=ROOT + "zz")).entries == []
    largest = await storage.list(ROOT, limit=(1 << 63) - 1)  # found by the HTTP fuzzer: was OverflowError
    assert len(largest.entries) == 8 and not largest.more


async def test_list_at_older_revision_shows_that_state(storage: Storage) -> None:
    a = await storage.create(ROOT + "a", b"a1")
    b = await storage.create(ROOT + "b", b"b1")
    at = await storage.current_revision()
    await storage.update(ROOT + "a", b"a2", expect=a.mod_revision)
    await storage.delete(ROOT + "b", expect=b.mod_revision)
    await storage.create(ROOT + "c", b"c1")
    old = await storage.list(ROOT, revision=at)
    assert old.revision == at
    assert [(e.key, e.value, e.mod_revision) for e in old.entries] == [
        (ROOT + "a", b"a1", a.mod_revision),
        (ROOT + "b", b"b1", b.mod_revision),
    ]
    paged = await storage.list(ROOT, revision=at, limit=1)
    assert len(paged.entries) == 1 and paged.more and paged.remaining == 1
    now = await storage.list(ROOT)
    assert [(e.key, e.value) for e in now.entries] == [(ROOT + "a", b"a2"), (ROOT + "c", b"c1")]


async def test_list_rejects_future_and_compacted_revisions(storage: Storage) -> None:
    for i in range(4):
        await storage.create(ROOT + f"k{i}", b"v")
    current = await storage.current_revision()
    with pytest.raises(FutureRevision):
        await storage.list(ROOT, revision=current + 1)
    await storage.compact(current - 1)
    with pytest.raises(Compacted) as info:
        await storage.list(ROOT, revision=current - 2)
    assert info.value.compacted == current - 1
    assert len((await storage.list(ROOT, revision=current - 1)).entries) == 3


# --- watches -------------------------------------------------------------------------------------


async def test_watch_from_now_sees_only_future_events(storage: Storage) -> None:
    await storage.create(ROOT + "old", b"v")
    watch = await storage.watch(ROOT, after=0)
    created = await storage.create(ROOT + "new", b"v1")
    updated = await storage.update(ROOT + "new", b"v2", expect=created.mod_revision)
    deleted = await storage.delete(ROOT + "new")
    events = await collect(watch, deleted.mod_revision)
    assert summary(events) == [
        ("PUT", ROOT + "new", b"v1", created.mod_revision),
        ("PUT", ROOT + "new", b"v2", updated.mod_revision),
        ("DELETE", ROOT + "new", b"v2", deleted.mod_revision),
    ]
    assert events[0].created and not events[1].created
    assert events[0].prev_value is None
    assert events[1].prev_value == b"v1" and events[2].prev_value == b"v2"
    assert {e.create_revision for e in events} == {created.mod_revision}
    watch.close()


async def test_watch_replays_history_then_continues_live(storage: Storage) -> None:
    a = await storage.create(ROOT + "a", b"a1")
    await storage.update(ROOT + "a", b"a2", expect=a.mod_revision)
    await storage.create(SECRETS + "s", b"secret")
    await storage.delete(ROOT + "a")
    watch = await storage.watch(ROOT, after=a.mod_revision)
    live = await storage.create(ROOT + "b", b"b1")
    events = await collect(watch, live.mod_revision)
    assert summary(events) == [
        ("PUT", ROOT + "a", b"a2", a.mod_revision + 1),
        ("DELETE", ROOT + "a", b"a2", a.mod_revision + 3),
        ("PUT", ROOT + "b", b"b1", live.mod_revision),
    ]
    assert events[0].prev_value == b"a1" and events[1].prev_value == b"a2"
    await no_more_events(watch)
    watch.close()


async def test_watch_filters_by_prefix(storage: Storage) -> None:
    narrow = await storage.watch(ROOT, after=0)
    partial = await storage.watch(CM + "ro", after=0)
    everything = await storage.watch("", after=0)
    for key in (ROOT + "a", CM + "rootless/b", CM + "other/c", SECRETS + "d", "/elsewhere"):
        await storage.create(key, b"v")
    last = await storage.current_revision()
    assert [e.key for e in await collect(everything, last)] == [
        ROOT + "a",
        CM + "rootless/b",
        CM + "other/c",
        SECRETS + "d",
        "/elsewhere",
    ]
    assert [e.key for e in await collect(partial, last - 3)] == [ROOT + "a", CM + "rootless/b"]
    assert [e.key for e in await collect(narrow, last - 4)] == [ROOT + "a"]
    for watch in (narrow, partial):
        await no_more_events(watch)
        watch.close()
    everything.close()


async def test_watch_at_current_revision_has_no_replay(storage: Storage) -> None:
    await storage.create(ROOT + "a", b"v")
    watch = await storage.watch(ROOT, after=await storage.current_revision())
    await no_more_events(watch)
    b = await storage.create(ROOT + "b", b"v")
    assert summary(await collect(watch, b.mod_revision)) == [("PUT", ROOT + "b", b"v", b.mod_revision)]
    watch.close()


async def test_watch_rejects_future_revision(storage: Storage) -> None:
    await storage.create(ROOT + "a", b"v")
    with pytest.raises(FutureRevision):
        await storage.watch(ROOT, after=await storage.current_revision() + 1)


async def test_watch_below_compaction_fails_at_once(storage: Storage) -> None:
    for i in range(5):
        await storage.create(ROOT + f"k{i}", b"v")
    await storage.compact(3)
    with pytest.raises(Compacted) as info:
        await storage.watch(ROOT, after=2)
    assert (info.value.requested, info.value.compacted) == (2, 3)
    watch = await storage.watch(ROOT, after=3)
    assert [e.revision for e in await collect(watch, 5)] == [4, 5]
    watch.close()


async def test_closed_watch_stops_iterating(storage: Storage) -> None:
    watch = await storage.watch(ROOT, after=0)
    waiter = asyncio.create_task(anext(watch))
    await asyncio.sleep(0.01)
    watch.close()
    with pytest.raises(StopAsyncIteration):
        await waiter
    assert not watch.overflowed
    await storage.create(ROOT + "a", b"v")
    with pytest.raises(StopAsyncIteration):
        await anext(watch)


async def test_watches_opened_during_writes_have_no_gap_or_duplicate(storage: Storage) -> None:
    """The replay/live seam: watches open at random past revisions while a writer runs."""
    rng = random.Random(7)
    total = 150
    entry = await storage.create(ROOT + "hot", b"0")

    async def writer() -> None:
        expect = entry.mod_revision
        for i in range(total):
            expect = (await storage.update(ROOT + "hot", b"%d" % (i + 1), expect=expect)).mod_revision
            if i % 10 == 0:
                await asyncio.sleep(0)

    async def watcher() -> tuple[int, list[Event]]:
        await asyncio.sleep(rng.random() * 0.05)
        after = rng.randint(1, await storage.current_revision())
        watch = await storage.watch(ROOT, after=after)
        try:
            return after, await collect(watch, entry.mod_revision + total, timeout=20)
        finally:
            watch.close()

    results = await asyncio.gather(writer(), *(watcher() for _ in range(20)))
    for result in results[1:]:
        assert result is not None
        after, events = result
        assert [e.revision for e in events] == list(range(after + 1, entry.mod_revision + total + 1))
        assert [e.value for e in events] == [b"%d" % (r - entry.mod_revision) for r in range(after + 1, 152)]


async def test_store_close_ends_watches(reopen: Callable[[], Storage]) -> None:
    store = reopen()
    await store.start()
    watch = await store.watch(ROOT, after=0)
    await store.close()
    with pytest.raises(StopAsyncIteration):
        await anext(watch)


# --- compaction and restart ----------------------------------------------------------------------


async def test_compaction_keeps_latest_versions(storage: Storage) -> None:
    a = await storage.create(ROOT + "a", b"a1")
    a = await storage.update(ROOT + "a", b"a2", expect=a.mod_revision)
    b = await storage.create(ROOT + "b", b"b1")
    await storage.delete(ROOT + "b", expect=b.mod_revision)
    c = await storage.create(ROOT + "c", b"c1")
    at = await storage.current_revision()
    await storage.compact(at)
    assert await storage.compacted_revision() == at
    assert await storage.get(ROOT + "a") == a
    assert [e.key for e in (await storage.list(ROOT, revision=at)).entries] == [ROOT + "a", ROOT + "c"]
    assert (await storage.list(ROOT)).entries == [a, c]
    with pytest.raises(FutureRevision):
        await storage.compact(at + 1)
    await storage.compact(at - 1)  # older than what is compacted: nothing to do
    assert await storage.compacted_revision() == at
    d = await storage.create(ROOT + "d", b"d1")
    assert d.mod_revision == at + 1


async def test_revision_survives_compacting_the_newest_rows(reopen: Callable[[], Storage]) -> None:
    store = reopen()
    await store.start()
    await store.create(ROOT + "a", b"v")
    deleted = await store.delete(ROOT + "a")
    await store.compact(deleted.mod_revision)  # the newest history row is gone now
    await store.close()
    store = reopen()
    await store.start()
    try:
        assert await store.current_revision() == deleted.mod_revision
        assert (await store.create(ROOT + "a", b"again")).mod_revision == deleted.mod_revision + 1
    finally:
        await store.close()


async def test_restart_preserves_state_history_and_compaction(reopen: Callable[[], Storage]) -> None:
    store = reopen()
    await store.start()
    await store.create(SECRETS + "first", b"v")  # so that a.mod_revision - 1 is not 0 ("from now")
    a = await store.create(ROOT + "a", b"a1")
    a2 = await store.update(ROOT + "a", b"a2", expect=a.mod_revision)
    b = await store.create(ROOT + "b", b"b1")
    await store.compact(a.mod_revision)
    await store.close()

    store = reopen()
    await store.start()
    try:
        assert await store.current_revision() == b.mod_revision
        assert await store.compacted_revision() == a.mod_revision
        assert (await store.list(ROOT)).entries == [a2, b]
        with pytest.raises(Compacted):
            await store.watch(ROOT, after=a.mod_revision - 1)
        with pytest.raises(Compacted):
            await store.list(ROOT, revision=a.mod_revision - 1)
        watch = await store.watch(ROOT, after=a.mod_revision)
        assert [e.revision for e in await collect(watch, b.mod_revision)] == [a2.mod_revision, b.mod_revision]
        watch.close()
    finally:
        await store.close()
