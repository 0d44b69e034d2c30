"""The storage contract, shaped like etcd v3 so an etcd backend can implement it unchanged.

Promises every backend keeps (ST1..ST9 in reliability.md):
- no call returns before its write is durably committed;
- one strictly increasing revision per store, never reused, not after restart nor compaction;
- every key a call writes gets a new revision (`create_all`'s keys may share one, as in etcd's Txn);
- `update`/`delete` with `expect` succeed only if the key's current mod_revision equals it;
- `watch(after=R)` yields every event with revision > R in revision order, exactly once, or raises
  `Compacted` when R is older than the history window; it never silently skips.
Storage knows keys, bytes and revisions, never kinds or requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol


class StorageError(Exception):
    """Key-level errors; the registry translates them into Status errors."""


class KeyExists(StorageError):
    def __init__(self, key: str, entry: Entry | None = None) -> None:
        super().__init__(f"key exists: {key}")
        self.key = key
        self.entry = entry


class KeyNotFound(StorageError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key not found: {key}")
        self.key = key


class RevisionConflict(StorageError):
    """`expect` did not match; `current` is the entry as it is now."""

    def __init__(self, key: str, current: Entry) -> None:
        super().__init__(f"revision conflict on {key}: now at {current.mod_revision}")
        self.key = key
        self.current = current


class Compacted(StorageError):
    """The requested revision is older than the history window (kube turns this into 410)."""

    def __init__(self, requested: int, compacted: int) -> None:
        super().__init__(f"revision {requested} is compacted (oldest available {compacted + 1})")
        self.requested = requested
        self.compacted = compacted


class FutureRevision(StorageError):
    """A read asked for a revision the store has not reached yet."""

    def __init__(self, requested: int, current: int) -> None:
        super().__init__(f"revision {requested} is newer than current {current}")
        self.requested = requested
        self.current = current


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    value: bytes
    mod_revision: int
    create_revision: int


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list at `revision`; `more` tells whether keys after the last one remain."""

    entries: list[Entry]
    revision: int
    more: bool
    remaining: int = 0  # how many keys after this page (best effort; 0 when unknown or none)


@dataclass(slots=True, eq=False)
class Event:
    """One change. For DELETE, `value` is the last value before deletion.

    `memo` lets layers above cache a per-event encoding once for all watchers (fan-out to N watchers
    must not decode N times); storage never reads it.
    """

    type: Literal["PUT", "DELETE"]
    key: str
    value: bytes
    revision: int
    create_revision: int
    prev_value: bytes | None = None
    memo: dict[str, object] = field(default_factory=dict)

    @property
    def created(self) -> bool:
        return self.type == "PUT" and self.create_revision == self.revision


Entries = list[Entry]  # `Storage.list` shadows the builtin inside the class body


class Watch(Protocol):
    """An open watch: iterate it for batches of events in revision order; close it when done.

    Iteration ends (StopAsyncIteration) when the watch is closed by either side, e.g. because the
    watcher fell too far behind; the caller then resumes from the last revision it saw.
    """

    def __aiter__(self) -> AsyncIterator[list[Event]]: ...

    async def __anext__(self) -> list[Event]: ...

    @property
    def overflowed(self) -> bool:
        """True when the store closed this watch because its consumer was too slow."""
        ...

    @property
    def progress(self) -> int:
        """A revision through which every event under the prefix has been handed over (etcd's
        progress notify): what a bookmark may carry even when no event matched for a while."""
        ...

    def close(self) -> None: ...


class Storage(Protocol):
    async def start(self) -> None:
        """Open files and threads, recover the revision, start compaction."""

    async def close(self) -> None: ...

    async def get(self, key: str) -> Entry | None: ...

    async def list(
        self, prefix: str, *, revision: int | None = None, start_after: str = "", limit: int = 0
    ) -> Page:
        """Keys starting with `prefix`, sorted, after `start_after`, at `revision` (None = now).

        Raises Compacted for a revision older than the window and FutureRevision for one not reached.
        """
        ...

    async def count(self, prefix: str) -> int: ...

    async def create(self, key: str, value: bytes) -> Entry:
        """Create-if-absent; raises KeyExists. Returns the new entry (its revision is new)."""
        ...

    async def create_all(self, items: Sequence[tuple[str, bytes]]) -> Entries:
        """Create every key or none (one transaction, etcd's Txn): raises KeyExists naming the first
        key present, or repeated. Entries in `items`' order; they may share one revision (etcd) or
        take consecutive ones, and their events reach each watch together."""
        ...

    async def update(self, key: str, value: bytes, *, expect: int) -> Entry:
        """Replace if mod_revision == expect; raises KeyNotFound or RevisionConflict."""
        ...

    async def delete(self, key: str, *, expect: int | None = None) -> Entry:
        """Delete (if mod_revision == expect when given); returns the deleted entry with the
        delete's revision as mod_revision. Raises KeyNotFound or RevisionConflict."""
        ...

    async def current_revision(self) -> int: ...

    async def compacted_revision(self) -> int: ...

    def healthy(self) -> bool:
        """Whether writes can be made now (the health endpoints' `etcd` check, as kube names it)."""
        ...

    async def compact(self, revision: int) -> None:
        """Drop history at or below `revision` (never the newest version of a live key)."""
        ...

    async def watch(self, prefix: str, *, after: int) -> Watch:
        """Events for keys under `prefix` with revision > `after`; raises Compacted or FutureRevision.

        `after=0` means "from now on".
        """
        ...
