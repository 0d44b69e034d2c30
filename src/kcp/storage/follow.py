"""Following a key prefix forever, for caches that must forget what changes under it.

Authorization snapshots, resolved paths and namespace states are remembered in memory and dropped
by a watch. A watch ends (the consumer fell behind, the store restarted); the events until the
next one starts are lost, so whoever follows must drop everything when a watch ends. That loop,
with its restart and retry, lives here once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import NoReturn

from kcp.storage.interface import Event, Storage, StorageError

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0


async def follow(
    storage: Storage,
    prefix: str,
    on_batch: Callable[[list[Event]], None],
    on_close: Callable[[], None],
    on_open: Callable[[], None] = lambda: None,
) -> NoReturn:
    """Watch `prefix` from the current revision, again and again: `on_open` once a watch is
    established, `on_batch` for each committed batch, `on_close` when it ends (before the next)."""
    while True:
        try:
            watch = await storage.watch(prefix, after=await storage.current_revision())
        except StorageError:
            log.exception("cannot watch %s; retrying", prefix)
            await asyncio.sleep(RETRY_SECONDS)
            continue
        on_open()
        try:
            async for batch in watch:
                on_batch(batch)
        finally:
            watch.close()
            on_close()
