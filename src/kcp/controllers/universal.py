"""The `root:universal` initializer: give a new workspace its default namespaces and ClusterRoles.

Written with kcp.sdk like any provider's initializer: one informer over initializing LogicalClusters
that still carry this initializer, content created idempotently, then the initializer removed by PATCH.
"""

from __future__ import annotations

import contextlib
from typing import Any

from kcp.apimachinery.errors import AlreadyExists
from kcp.auth.bootstrap_policy import default_cluster_roles
from kcp.sdk import GVR, Client, Controller, Informer, ObjectKey, Result

LOGICALCLUSTERS = GVR("core.kcp.io", "v1alpha1", "logicalclusters")
NAMESPACES = GVR("", "v1", "namespaces")
CLUSTERROLES = GVR("rbac.authorization.k8s.io", "v1", "clusterroles")
INITIALIZER = "root:universal"
NAMESPACE_NAMES = ("default", "kube-system")


def _pending(obj: dict[str, Any]) -> bool:
    status = obj.get("status") or {}
    return status.get("phase") == "Initializing" and INITIALIZER in (status.get("initializers") or [])


class UniversalInitializer:
    def __init__(self, client: Client, workers: int = 4) -> None:
        self.client = client
        self.informer = Informer(client.cluster("*"), LOGICALCLUSTERS, keep=_pending)
        self.controller = Controller("universal-initializer", self.reconcile, workers)
        self.controller.watch(self.informer)

    async def reconcile(self, key: ObjectKey) -> Result:
        if self.informer.get(key) is None:
            return Result()
        cluster = self.client.cluster(key.cluster)
        for name in NAMESPACE_NAMES:
            with contextlib.suppress(AlreadyExists):
                await cluster.create(
                    NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
                )
        for role in default_cluster_roles():
            with contextlib.suppress(AlreadyExists):
                await cluster.create(CLUSTERROLES, role)
        lc = await cluster.get(LOGICALCLUSTERS, "cluster")
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
        return Result()
