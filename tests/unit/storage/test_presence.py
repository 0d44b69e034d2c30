"""Presence: which groups of keys hold anything, from a scan and then from events."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kcp.storage.presence import Presence
from kcp.storage.sqlite import SQLiteStorage

A, B = "/registry/g/as/", "/registry/g/bs/"


def group(key: str) -> str:
    return key.split("/")[4]


async def settled(presence: Presence) -> None:
    for _ in range(100):
        if presence._scanned:
            return
        await asyncio.sleep(0.01)


async def test_scan_then_events_then_absence(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "kcp.db")
    await storage.start()
    await storage.create(A + "one/x", b"{}")
    await storage.create("/registry/g/other/two/x", b"{}")  # under the watched folder, not a prefix
    changed: list[str] = []
    presence = Presence(storage, (A, B), group, on_change=changed.append)
    assert presence.may_hold("anything")  # before its scan, every group may hold some
    presence.start()
    try:
        await settled(presence)
        assert presence.may_hold("one") and not presence.may_hold("two")
        await storage.create(B + "three/x", b"{}")
        await storage.create("/registry/g/other/four/x", b"{}")
        await asyncio.sleep(0.05)
        assert presence.may_hold("three") and not presence.may_hold("four") and changed == ["three"]
        seen = presence.changes
        await storage.create(A + "one/y", b"{}")
        await asyncio.sleep(0.05)
        presence.absent("one", seen)  # a read that an event overtook proves nothing
        assert presence.may_hold("one")
        presence.absent("one", presence.changes)
        assert not presence.may_hold("one")
    finally:
        await presence.close()
        await storage.close()
