"""Run a reconcile function over a work queue with a fixed number of workers (never one per cluster)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kcp.sdk.informer import ObjectKey
from kcp.sdk.workqueue import WorkQueue

log = logging.getLogger("kcp.sdk.controller")


@dataclass(frozen=True, slots=True)
class Result:
    requeue_after: float = 0.0


Reconcile = Callable[[ObjectKey], Awaitable[Result]]


class Controller:
    def __init__(self, name: str, reconcile: Reconcile, workers: int = 2) -> None:
        self.name = name
        self.reconcile = reconcile
        self.queue: WorkQueue[ObjectKey] = WorkQueue()
        self.workers = workers
        self._tasks: list[asyncio.Task[None]] = []

    def enqueue(self, key: ObjectKey) -> None:
        self.queue.add(key)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _work(self) -> None:
        while True:
            key = await self.queue.get()
            try:
                result = await self.reconcile(key)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.warning("%s: reconciling %s failed: %s", self.name, key, e)
                self.queue.add_rate_limited(key)
            else:
                self.queue.forget(key)
                if result.requeue_after:
                    self.queue.add_after(key, result.requeue_after)
            finally:
                self.queue.done(key)
