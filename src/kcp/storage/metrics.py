"""Storage metrics shared by every backend (one process holds one store, so no labels).

Commit latency and batch size show whether group commit works (latency flat while batch size grows
with load); the watcher gauge and the overflow counter show slow consumers before memory does.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

COMMIT_DURATION = Histogram(
    "kcp_storage_commit_duration_seconds",
    "Time from the start of a write transaction to its durable commit.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
COMMIT_BATCH_SIZE = Histogram(
    "kcp_storage_commit_batch_size",
    "Operations committed together in one transaction (group commit).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
)
WATCHERS = Gauge("kcp_storage_watchers", "Open storage watches.")
WATCHERS_OVERFLOWED = Counter(
    "kcp_storage_watchers_overflowed",
    "Watches closed because their consumer fell a full buffer behind.",
)
