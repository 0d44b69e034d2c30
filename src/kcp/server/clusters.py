"""Which logical cluster a `/clusters/<path>` names, for whom, without holding anything per workspace.

Paths resolve through the registry's PathResolver (a bounded LRU); one watch over LogicalClusters and
one over Workspaces drop cached answers when clusters go away or workspaces change.
"""

from __future__ import annotations

import asyncio
import contextlib

from kcp.apimachinery.errors import NotFound
from kcp.apimachinery.user import UserInfo
from kcp.logicalcluster import ROOT, WILDCARD, ClusterName, cluster_of_key, is_cluster_name, resource_prefix
from kcp.registry.tenancy.kinds import LOGICALCLUSTERS, WORKSPACES
from kcp.registry.tenancy.paths import PathResolver, resolves_through
from kcp.storage import Event
from kcp.storage.follow import follow


class ClusterResolver:
    def __init__(self, paths: PathResolver) -> None:
        self.paths = paths
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._forget(LOGICALCLUSTERS.group, LOGICALCLUSTERS.resource)),
            asyncio.create_task(self._forget(WORKSPACES.group, WORKSPACES.resource)),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _forget(self, group: str, resource: str) -> None:
        def on_batch(batch: list[Event]) -> None:
            for event in batch:
                if resource == LOGICALCLUSTERS.resource and event.type == "DELETE":
                    self.paths.forget_cluster(cluster_of_key(event.key))
                elif resource == WORKSPACES.resource and (
                    event.type == "DELETE" or not (event.created or resolves_through(event.value))
                ):
                    self.paths.forget()

        await follow(self.paths.storage, resource_prefix(group, resource), on_batch, self.paths.forget)

    async def resolve(self, path: str, user: UserInfo) -> ClusterName | str:
        if path == WILDCARD:  # authorization lets system:masters alone through
            return WILDCARD
        cluster = await self.paths.resolve(path)
        if cluster is None and user.is_master and is_cluster_name(path):
            return ClusterName(path)  # the system creates a logical cluster by writing into it
        if cluster is None:
            parent = await self._deepest_ancestor(path)
            if ":" in path and not path.startswith("system:"):
                raise UnknownPath(
                    f'workspaces.tenancy.kcp.io "{path}" not found',
                    parent,
                    name=path,
                    group="tenancy.kcp.io",
                    kind="workspaces",
                )
            raise UnknownPath(
                f'logicalclusters.core.kcp.io "{path}" not found',
                parent,
                name=path,
                group="core.kcp.io",
                kind="logicalclusters",
            )
        return cluster

    async def _deepest_ancestor(self, path: str) -> ClusterName:
        """The cluster of the longest existing prefix of `path`; `root` for names outside any tree."""
        segments = path.split(":")
        for end in range(len(segments) - 1, 0, -1):
            found = await self.paths.resolve(":".join(segments[:end]))
            if found is not None:
                return found
        return ROOT


class UnknownPath(NotFound):
    """A path that resolves to no cluster. Only a caller who may enter `parent` may learn that (404);
    anyone else is told what kcp's front-proxy says of any path it cannot serve them (403)."""

    def __init__(self, message: str, parent: ClusterName, *, name: str, group: str, kind: str) -> None:
        super().__init__(message, name=name, group=group, kind=kind)
        self.parent = parent
