"""Reader threads for SQLite: reads stay off the event loop, and cost one wake-up per batch.

A `ThreadPoolExecutor` costs a concurrent future, its lock and condition, and a loop callback
per read, which under load outweighs a point read from SQLite's page cache. Here each thread
takes whatever reads are waiting on one queue, runs them on its own read-only connection, and
settles all their futures in a single loop callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
MAX_BATCH = 64  # reads one thread takes at once: others keep working while it runs them

_Read = tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]
_Result = tuple[asyncio.Future[Any], Any, BaseException | None]


class ReaderPool:
    """`count` threads, each with a read-only connection to `path`, fed by one queue."""

    def __init__(self, path: Path, count: int, loop: asyncio.AbstractEventLoop) -> None:
        self._uri = path.resolve().as_uri() + "?mode=ro"
        self._loop = loop
        self._queue: queue.SimpleQueue[_Read | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._serve, name=f"kcp-sqlite-reader-{i}", daemon=True)
            for i in range(count)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        future: asyncio.Future[T] = self._loop.create_future()
        self._queue.put((fn, future))
        return future

    def close(self) -> None:
        """Let queued reads finish, then end every thread (blocking: call it from a worker thread)."""
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()

    def _serve(self) -> None:
        conn = sqlite3.connect(self._uri, uri=True, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 5000")
        try:
            while self._serve_batch(conn):
                pass
        finally:
            conn.close()

    def _serve_batch(self, conn: sqlite3.Connection) -> bool:
        first = self._queue.get()
        if first is None:
            return False
        reads = [first]
        running = True
        with contextlib.suppress(queue.Empty):
            while len(reads) < MAX_BATCH:
                item = self._queue.get_nowait()
                if item is None:
                    running = False
                    break
                reads.append(item)
        results: list[_Result] = []
        for fn, future in reads:
            try:
                results.append((future, fn(conn), None))
            except Exception as exc:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                results.append((future, None, exc))
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is left to tell
            self._loop.call_soon_threadsafe(_settle_all, results)
        return running


def _settle_all(results: list[_Result]) -> None:
    for future, result, error in results:
        if future.done():  # the caller gave up waiting
            continue
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
