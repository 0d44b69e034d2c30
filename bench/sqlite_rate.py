"""Raw SQLite insert rate with the server's durability settings (WAL, synchronous=FULL).

Two figures bound what the API can do: one commit (one fsync) per row is what a server without
group commit would reach; 1,000 rows per transaction is what group commit can approach.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

ROW_BYTES = 300  # about one small ConfigMap as the server stores it
BATCH = 1000


@dataclass(frozen=True)
class SqliteRates:
    single_rows: int
    single_seconds: float
    batched_rows: int
    batched_seconds: float

    @property
    def single_per_second(self) -> float:
        return self.single_rows / self.single_seconds

    @property
    def batched_per_second(self) -> float:
        return self.batched_rows / self.batched_seconds


def measure(
    directory: Path, *, max_rows: int = 20_000, max_batches: int = 500, seconds: float = 3.0
) -> SqliteRates:
    """Insert rows one commit each, then BATCH per commit; each part stops at its row or time bound."""
    conn = _open(directory / "sqlite-bench.db")
    value = os.urandom(ROW_BYTES)
    try:
        rows, started = 0, time.perf_counter()
        deadline = started + seconds
        while rows < max_rows and time.perf_counter() < deadline:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO log(key, value) VALUES (?, ?)", (f"/single/{rows}", value))
            conn.execute("COMMIT")
            rows += 1
        single = (rows, time.perf_counter() - started)
        batches, started = 0, time.perf_counter()
        deadline = started + seconds
        while batches < max_batches and time.perf_counter() < deadline:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO log(key, value) VALUES (?, ?)",
                ((f"/batched/{batches}/{i}", value) for i in range(BATCH)),
            )
            conn.execute("COMMIT")
            batches += 1
        batched = (batches * BATCH, time.perf_counter() - started)
    finally:
        conn.close()
    return SqliteRates(*single, *batched)


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
        raise RuntimeError("SQLite refused WAL mode")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS log(rev INTEGER PRIMARY KEY, key TEXT NOT NULL, value BLOB)")
    conn.execute("CREATE INDEX IF NOT EXISTS log_key_rev ON log(key, rev)")
    return conn
