"""Delayed adds wait behind one timer for the queue, and a burst for one key folds into one run."""

from __future__ import annotations

import asyncio

from kcp.sdk.workqueue import WorkQueue


async def test_delayed_adds_of_one_key_fold_into_one_run() -> None:
    q: WorkQueue[str] = WorkQueue()
    for _ in range(7):
        q.add_after("cluster-a", 0.05)
    q.add_after("cluster-b", 0.05)
    assert len(q) == 0  # nothing is queued before its time
    first = await asyncio.wait_for(q.get(), 1)
    second = await asyncio.wait_for(q.get(), 1)
    assert {first, second} == {"cluster-a", "cluster-b"}
    await asyncio.sleep(0.1)
    assert q._queue.empty()  # the other six adds of cluster-a did not queue it again


async def test_earlier_due_time_wins() -> None:
    q: WorkQueue[str] = WorkQueue()
    loop = asyncio.get_running_loop()
    q.add_after("k", 30.0)
    started = loop.time()
    q.add_after("k", 0.01)
    assert await asyncio.wait_for(q.get(), 1) == "k"
    assert loop.time() - started < 1.0
    q.done("k")
    await asyncio.sleep(0.05)
    assert q._queue.empty()  # the superseded 30 s entry is dropped, not run
    assert q._waiting == {}


async def test_one_timer_for_many_keys() -> None:
    q: WorkQueue[int] = WorkQueue()
    for i in range(100):
        q.add_after(i, 0.02 + i / 10000)
    timer = q._timer
    assert timer is not None
    q.add_after(1000, 0.5)  # a later key does not re-arm the timer
    assert q._timer is timer
    got = {await asyncio.wait_for(q.get(), 1) for _ in range(100)}
    assert got == set(range(100))
    assert list(q._waiting) == [1000]


async def test_delay_zero_adds_now() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add_after("now", 0)
    assert len(q) == 1
    assert await asyncio.wait_for(q.get(), 1) == "now"
