"""The SQLite backend's reads: what reader threads run, each in one snapshot of the database.

A list reads its page, the revision it is at and the compacted revision in one read transaction,
so it never sees history vanish under it; a replay does the same for watch history. These run on
`readers.ReaderPool` threads; the writer side (ops, commit, compaction) is in `sqlite.py`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

import orjson

from kcp.storage.interface import Compacted, Entry, Event, FutureRevision, Page

# The revision is the newest row's, or meta's floor when compaction deleted that row (see sqlite.py).
_REVISION = """SELECT max((SELECT value FROM meta WHERE name = 'revision'),
coalesce((SELECT max(rev) FROM log), 0))"""
_SNAPSHOT = f"SELECT ({_REVISION}), (SELECT value FROM meta WHERE name = 'compacted')"
# A key's newest row is its current state (none when that row is a tombstone): the (key, rev) index
# finds it, so no table of live keys is kept beside the log (see sqlite.py).
_CURRENT = "SELECT rev, create_rev, value, deleted FROM log WHERE key = ? ORDER BY rev DESC LIMIT 1"
# Keys travel as one BLOB, each cut out by its [offset, length] (`cut`): SQLite's JSON functions end
# a string at a NUL character, and names may hold one.
_CURRENT_MANY = """SELECT l.key, l.rev, l.create_rev, l.value FROM json_each(?1) AS k JOIN log AS l
ON l.key = CAST(substr(?2, json_extract(k.value, '$[0]'), json_extract(k.value, '$[1]')) AS TEXT)
WHERE l.deleted = 0 AND NOT EXISTS (SELECT 1 FROM log AS n WHERE n.key = l.key AND n.rev > l.rev)"""
# Key ranges are `key >= low AND key < end` (one bound each, so the index range is exact), never LIKE.
# The rows live at a revision: each is the newest of its key up to it. Walking the index in key order
# and asking the index whether a newer one exists keeps a page's cost to the rows it reads (a GROUP BY
# of the range would be materialised and sorted whole before the LIMIT).
_LIVE_AT = """FROM log AS l WHERE l.key >= ?1 AND l.key < ?2 AND l.rev <= ?3 AND l.deleted = 0
AND NOT EXISTS (SELECT 1 FROM log AS n WHERE n.key = l.key AND n.rev > l.rev AND n.rev <= ?3)"""
_LIST_AT = f"SELECT l.key, l.value, l.rev, l.create_rev {_LIVE_AT} ORDER BY l.key LIMIT ?4"
_COUNT_AT = f"SELECT count(*) {_LIVE_AT}"
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
        now, compacted = conn.execute(_SNAPSHOT).fetchone()
        yield now, compacted
    finally:
        conn.execute("COMMIT")


_INT64_MAX = (1 << 63) - 1


def revision(conn: sqlite3.Connection) -> int:
    """The newest revision committed."""
    return int(conn.execute(_REVISION).fetchone()[0])


def cut(parts: list[bytes | None]) -> tuple[list[tuple[int, int]], bytes]:
    """`parts` end to end, and where SQLite's `substr` finds each: (offset from 1, length), with
    length -1 for None."""
    places: list[tuple[int, int]] = []
    offset = 1
    for part in parts:
        length = -1 if part is None else len(part)
        places.append((offset, length))
        offset += max(length, 0)
    return places, b"".join(part or b"" for part in parts)


def current(key: str, conn: sqlite3.Connection) -> tuple[int, int, bytes] | None:
    """(mod_rev, create_rev, value) of the key's live version, None when it has none."""
    row = conn.execute(_CURRENT, (key,)).fetchone()
    return None if row is None or row[3] else (row[0], row[1], row[2])


def current_many(keys: list[str], conn: sqlite3.Connection) -> dict[str, tuple[int, int, bytes]]:
    """`current` of each key that has a live version, in one statement."""
    places, blob = cut([key.encode() for key in keys])
    rows = conn.execute(_CURRENT_MANY, (orjson.dumps(places), blob)).fetchall()
    return {key: (rev, create_rev, value) for key, rev, create_rev, value in rows}


def get(key: str, conn: sqlite3.Connection) -> Entry | None:
    row = current(key, conn)
    return None if row is None else Entry(key, row[2], row[0], row[1])


def count(prefix: str, conn: sqlite3.Connection) -> int:
    """Live keys under `prefix` now."""
    return int(conn.execute(_COUNT_AT, (prefix, prefix_end(prefix), _INT64_MAX)).fetchone()[0])


def list_page(
    prefix: str, revision: int | None, start_after: str, limit: int, conn: sqlite3.Connection
) -> Page:
    end = prefix_end(prefix)
    low = key_after(start_after) if start_after >= prefix else prefix
    with _snapshot(conn) as (now, compacted):
        if revision is not None and revision > now:
            raise FutureRevision(revision, now)
        if revision is not None and revision < compacted:
            raise Compacted(revision, compacted)
        at = now if revision is None else revision
        # one row more than asked tells whether there are more; SQLite's LIMIT is an int64 and -1 is none
        fetch = limit + 1 if 0 < limit < _INT64_MAX else -1
        rows = conn.execute(_LIST_AT, (low, end, at, fetch)).fetchall()
        entries = [Entry(key, value, mod_rev, create_rev) for key, value, mod_rev, create_rev in rows]
        if not limit or len(entries) <= limit:
            return Page(entries, at, more=False)
        del entries[limit:]
        remaining = conn.execute(_COUNT_AT, (key_after(entries[-1].key), end, at)).fetchone()[0]
    return Page(entries, at, more=True, remaining=remaining)


def replay(
    prefix: str, after: int, until: int, limit: int, conn: sqlite3.Connection
) -> tuple[list[Event], int]:
    """Events in (after, until] under `prefix`, at most `limit`, with the revision scanned up to."""
    with _snapshot(conn) as (now, compacted):
        if after < compacted:
            raise Compacted(after, compacted)
        if after > now:
            raise FutureRevision(after, now)
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
