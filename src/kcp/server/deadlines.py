"""Request deadlines (--request-timeout, `?timeout=`) kept in one table swept a few times a second.

`asyncio.timeout` arms and disarms a loop timer per request, about 2% of a create's CPU by py-spy;
here a request costs a dict entry, and one task cancels whatever is past due. A deadline thus fires up
to one sweep late, which a limit of seconds does not notice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from kcp.apimachinery.errors import Timeout

SWEEP = 0.25  # seconds between looks
TIMED_OUT = "Timeout: request did not complete within requested timeout - context deadline exceeded"


class Deadlines:
    def __init__(self) -> None:
        self._due: dict[asyncio.Task[object], float] = {}
        self._expired: set[asyncio.Task[object]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep(), name="kcp-request-deadlines")

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper

    @contextlib.asynccontextmanager
    async def within(self, seconds: float) -> AsyncIterator[None]:
        """Runs the block in the current task; kube's 504 Timeout when it overran."""
        task = asyncio.current_task()
        assert task is not None
        self._due[task] = asyncio.get_running_loop().time() + seconds
        try:
            yield
        except asyncio.CancelledError:
            if task not in self._expired:
                raise
            task.uncancel()
            raise Timeout(TIMED_OUT) from None
        finally:
            del self._due[task]
            self._expired.discard(task)

    async def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(SWEEP)
            now = loop.time()
            for task, due in list(self._due.items()):
                if due <= now and task not in self._expired:
                    self._expired.add(task)
                    task.cancel()
