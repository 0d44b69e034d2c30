"""Which groups of keys hold anything (clusters with webhooks or policies, namespaces with quotas),
followed from storage: a set as big as the groups that do, so a request elsewhere reads nothing.

One watch covers the prefixes; an event marks its key's group as holding some (a delete may leave
others: a read that finds none says so through `absent`). A watch that ends loses events, so until
the scan after the next one opens, every group may hold some.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from kcp.storage.follow import follow
from kcp.storage.interface import Event, Storage


class Presence:
    def __init__(
        self,
        storage: Storage,
        prefixes: tuple[str, ...],
        group_of: Callable[[str], str],
        on_change: Callable[[str], object] = lambda _: None,
        on_forget: Callable[[], object] = lambda: None,
    ) -> None:
        """`group_of` maps a key to its group; `on_change` hears of each group an event touched, and
        `on_forget` of a watch that ended (caches built on the groups drop what they hold)."""
        self.storage = storage
        self.prefixes = prefixes
        self.group_of = group_of
        self.on_change = on_change
        self.on_forget = on_forget
        self.changes = 0  # events seen: a read overtaken by one proves nothing
        self._holding: set[str] = set()
        self._scanned = False
        self._tasks: list[asyncio.Task[Any]] = []

    def start(self) -> None:
        watched = self.prefixes[0]  # the deepest folder of keys holding every prefix
        for prefix in self.prefixes[1:]:
            while not prefix.startswith(watched):
                watched = watched[: watched.rstrip("/").rfind("/") + 1]
        self._tasks.append(
            asyncio.create_task(follow(self.storage, watched, self._changed, self._forget, self._rescan))
        )

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def may_hold(self, group: str) -> bool:
        return not self._scanned or group in self._holding

    def absent(self, group: str, since: int) -> None:
        """A read begun when `changes` was `since` found nothing in `group`."""
        if self._scanned and since == self.changes:
            self._holding.discard(group)

    def _changed(self, batch: list[Event]) -> None:
        for event in batch:
            if event.key.startswith(self.prefixes):
                self.changes += 1
                group = self.group_of(event.key)
                self._holding.add(group)
                self.on_change(group)

    def _forget(self) -> None:
        self.changes += 1
        self._scanned = False
        self.on_forget()

    def _rescan(self) -> None:
        self._tasks = [t for t in self._tasks if not t.done()]
        self._tasks.append(asyncio.create_task(self._scan()))

    async def _scan(self) -> None:
        found: set[str] = set()
        for prefix in self.prefixes:
            start = ""
            while True:
                page = await self.storage.list(prefix, start_after=start, limit=1000)
                found.update(self.group_of(e.key) for e in page.entries)
                if not page.more:
                    break
                start = page.entries[-1].key
        self._holding |= found
        self._scanned = True
