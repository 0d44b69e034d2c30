"""The namespace lifecycle view answers from memory yet never keeps an outdated answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest

from kcp.registry.namespacelifecycle import NamespaceLifecycle
from kcp.storage.sqlite import SQLiteStorage

KEY = "/registry/core/namespaces/root/team"


def namespace(terminating: bool = False) -> bytes:
    meta: dict[str, object] = {"name": "team"}
    if terminating:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return orjson.dumps({"kind": "Namespace", "metadata": meta})


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SQLiteStorage]:
    store = SQLiteStorage(tmp_path / "kcp.db", compaction_interval=3600.0)
    await store.start()
    yield store
    await store.close()


async def settle(view: NamespaceLifecycle, key: str, expected: bool | None) -> None:
    for _ in range(200):
        if await view.terminating(key) == expected:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{key} never became {expected}")


async def test_follows_create_terminate_and_delete(storage: SQLiteStorage) -> None:
    view = NamespaceLifecycle(storage)
    view.start()
    try:
        assert await view.terminating(KEY) is None
        created = await storage.create(KEY, namespace())
        await settle(view, KEY, False)
        updated = await storage.update(KEY, namespace(terminating=True), expect=created.mod_revision)
        await settle(view, KEY, True)
        await storage.delete(KEY, expect=updated.mod_revision)
        await settle(view, KEY, None)
    finally:
        await view.close()


async def test_a_read_overlapping_an_event_is_not_remembered(storage: SQLiteStorage) -> None:
    view = NamespaceLifecycle(storage)
    view.start()
    try:
        created = await storage.create(KEY, namespace())
        await settle(view, KEY, False)
        other = "/registry/core/namespaces/root/other"
        assert await view.terminating(other) is None
        await storage.create(other, namespace())
        # the event for `other` bumps the epoch while a read of `team` is under way
        read = asyncio.ensure_future(view.terminating(other))
        await storage.update(KEY, namespace(terminating=True), expect=created.mod_revision)
        assert await read is False
        await settle(view, KEY, True)
    finally:
        await view.close()


async def test_without_its_watch_every_answer_is_read(storage: SQLiteStorage) -> None:
    view = NamespaceLifecycle(storage)  # never started: nothing invalidates, so nothing is kept
    created = await storage.create(KEY, namespace())
    assert await view.terminating(KEY) is False
    await storage.update(KEY, namespace(terminating=True), expect=created.mod_revision)
    assert await view.terminating(KEY) is True
