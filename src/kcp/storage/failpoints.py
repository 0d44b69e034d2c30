"""Named crash points for kill-9 durability tests (reliability.md §5.1).

`KCP_FAILPOINTS=before_commit,watch_send=20` makes the process `os._exit(137)` (what a SIGKILL
looks like to the parent) when it reaches one of the named points: at its first hit, or at its
Nth with `=N` (gofail's `N*off->panic`), so a test can prove that what was acknowledged survives
and what was not never appears half-written. Other layers add their points here. A misspelt name
never fires (the harness sees no exit 137); a disabled point costs one truthiness check.

Points do not fire, nor count hits, while held: `kcp start` holds them until it serves, so a trial
crashes under its own traffic and not in the writes of start-up.
"""

from __future__ import annotations

import os

BEFORE_COMMIT = "before_commit"  # the batch is written but COMMIT has not run: nothing may survive
AFTER_COMMIT_BEFORE_NOTIFY = "after_commit_before_notify"  # durable but never acknowledged
# durable and handed to the watchers, but no writer is told: its client never gets an answer
AFTER_NOTIFY_BEFORE_RESPONSE = "after_notify_before_response"
COMPACTION_MID_BATCH = "compaction_mid_batch"  # one compaction chunk deleted, not committed
# Compaction records its revision durably before it deletes anything, so readers answer 410 rather
# than miss rows; this is the window between the two (the plan's `compaction_after_delete_before_meta`
# names the opposite order, the one that would lose history without a 410).
COMPACTION_AFTER_META_BEFORE_DELETE = "compaction_after_meta_before_delete"
WATCH_SEND = "watch_send"  # a watch stream is about to be sent a batch of events

EXIT_CODE = 137


def _parse(value: str) -> dict[str, int]:
    """`name[=N],...` -> {name: N}; N (default 1) is the hit that fires."""
    points: dict[str, int] = {}
    for item in value.split(","):
        name, _, count = item.strip().partition("=")
        if name:
            points[name] = max(int(count), 1) if count.strip().isdigit() else 1
    return points


# Read once: the test harness sets the variable on the child process it is about to kill.
ENABLED = _parse(os.environ.get("KCP_FAILPOINTS", ""))
_held = False


def hold() -> None:
    """Hits neither fire nor count until `release()` (a server's start-up)."""
    global _held
    _held = True


def release() -> None:
    global _held
    _held = False


def hit(name: str) -> None:
    """Die here, without cleanup or flushing, if `name` is enabled and this is its chosen hit."""
    if ENABLED and name in ENABLED and not _held:
        ENABLED[name] -= 1
        if ENABLED[name] <= 0:
            os._exit(EXIT_CODE)
