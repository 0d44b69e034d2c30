"""Which logical cluster a `/clusters/<path>` names, without holding anything per workspace.

A logical cluster exists when its LogicalCluster singleton (`cluster`) is stored. Known names are
remembered in a bounded LRU and forgotten on deletion by one watch over all clusters.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict

from kcp.apimachinery.errors import Forbidden, NotFound
from kcp.apimachinery.user import UserInfo
from kcp.logicalcluster import WILDCARD, ClusterName, cluster_of_key, is_cluster_name, object_key
from kcp.storage import Storage

LOGICALCLUSTERS = ("core.kcp.io", "logicalclusters")
_CACHE_SIZE = 65536


def logicalcluster_key(cluster: ClusterName) -> str:
    return object_key(*LOGICALCLUSTERS, cluster, "", "cluster")


class ClusterResolver:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._known: OrderedDict[str, None] = OrderedDict()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._forget_deleted())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _forget_deleted(self) -> None:
        prefix = "/registry/" + "/".join(LOGICALCLUSTERS) + "/"
        while True:
            watch = await self.storage.watch(prefix, after=await self.storage.current_revision())
            try:
                async for batch in watch:
                    for event in batch:
                        if event.type == "DELETE":
                            self._known.pop(cluster_of_key(event.key), None)
            finally:
                watch.close()
            self._known.clear()  # the watch ended (overflow): start over without stale entries

    async def exists(self, cluster: ClusterName) -> bool:
        if cluster in self._known:
            self._known.move_to_end(cluster)
            return True
        if await self.storage.get(logicalcluster_key(cluster)) is None:
            return False
        self._known[cluster] = None
        if len(self._known) > _CACHE_SIZE:
            self._known.popitem(last=False)
        return True

    async def resolve(self, path: str, user: UserInfo) -> ClusterName | str:
        if path == WILDCARD:
            if not user.is_master:
                raise Forbidden(f'User "{user.name}" cannot list or watch across all logical clusters')
            return WILDCARD
        if ":" in path and not path.startswith("system:"):
            raise NotFound(f'workspace "{path}" not found')
        if not is_cluster_name(path) or not await self.exists(ClusterName(path)):
            raise NotFound(f'logical cluster "{path}" not found')
        return ClusterName(path)
