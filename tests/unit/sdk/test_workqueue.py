"""A key queued twice runs once, and never on two workers at a time."""

from __future__ import annotations

import asyncio

from kcp.sdk.workqueue import WorkQueue


async def test_dedupes_and_requeues_after_done() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add("a")
    q.add("a")
    assert len(q) == 1
    key = await q.get()
    q.add("a")  # re-added while processing: must wait for done()
    assert q._queue.empty()
    q.done(key)
    assert await asyncio.wait_for(q.get(), 1) == "a"


async def test_rate_limited_backoff() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add_rate_limited("x")
    assert await asyncio.wait_for(q.get(), 1) == "x"
