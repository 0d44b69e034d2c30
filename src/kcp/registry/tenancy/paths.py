"""Workspace paths → logical cluster names, by walking child Workspace objects from the first segment.

`root:acme:team` reads Workspace `acme` in `root`, then Workspace `team` in acme's logical cluster.
A path starting `user:<name>` starts instead at that user's home, a rootless logical cluster whose
name is computed from the user name, so no parent Workspace or index is needed to find it.
Results live in a bounded LRU; nothing is held per workspace beyond it.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import orjson

from kcp.logicalcluster import ClusterName, is_cluster_name, object_key
from kcp.registry.tenancy.kinds import LOGICALCLUSTER_NAME, LOGICALCLUSTERS, WORKSPACES
from kcp.storage import Storage

_CACHE_SIZE = 65536
USER_TREE = "user"  # `user:<name>[:child...]` is the tree of home workspaces
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def home_cluster_name(username: str) -> ClusterName:
    """kcp's home name: base36 of the first 8 bytes of sha224(username), a `0` per leading zero byte.

    Must match kcp bit for bit (`pkg/index/rewriters/user.go`): it is a storage key, and a home made
    under one spelling is lost under another.
    """
    head = hashlib.sha224(username.encode()).digest()[:8]
    zeros = len(head) - len(head.lstrip(b"\0"))
    n, digits = int.from_bytes(head, "big"), []
    while n:
        n, r = divmod(n, 36)
        digits.append(_BASE36[r])
    return ClusterName("0" * zeros + "".join(reversed(digits)))


def rewrite_user_path(segments: list[str]) -> list[str]:
    """`user:<name>:a` → `<home cluster of name>:a`; any other path is returned unchanged."""
    if len(segments) > 1 and segments[0] == USER_TREE:
        return [home_cluster_name(segments[1]), *segments[2:]]
    return segments


def logicalcluster_key(cluster: ClusterName) -> str:
    return object_key(LOGICALCLUSTERS.group, LOGICALCLUSTERS.resource, cluster, "", LOGICALCLUSTER_NAME)


def workspace_key(cluster: ClusterName, name: str) -> str:
    return object_key(WORKSPACES.group, WORKSPACES.resource, cluster, "", name)


def resolves_through(value: bytes) -> bool:
    """Whether a stored Workspace leads on to its cluster (what `resolve` requires of each segment).

    Cached paths only ever hold answers that resolved, and `spec.cluster` never changes once set,
    so an update can only make a cached answer stale by making this False (or by a delete).
    """
    ws = orjson.loads(value)
    return bool((ws.get("spec") or {}).get("cluster")) and (ws.get("status") or {}).get("phase") not in (
        None,
        "Scheduling",
    )


class PathResolver:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._paths: OrderedDict[str, ClusterName] = OrderedDict()

    def forget(self) -> None:
        """Drop every cached path (a workspace moved or went away)."""
        self._paths.clear()

    def forget_cluster(self, cluster: str) -> None:
        for path in [p for p, c in self._paths.items() if c == cluster]:
            del self._paths[path]

    async def exists(self, cluster: ClusterName) -> bool:
        return await self.storage.get(logicalcluster_key(cluster)) is not None

    async def resolve(self, path: str) -> ClusterName | None:
        """The logical cluster a path or cluster name names, or None when it does not resolve."""
        cached = self._paths.get(path)
        if cached is not None:
            self._paths.move_to_end(path)
            return cached
        segments = [path] if path.startswith("system:") else rewrite_user_path(path.split(":"))
        current = ClusterName(segments[0])
        if not is_cluster_name(current) or not await self.exists(current):
            return None
        for segment in segments[1:]:
            entry = await self.storage.get(workspace_key(current, segment))
            if entry is None:
                return None
            ws = orjson.loads(entry.value)
            child = (ws.get("spec") or {}).get("cluster")
            if not child or (ws.get("status") or {}).get("phase") in (None, "Scheduling"):
                return None
            current = ClusterName(child)
        self._paths[path] = current
        if len(self._paths) > _CACHE_SIZE:
            self._paths.popitem(last=False)
        return current

    async def logical_cluster(self, cluster: ClusterName) -> dict[str, Any] | None:
        entry = await self.storage.get(logicalcluster_key(cluster))
        if entry is None:
            return None
        obj: dict[str, Any] = orjson.loads(entry.value)
        return obj
