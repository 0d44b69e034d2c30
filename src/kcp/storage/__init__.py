"""Storage: keys, bytes and revisions with etcd's semantics; backends implement `Storage`."""

from kcp.storage.interface import (
    Compacted,
    Entry,
    Event,
    FutureRevision,
    KeyExists,
    KeyNotFound,
    Page,
    RevisionConflict,
    Storage,
    StorageError,
    Watch,
)

__all__ = [
    "Compacted",
    "Entry",
    "Event",
    "FutureRevision",
    "KeyExists",
    "KeyNotFound",
    "Page",
    "RevisionConflict",
    "Storage",
    "StorageError",
    "Watch",
]
