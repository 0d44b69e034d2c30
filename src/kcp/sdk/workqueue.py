"""A deduplicating work queue: a key queued twice runs once, and never on two workers at a time."""

from __future__ import annotations

import asyncio
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

    def __len__(self) -> int:
        return len(self._dirty)

    def add(self, key: K) -> None:
        if key in self._dirty:
            return
        self._dirty.add(key)
        if key not in self._processing:
            self._queue.put_nowait(key)

    def add_after(self, key: K, delay: float) -> None:
        if delay <= 0:
            self.add(key)
        else:
            asyncio.get_running_loop().call_later(delay, self.add, key)

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
