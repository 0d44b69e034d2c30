"""The SQLite backend's reads: what reader threads run, each in one snapshot of the database.

A list reads its page, the revision it is at and the compacted revision in one read transaction,
so it never sees history vanish under it; a replay does the same for watch history. These run on
`readers.ReaderPool` threads; the writer side (ops, commit, compaction) is in `sqlite.py`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from kcp.storage.interface import Compacted, Entry, Event, FutureRevision, Page

_SNAPSHOT = """SELECT (SELECT value FROM meta WHERE name = 'revision'),
(SELECT value FROM meta WHERE name = 'compacted')"""
CURRENT = (
    "SELECT kv.mod_rev, kv.create_rev, log.value FROM kv JOIN log ON log.rev = kv.mod_rev WHERE kv.key = ?"
)
# Key ranges are `key >= low AND key < end` (one bound each, so the index range is exact), never LIKE.
_LIST = """SELECT kv.key, log.value, kv.mod_rev, kv.create_rev FROM kv JOIN log ON log.rev = kv.mod_rev
WHERE kv.key >= ? AND kv.key < ? ORDER BY kv.key LIMIT ?"""
COUNT = "SELECT count(*) FROM kv WHERE key >= ? AND key < ?"
_LATEST_AT = """(SELECT max(rev) AS rev FROM log WHERE key >= ? AND key < ? AND rev <= ?
GROUP BY key) AS latest JOIN log AS l ON l.rev = latest.rev WHERE l.deleted = 0"""
_LIST_AT = f"SELECT l.key, l.value, l.rev, l.create_rev FROM {_LATEST_AT} ORDER BY l.key LIMIT ?"
_COUNT_AT = f"SELECT count(*) FROM {_LATEST_AT}"
_REPLAY = """SELECT l.rev, l.key, l.value, l.create_rev, l.deleted, p.value
FROM log AS l LEFT JOIN log AS p ON p.rev = l.prev_rev
WHERE l.rev > ? AND l.rev <= ? AND l.key >= ? AND l.key < ? ORDER BY l.rev LIMIT ?"""


def prefix_end(prefix: str) -> str | bytes:
    """The smallest string above every key starting with `prefix` (prefix with its last char + 1).

    For "" (or all-max characters) there is no such string; an empty BLOB stands in, because SQLite
    orders every TEXT value before every BLOB.
    """
    for i in range(len(prefix) - 1, -1, -1):
        code = ord(prefix[i])
        if code < 0x10FFFF:
            code = 0xE000 if 0xD800 <= code + 1 <= 0xDFFF else code + 1  # skip unencodable surrogates
            return prefix[:i] + chr(code)
    return b""


def key_after(key: str) -> str:
    """The least string above `key`, so `> key` can share the index range with the prefix bound."""
    return key + "\x00"


@contextlib.contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[tuple[int, int]]:
    """One read transaction; yields (current revision, compacted revision) as of its snapshot."""
    conn.execute("BEGIN")
    try:
        current, compacted = conn.execute(_SNAPSHOT).fetchone()
        yield current, compacted
    finally:
        conn.execute("COMMIT")


_INT64_MAX = (1 << 63) - 1


def get(key: str, conn: sqlite3.Connection) -> Entry | None:
    row = conn.execute(CURRENT, (key,)).fetchone()
    return None if row is None else Entry(key, row[2], row[0], row[1])


def list_page(
    prefix: str, revision: int | None, start_after: str, limit: int, conn: sqlite3.Connection
) -> Page:
    end = prefix_end(prefix)
    low = key_after(start_after) if start_after >= prefix else prefix
    with _snapshot(conn) as (current, compacted):
        if revision is not None and revision > current:
            raise FutureRevision(revision, current)
        if revision is not None and revision < compacted:
            raise Compacted(revision, compacted)
        at = current if revision is None else revision
        extra: tuple[int, ...]
        if at == current:
            page_sql, count_sql, extra = _LIST, COUNT, ()
        else:
            page_sql, count_sql, extra = _LIST_AT, _COUNT_AT, (at,)
        # one row more than asked tells whether there are more; SQLite's LIMIT is an int64 and -1 is none
        fetch = limit + 1 if 0 < limit < _INT64_MAX else -1
        rows = conn.execute(page_sql, (low, end, *extra, fetch)).fetchall()
        entries = [Entry(key, value, mod_rev, create_rev) for key, value, mod_rev, create_rev in rows]
        if not limit or len(entries) <= limit:
            return Page(entries, at, more=False)
        del entries[limit:]
        remaining = conn.execute(count_sql, (key_after(entries[-1].key), end, *extra)).fetchone()[0]
    return Page(entries, at, more=True, remaining=remaining)


def replay(
    prefix: str, after: int, until: int, limit: int, conn: sqlite3.Connection
) -> tuple[list[Event], int]:
    """Events in (after, until] under `prefix`, at most `limit`, with the revision scanned up to."""
    with _snapshot(conn) as (current, compacted):
        if after < compacted:
            raise Compacted(after, compacted)
        if after > current:
            raise FutureRevision(after, current)
        if after >= until:
            return [], until
        rows = conn.execute(_REPLAY, (after, until, prefix, prefix_end(prefix), limit)).fetchall()
    events = [
        Event("DELETE", key, prev or b"", rev, create_rev, prev)
        if deleted
        else Event("PUT", key, value, rev, create_rev, prev)
        for rev, key, value, create_rev, deleted, prev in rows
    ]
    return events, events[-1].revision if len(events) == limit else until
