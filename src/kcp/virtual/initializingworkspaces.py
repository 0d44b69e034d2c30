"""`/services/initializingworkspaces/<initializer>/clusters/...`: where an initializer does its job.

The LogicalClusters it sees are Initializing and still carry it in `status.initializers`; it needs
verb `initialize` on its type and may set conditions as it goes (virtual/lifecycle.py does the rest).
"""

from __future__ import annotations

from typing import Any

from kcp.virtual.lifecycle import Lifecycle


def _initializing(lc: dict[str, Any]) -> bool:
    return (lc.get("status") or {}).get("phase") == "Initializing"


INITIALIZING = Lifecycle(
    service="initializingworkspaces",
    verb="initialize",
    role="initializer",
    doing="initializing",
    waiting=_initializing,
    must_remove=False,
)
