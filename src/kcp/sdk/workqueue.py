"""A deduplicating work queue: a key queued twice runs once, and never on two workers at a time.

Delayed adds (requeue-after, backoff, coalescing) wait in one heap behind one timer for the whole
queue, never a timer per key; a key already waiting keeps its earliest due time, so a burst of
delayed adds for one key folds into a single run (client-go `util/workqueue/delaying_queue.go`).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

_BASE_DELAY = 0.005
_MAX_DELAY = 60.0


class WorkQueue(Generic[K]):
    def __init__(self) -> None:
        self._queue: asyncio.Queue[K] = asyncio.Queue()
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._failures: dict[K, int] = {}  # only keys currently failing; bounded by the failing set
        self._waiting: dict[K, float] = {}  # key -> due (loop time); only keys with a delayed add
        self._heap: list[tuple[float, int, K]] = []  # may hold superseded entries, skipped on pop
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_due = 0.0

    def __len__(self) -> int:
        return len(self._dirty)

    def add(self, key: K) -> None:
        if key in self._dirty:
            return
        self._dirty.add(key)
        if key not in self._processing:
            self._queue.put_nowait(key)

    def add_after(self, key: K, delay: float) -> None:
        """Add `key` once `delay` seconds have passed; a key already waiting keeps the earlier time."""
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        due = loop.time() + delay
        waiting = self._waiting.get(key)
        if waiting is not None and waiting <= due:
            return
        self._waiting[key] = due
        heapq.heappush(self._heap, (due, next(self._seq), key))
        if self._timer is None or due < self._timer_due:
            self._arm(loop)

    def add_rate_limited(self, key: K) -> None:
        """Exponential backoff per key: 5 ms, 10 ms, ... up to a minute."""
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        self.add_after(key, min(_BASE_DELAY * (2**n), _MAX_DELAY))

    def forget(self, key: K) -> None:
        self._failures.pop(key, None)

    async def get(self) -> K:
        key = await self._queue.get()
        self._dirty.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: K) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.put_nowait(key)

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_due = self._heap[0][0]
        self._timer = loop.call_at(self._timer_due, self._release)

    def _release(self) -> None:
        """Add every key whose time has come, then sleep until the next one."""
        self._timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._heap and self._heap[0][0] <= now:
            due, _, key = heapq.heappop(self._heap)
            if self._waiting.get(key) == due:
                del self._waiting[key]
                self.add(key)
        if self._heap:
            self._arm(loop)
