"""Named crash points for kill-9 durability tests (reliability.md §5.1).

`KCP_FAILPOINTS=before_commit,compaction_mid_batch` makes the process `os._exit(137)` (what a
SIGKILL looks like to the parent) when it reaches one of the named points, so a test can prove that
what was acknowledged survives and what was not never appears half-written. Other layers add
their points here. A misspelt name never fires (the harness sees no exit 137); a disabled point
costs one truthiness check.
"""

from __future__ import annotations

import os

BEFORE_COMMIT = "before_commit"  # the batch is written but COMMIT has not run: nothing may survive
AFTER_COMMIT_BEFORE_NOTIFY = "after_commit_before_notify"  # durable but never acknowledged
COMPACTION_MID_BATCH = "compaction_mid_batch"  # one compaction chunk deleted, not committed

EXIT_CODE = 137

# Read once: the test harness sets the variable on the child process it is about to kill.
ENABLED = frozenset(name.strip() for name in os.environ.get("KCP_FAILPOINTS", "").split(",") if name.strip())


def hit(name: str) -> None:
    """Die here, without cleanup or flushing, if `name` is enabled."""
    if ENABLED and name in ENABLED:
        os._exit(EXIT_CODE)
