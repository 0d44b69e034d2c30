"""Request deadlines: an overrun is kube's 504 Timeout, anything else passes through untouched."""

from __future__ import annotations

import asyncio

import pytest

from kcp.apimachinery.errors import Timeout
from kcp.server.deadlines import SWEEP, TIMED_OUT, Deadlines


async def test_an_overrun_block_is_a_timeout_and_others_are_left_alone() -> None:
    deadlines = Deadlines()
    deadlines.start()
    try:
        with pytest.raises(Timeout, match=TIMED_OUT):
            async with deadlines.within(0.05):
                await asyncio.sleep(10)
        async with deadlines.within(10):
            await asyncio.sleep(SWEEP * 2)  # swept past, not due
        assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]

        async def cancelled_from_outside() -> None:
            async with deadlines.within(10):
                await asyncio.sleep(10)

        task = asyncio.create_task(cancelled_from_outside())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await deadlines.close()
