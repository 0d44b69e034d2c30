"""Namespace lifecycle admission's view of namespaces: whether one exists and is terminating.

Every create of namespaced content asks it; reading the namespace from storage each time costs a
reader-thread round trip, more than the rest of the check. So, like kube's admission plugin with
its informer, answers come from memory: a bounded LRU (never all namespaces of all workspaces),
filled by reads and emptied by one storage watch over every cluster's namespaces. A read that
overlapped any namespace event is not remembered, so the cache never keeps an outdated answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict

import orjson

from kcp.storage import Event, Storage
from kcp.storage.follow import follow

PREFIX = "/registry/core/namespaces/"
_SIZE = 16384


class NamespaceLifecycle:
    def __init__(self, storage: Storage, size: int = _SIZE) -> None:
        self._storage = storage
        self._size = size
        self._terminating: OrderedDict[str, bool] = OrderedDict()  # namespace key -> terminating
        self._epoch = 0  # bumped by every namespace event; a read spanning one is not cached
        self._following = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._follow(), name="kcp-namespace-lifecycle")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def terminating(self, key: str) -> bool | None:
        """Whether the namespace stored at `key` is terminating; None when there is no such namespace."""
        found = self._terminating.get(key)
        if found is not None:
            self._terminating.move_to_end(key)
            return found
        epoch = self._epoch
        entry = await self._storage.get(key)
        if entry is None:
            return None  # not cached: the namespace may be created the next moment
        terminating = bool(orjson.loads(entry.value)["metadata"].get("deletionTimestamp"))
        if self._following and epoch == self._epoch:
            self._terminating[key] = terminating
            if len(self._terminating) > self._size:
                self._terminating.popitem(last=False)
        return terminating

    async def _follow(self) -> None:
        await follow(self._storage, PREFIX, self._forget, self._stop_following, self._start_following)

    def _start_following(self) -> None:
        self._following = True
        self._epoch += 1  # reads begun before the watch are not remembered

    def _forget(self, batch: list[Event]) -> None:
        self._epoch += 1
        for event in batch:
            self._terminating.pop(event.key, None)

    def _stop_following(self) -> None:
        self._following = False
        self._epoch += 1
        self._terminating.clear()
