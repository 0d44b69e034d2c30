"""What every new logical cluster starts with, and the root cluster on first start."""

from __future__ import annotations

import contextlib
from typing import Any

from kcp.apimachinery.errors import AlreadyExists
from kcp.apimachinery.meta import new_uid, now_rfc3339
from kcp.apimachinery.user import SYSTEM_MASTERS, UserInfo
from kcp.auth.bootstrap_policy import default_cluster_roles
from kcp.logicalcluster import ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.options import RequestScope, WriteOptions
from kcp.server.clusters import logicalcluster_key
from kcp.storage import KeyExists

SYSTEM_USER = UserInfo("system:kcp:bootstrap", groups=(SYSTEM_MASTERS,))
DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public")
_OPTS = WriteOptions(field_manager="kcp-bootstrap")


async def ensure_logical_cluster(
    catalog: Catalog, cluster: ClusterName, path: str, phase: str = "Ready"
) -> None:
    """Store the LogicalCluster singleton that makes `cluster` exist (idempotent)."""
    import orjson

    obj: dict[str, Any] = {
        "apiVersion": "core.kcp.io/v1alpha1",
        "kind": "LogicalCluster",
        "metadata": {
            "name": "cluster",
            "uid": new_uid(),
            "creationTimestamp": now_rfc3339(),
            "annotations": {"kcp.io/path": path},
        },
        "spec": {},
        "status": {"phase": phase},
    }
    with contextlib.suppress(KeyExists):
        await catalog.storage.create(logicalcluster_key(cluster), orjson.dumps(obj))


async def seed_cluster(
    catalog: Catalog, cluster: ClusterName, namespaces: tuple[str, ...] = DEFAULT_NAMESPACES
) -> None:
    """Default namespaces and ClusterRoles; existing objects are left alone."""
    scope = RequestScope(cluster, "", SYSTEM_USER)
    ns_store = catalog.store("", "v1", "namespaces")
    for name in namespaces:
        with contextlib.suppress(AlreadyExists):
            await ns_store.create(
                scope, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}, _OPTS
            )
    roles = catalog.store("rbac.authorization.k8s.io", "v1", "clusterroles")
    for role in default_cluster_roles():
        with contextlib.suppress(AlreadyExists):
            await roles.create(scope, role, _OPTS)
