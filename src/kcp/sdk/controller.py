"""Run a reconcile function over a work queue with a fixed number of workers (never one per cluster)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kcp.sdk.informer import Informer, ObjectKey
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
        self.informers: list[Informer] = []
        self._tasks: list[asyncio.Task[None]] = []

    def enqueue(self, key: ObjectKey) -> None:
        self.queue.add(key)

    def watch(
        self,
        informer: Informer,
        to_key: Callable[[ObjectKey], ObjectKey | None] | None = None,
        *,
        delay: float = 0.0,
    ) -> None:
        """Reconcile on the informer's changes, each mapped by `to_key` (None: nothing to do).

        With `delay`, a change is reconciled that much later, and every change to the same key
        meanwhile folds into that one run: for keys that stand for many objects (a whole cluster),
        where a burst of writes would otherwise cost a reconcile each.
        The controller starts and stops the informers it watches.
        """

        def handle(key: ObjectKey) -> None:
            mapped = to_key(key) if to_key is not None else key
            if mapped is not None:
                self.queue.add_after(mapped, delay)

        informer.add_handler(handle)
        if informer not in self.informers:
            self.informers.append(informer)

    def start(self) -> None:
        for informer in self.informers:
            informer.start()
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for informer in self.informers:
            await informer.stop()

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
