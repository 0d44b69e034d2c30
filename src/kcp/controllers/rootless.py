"""Ready for rootless logical clusters (home workspaces): Initializing with no initializers left → Ready.

A normal workspace's cluster is made Ready by the workspace controller, which watches the Workspace
that owns it; a home has no owning Workspace, so this does the same step for clusters without an
owner, as kcp's LogicalCluster phase reconciler does. It shares the workspace controller's informer,
which keeps only clusters in transition, so Ready homes cost nothing here and a new cluster's event is
received once for both.
"""

from __future__ import annotations

from typing import Any

from kcp.apimachinery.errors import Conflict, Invalid, NotFound
from kcp.controllers.workspace import forget_owner_details
from kcp.sdk import GVR, Client, Controller, Informer, ObjectKey, Result

LOGICALCLUSTERS = GVR("core.kcp.io", "v1alpha1", "logicalclusters")


def _ready_to_go(obj: dict[str, Any]) -> bool:
    status = obj.get("status") or {}
    return (
        not (obj.get("spec") or {}).get("owner")
        and status.get("phase") == "Initializing"
        and not status.get("initializers")
        and not obj["metadata"].get("deletionTimestamp")
    )


class RootlessPhase:
    def __init__(self, client: Client, clusters: Informer, workers: int = 2) -> None:
        """`clusters`: an informer of LogicalClusters across all clusters that keeps at least those
        waiting to be Ready."""
        self.client = client
        self.informer = clusters
        self.controller = Controller("rootless-phase", self.reconcile, workers)
        self.controller.watch(self.informer)

    async def reconcile(self, key: ObjectKey) -> Result:
        lc = self.informer.get(key)
        if lc is None or not _ready_to_go(lc):
            return Result()
        try:
            await self.client.cluster(key.cluster).patch(
                LOGICALCLUSTERS,
                "cluster",
                [
                    {
                        "op": "test",
                        "path": "/metadata/resourceVersion",
                        "value": lc["metadata"]["resourceVersion"],
                    },
                    {"op": "replace", "path": "/status/phase", "value": "Ready"},
                ],
                subresource="status",
                content_type="application/json-patch+json",
            )
            await forget_owner_details(self.client.cluster(key.cluster), LOGICALCLUSTERS, lc)
        except (NotFound, Conflict, Invalid):  # gone, or changed since seen: its next event requeues it
            return Result()
        return Result()
