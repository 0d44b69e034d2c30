"""`/services/terminatingworkspaces/<terminator>/clusters/...`: where a terminator does its job.

The LogicalClusters it sees are marked for deletion and still carry it in `status.terminators`;
their content is kept until every terminator is gone. It needs verb `terminate` on its type, and a
status write must remove its own entry, as kcp's view insists (virtual/lifecycle.py does the rest).
"""

from __future__ import annotations

from typing import Any

from kcp.virtual.lifecycle import Lifecycle


def _marked(lc: dict[str, Any]) -> bool:
    return bool(lc["metadata"].get("deletionTimestamp"))


TERMINATING = Lifecycle(
    service="terminatingworkspaces",
    verb="terminate",
    role="terminator",
    doing="terminating",
    waiting=_marked,
    must_remove=True,
)
