"""The watch hub on its own: prefix index, bounded buffers and the replay/live seam."""

from __future__ import annotations

import asyncio

import pytest

from kcp.storage.interface import Compacted, Event
from kcp.storage.watchhub import HubWatch, WatchHub

CM = "/registry/core/configmaps/"


def put(key: str, revision: int) -> Event:
    return Event("PUT", key, b"v", revision, revision)


class History:
    """A fetch over a fixed list of events, paged like a backend would, counting its calls."""

    def __init__(self, events: list[Event], page: int = 2, compacted: int = 0) -> None:
        self.events, self.page, self.compacted, self.calls = events, page, compacted, 0

    async def fetch(self, after: int, until: int) -> tuple[list[Event], int]:
        self.calls += 1
        if after < self.compacted:
            raise Compacted(after, self.compacted)
        found = [e for e in self.events if after < e.revision <= until][: self.page]
        return found, found[-1].revision if len(found) == self.page else until


async def no_fetch(after: int, until: int) -> tuple[list[Event], int]:
    raise AssertionError("a watch from now must not read history")


async def next_batch(watch: HubWatch) -> list[int]:
    return [e.revision for e in await asyncio.wait_for(anext(watch), 1)]


async def test_events_reach_only_matching_prefixes() -> None:
    hub = WatchHub(capacity=100)
    exact = await hub.watch(CM + "root/", 0, no_fetch)
    partial = await hub.watch(CM + "ro", 0, no_fetch)
    everything = await hub.watch("", 0, no_fetch)
    other = await hub.watch("/registry/core/secrets/", 0, no_fetch)
    hub.dispatch([put(CM + "root/a", 1), put(CM + "rob/b", 2), put(CM + "x/c", 3), put("/z", 4)])
    assert await next_batch(exact) == [1]
    assert await next_batch(partial) == [1, 2]
    assert await next_batch(everything) == [1, 2, 3, 4]
    with pytest.raises(TimeoutError):
        await next_batch(other)
    assert hub.revision == 4


async def test_batches_waiting_are_handed_over_as_one() -> None:
    hub = WatchHub(capacity=100)
    watch = await hub.watch(CM, 0, no_fetch)
    hub.dispatch([put(CM + "a", 1)])
    hub.dispatch([put(CM + "b", 2), put(CM + "c", 3)])
    assert await next_batch(watch) == [1, 2, 3]


async def test_progress_moves_past_unmatched_events_only_once_caught_up() -> None:
    hub = WatchHub(capacity=100)
    watch = await hub.watch(CM + "root/", 0, no_fetch)
    hub.dispatch([put(CM + "other/a", 1)])
    assert watch.progress == 1  # nothing matched, nothing pending
    hub.dispatch([put(CM + "root/b", 2), put(CM + "other/c", 3)])
    assert watch.progress == 0  # event 2 is still buffered: not past it yet
    assert await next_batch(watch) == [2]
    assert watch.progress == 3
    replaying = await hub.watch(CM + "root/", 1, History([put(CM + "root/b", 2)]).fetch)
    assert replaying.progress == 1  # history not handed over yet
    assert await next_batch(replaying) == [2]


async def test_full_buffer_closes_only_that_watch() -> None:
    hub = WatchHub(capacity=3)
    slow = await hub.watch(CM, 0, no_fetch)
    fast = await hub.watch(CM, 0, no_fetch)
    hub.dispatch([put(CM + "a", 1), put(CM + "b", 2), put(CM + "c", 3), put(CM + "d", 4)])  # one batch fits
    assert await next_batch(fast) == [1, 2, 3, 4]
    hub.dispatch([put(CM + "e", 5)])
    assert slow.overflowed and not fast.overflowed
    with pytest.raises(StopAsyncIteration):
        await anext(slow)
    assert await next_batch(fast) == [5]


async def test_closing_unregisters() -> None:
    hub = WatchHub(capacity=10)
    watches = [await hub.watch(CM + f"c{i}/", 0, no_fetch) for i in range(3)]
    for watch in watches:
        watch.close()
        watch.close()
    hub.dispatch([put(CM + "c1/a", 1)])
    assert not hub._dirs  # no per-prefix state outlives its watchers


async def test_replay_then_live_without_gap_or_duplicate() -> None:
    hub = WatchHub(capacity=10)
    history = [put(CM + f"k{r}", r) for r in range(1, 7)]
    hub.dispatch(history)
    source = History(history)
    watch = await hub.watch(CM, 1, source.fetch)
    hub.dispatch([put(CM + "live", 7)])
    seen = [r for _ in range(4) for r in await next_batch(watch)]
    assert seen == [2, 3, 4, 5, 6, 7]


async def test_after_beyond_dispatched_skips_what_the_caller_already_has() -> None:
    hub = WatchHub(capacity=10)
    hub.dispatch([put(CM + "a", 1)])
    source = History([])
    watch = await hub.watch(CM, 3, source.fetch)  # revisions 2..3 committed but not dispatched yet
    assert source.calls == 1  # still asked, so the backend can reject a future revision
    hub.dispatch([put(CM + "b", 2), put(CM + "c", 3), put(CM + "d", 4)])
    assert await next_batch(watch) == [4]


async def test_compacted_history_fails_the_open_and_ends_a_later_replay() -> None:
    hub = WatchHub(capacity=10)
    history = [put(CM + f"k{r}", r) for r in range(1, 9)]
    hub.dispatch(history)
    with pytest.raises(Compacted):
        await hub.watch(CM, 1, History(history, compacted=2).fetch)
    assert not hub._dirs
    source = History(history)
    watch = await hub.watch(CM, 2, source.fetch)
    assert await next_batch(watch) == [3, 4]
    source.compacted = 6
    with pytest.raises(StopAsyncIteration):
        await anext(watch)
    assert not watch.overflowed
