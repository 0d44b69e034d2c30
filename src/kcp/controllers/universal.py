"""The `root:universal` initializer: give a new workspace its default namespaces and ClusterRoles.

Written with kcp.sdk like any provider's initializer: one informer over initializing LogicalClusters
that still carry this initializer, content created idempotently, then the initializer removed by PATCH.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson

from kcp.apimachinery.errors import AlreadyExists, Conflict, Invalid
from kcp.auth.bootstrap_policy import default_cluster_roles
from kcp.sdk import GVR, Client, ClusterClient, Controller, Informer, ObjectKey, Result
from kcp.sdk.informer import drop_managed_fields

LOGICALCLUSTERS = GVR("core.kcp.io", "v1alpha1", "logicalclusters")
NAMESPACES = GVR("", "v1", "namespaces")
CLUSTERROLES = GVR("rbac.authorization.k8s.io", "v1", "clusterroles")
INITIALIZER = "root:universal"
NAMESPACE_NAMES = ("default", "kube-system")


def _pending(obj: dict[str, Any]) -> bool:
    status = obj.get("status") or {}
    return status.get("phase") == "Initializing" and INITIALIZER in (status.get("initializers") or [])


class UniversalInitializer:
    def __init__(self, client: Client, workers: int = 16) -> None:
        self.client = client
        self.informer = Informer(
            client.cluster("*"), LOGICALCLUSTERS, keep=_pending, transform=drop_managed_fields
        )
        self.controller = Controller("universal-initializer", self.reconcile, workers)
        self.controller.watch(self.informer)
        self.content = [  # encoded once: every new workspace gets the same bytes
            *((NAMESPACES, orjson.dumps(_namespace(name))) for name in NAMESPACE_NAMES),
            *((CLUSTERROLES, orjson.dumps(role)) for role in default_cluster_roles()),
        ]

    async def reconcile(self, key: ObjectKey) -> Result:
        lc = self.informer.get(key)
        if lc is None:
            return Result()
        cluster = self.client.cluster(key.cluster)
        # independent creates, side by side: one round trip of latency, not nine
        await asyncio.gather(*(_ensure(cluster, gvr, body) for gvr, body in self.content))
        try:
            await self._release(cluster, lc)  # the cached cluster is normally current: no GET
        except (Conflict, Invalid):  # it was not: the test on resourceVersion failed
            await self._release(cluster, await cluster.get(LOGICALCLUSTERS, "cluster"))
        return Result()

    @staticmethod
    async def _release(cluster: ClusterClient, lc: dict[str, Any]) -> None:
        """Drop this initializer from the cluster's list, if the list is still the one we read."""
        remaining = [i for i in (lc.get("status") or {}).get("initializers") or [] if i != INITIALIZER]
        await cluster.patch(
            LOGICALCLUSTERS,
            "cluster",
            [
                {
                    "op": "test",
                    "path": "/metadata/resourceVersion",
                    "value": lc["metadata"]["resourceVersion"],
                },
                {"op": "replace", "path": "/status/initializers", "value": remaining},
            ],
            subresource="status",
            content_type="application/json-patch+json",
        )


def _namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


async def _ensure(cluster: ClusterClient, gvr: GVR, obj: bytes) -> None:
    with contextlib.suppress(AlreadyExists):
        await cluster.create(gvr, obj)
