"""Watch fan-out shared by the storage backends: one committed stream in, many bounded watches out.

A backend hands every committed batch to `WatchHub.dispatch` on the event loop, in revision order;
the hub gives each matching watch its share as one list. Watchers are indexed by the directory part
of their prefix (up to the last `/`), so an event costs one dict lookup per `/` in its key plus the
watchers that actually match, never a scan of all watchers.

Opening a watch from an old revision has a seam: the watch is registered first and notes the last
dispatched revision L (nothing can be dispatched in between, both happen on the loop), then the
backend replays (after, L] from its history while live events > L queue behind. So there is no gap
and no duplicate. A watch whose consumer falls `capacity` events behind is closed with
`overflowed`, dropping its buffer: a slow consumer never blocks others nor grows memory.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

from kcp.storage import metrics
from kcp.storage.interface import Compacted, Event

# Replays history: events with revision in (after, until], in order, and the revision up to which
# it looked (the last event's when it stopped at a page limit, else `until`). It is called at least
# once per watch, even when after >= until, to raise Compacted or FutureRevision for `after`.
Fetch = Callable[[int, int], Awaitable[tuple[list[Event], int]]]


class HubWatch:
    """One watch: replay pages first (if any), then live batches; a `Watch` for the caller."""

    def __init__(self, hub: WatchHub, prefix: str, after: int, capacity: int) -> None:
        self.prefix = prefix
        self.floor = max(after, hub.revision)  # live events at or below were replayed or not wanted
        self._until = hub.revision  # replay covers (after, until]; live covers the rest
        self._hub = hub
        self._capacity = capacity
        self._buffer: deque[list[Event]] = deque()
        self._size = 0
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False
        self._overflowed = False
        self._fetch: Fetch | None = None
        self._cursor = 0
        self._replayed: list[Event] = []
        self._delivered = after  # the revision of the last event handed to the consumer

    def __aiter__(self) -> AsyncIterator[list[Event]]:
        return self

    async def __anext__(self) -> list[Event]:
        while self._fetch is not None and not self._closed:
            if self._replayed:
                events, self._replayed = self._replayed, []
                self._delivered = events[-1].revision
                return events
            if self._cursor >= self._until:
                self._fetch = None
                break
            await self._replay_page()
        while not self._closed:
            if self._buffer:
                events = self._drain()
                self._delivered = events[-1].revision
                return events
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        raise StopAsyncIteration

    @property
    def overflowed(self) -> bool:
        return self._overflowed

    @property
    def progress(self) -> int:
        """Caught up (replay over, nothing buffered): every event up to the hub's last dispatch has
        been handed over or did not match, so that is where a resumed watch may start."""
        if self._fetch is None and not self._buffer and not self._closed:
            return max(self._delivered, self._hub.revision)
        return self._delivered

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._buffer.clear()
        self._size = 0
        self._hub._unregister(self)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _start_replay(self, after: int, fetch: Fetch) -> None:
        """Fetch the first page now, so Compacted/FutureRevision reach `watch()` before any event."""
        self._fetch, self._cursor = fetch, after
        try:
            await self._replay_page(first=True)
        except BaseException:
            self.close()
            raise

    async def _replay_page(self, *, first: bool = False) -> None:
        assert self._fetch is not None
        try:
            self._replayed, self._cursor = await self._fetch(self._cursor, self._until)
        except Compacted:
            if first:
                raise
            self.close()  # history went away under a slow replay: the consumer resumes and gets 410

    def _push(self, events: list[Event]) -> None:
        if self._size and self._size + len(events) > self._capacity:
            self._overflowed = True
            metrics.WATCHERS_OVERFLOWED.inc()
            self.close()
            return
        self._buffer.append(events)
        self._size += len(events)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _drain(self) -> list[Event]:
        if len(self._buffer) == 1:
            events = self._buffer.popleft()
        else:
            events = [event for batch in self._buffer for event in batch]
            self._buffer.clear()
        self._size = 0
        return events


class WatchHub:
    """Fan-out of committed batches to watches; every method runs on the event loop."""

    def __init__(self, capacity: int) -> None:
        self.revision = 0  # the last revision dispatched; the backend sets it at start
        self._capacity = capacity
        self._dirs: dict[str, set[HubWatch]] = {}

    async def watch(self, prefix: str, after: int, fetch: Fetch) -> HubWatch:
        """Register, then (for `after` > 0) replay (after, dispatched] through `fetch` before live."""
        watch = HubWatch(self, prefix, after, self._capacity)
        self._dirs.setdefault(_directory(prefix), set()).add(watch)
        metrics.WATCHERS.inc()
        if after:
            await watch._start_replay(after, fetch)
        return watch

    def dispatch(self, events: list[Event]) -> None:
        """Deliver one committed batch (revision order) to every watch whose prefix matches."""
        self.revision = events[-1].revision
        if not self._dirs:
            return
        dirs = self._dirs
        matched: dict[HubWatch, list[Event]] = {}
        for event in events:
            key = event.key
            end = 0
            while end >= 0:
                bucket = dirs.get(key[:end])
                if bucket:
                    for watch in bucket:
                        if key.startswith(watch.prefix) and event.revision > watch.floor:
                            batch = matched.get(watch)
                            if batch is None:
                                matched[watch] = [event]
                            else:
                                batch.append(event)
                slash = key.find("/", end)
                end = slash + 1 if slash >= 0 else -1
        for watch, batch in matched.items():
            watch._push(batch)

    def close_all(self) -> None:
        """End every watch (store shutdown); consumers resume against the next store."""
        for bucket in list(self._dirs.values()):
            for watch in list(bucket):
                watch.close()

    def _unregister(self, watch: HubWatch) -> None:
        directory = _directory(watch.prefix)
        bucket = self._dirs.get(directory)
        if bucket is not None and watch in bucket:
            bucket.discard(watch)
            metrics.WATCHERS.dec()
            if not bucket:
                del self._dirs[directory]


def _directory(prefix: str) -> str:
    """The index bucket: `prefix` up to and including its last `/` (the whole of `/registry/x/`)."""
    return prefix[: prefix.rfind("/") + 1]
