"""Workspace paths → logical cluster names, by walking child Workspace objects from the first segment.

`root:acme:team` reads Workspace `acme` in `root`, then Workspace `team` in acme's logical cluster.
Results live in a bounded LRU; nothing is held per workspace beyond it.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson

from kcp.logicalcluster import ClusterName, is_cluster_name, object_key
from kcp.registry.tenancy.kinds import LOGICALCLUSTER_NAME, LOGICALCLUSTERS, WORKSPACES
from kcp.storage import Storage

_CACHE_SIZE = 65536


def logicalcluster_key(cluster: ClusterName) -> str:
    return object_key(LOGICALCLUSTERS.group, LOGICALCLUSTERS.resource, cluster, "", LOGICALCLUSTER_NAME)


def workspace_key(cluster: ClusterName, name: str) -> str:
    return object_key(WORKSPACES.group, WORKSPACES.resource, cluster, "", name)


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
        segments = [path] if path.startswith("system:") else path.split(":")
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
