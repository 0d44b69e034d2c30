"""What every new logical cluster starts with, and the root cluster on first start."""

from __future__ import annotations

import contextlib
from typing import Any

import orjson

from kcp.apimachinery.errors import AlreadyExists
from kcp.apimachinery.meta import new_uid, now_rfc3339
from kcp.apimachinery.user import SYSTEM_MASTERS, UserInfo
from kcp.auth.bootstrap_policy import default_cluster_roles
from kcp.controllers import workspacetype
from kcp.logicalcluster import ROOT, ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.options import RequestScope, WriteOptions
from kcp.registry.tenancy import bootstrap as tenancy_bootstrap
from kcp.registry.tenancy.kinds import PATH_ANNOTATION, TYPE_ANNOTATION
from kcp.registry.tenancy.paths import logicalcluster_key
from kcp.registry.tenancy.scheduling import seed_content
from kcp.storage import KeyExists, RevisionConflict

SYSTEM_USER = UserInfo("system:kcp:bootstrap", groups=(SYSTEM_MASTERS,))
DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public")
_OPTS = WriteOptions(field_manager="kcp-bootstrap")


async def ensure_logical_cluster(catalog: Catalog, cluster: ClusterName, path: str, type_ref: str) -> None:
    """Store the (Ready) LogicalCluster singleton that makes `cluster` exist (idempotent)."""
    obj: dict[str, Any] = {
        "apiVersion": "core.kcp.io/v1alpha1",
        "kind": "LogicalCluster",
        "metadata": {
            "name": "cluster",
            "uid": new_uid(),
            "creationTimestamp": now_rfc3339(),
            "annotations": {PATH_ANNOTATION: path, TYPE_ANNOTATION: type_ref},
        },
        "spec": {},
        "status": {"phase": "Ready"},
    }
    with contextlib.suppress(KeyExists):
        await catalog.storage.create(logicalcluster_key(cluster), orjson.dumps(obj))


async def publish_url(catalog: Catalog, cluster: ClusterName, url: str) -> None:
    """kcp's `status.URL` of a cluster the server made itself, known only once it listens (a new
    address on a restart is written over the old)."""
    key = logicalcluster_key(cluster)
    entry = await catalog.storage.get(key)
    if entry is None:
        return
    obj = orjson.loads(entry.value)
    if obj.setdefault("status", {}).get("URL") == url:
        return
    obj["status"]["URL"] = url
    with contextlib.suppress(RevisionConflict):  # someone wrote it first: theirs stands until next start
        await catalog.storage.update(key, orjson.dumps(obj), expect=entry.mod_revision)


async def publish_type_views(catalog: Catalog, base_url: str) -> None:
    """Root's own WorkspaceTypes get their status (the views under this address) before the server
    serves, as their LogicalCluster gets its URL: the status controller would write them only after,
    racing the first requests (and a failpoint counting writes)."""
    types = catalog.store("tenancy.kcp.io", "v1alpha1", "workspacetypes")
    for bootstrapped in tenancy_bootstrap.workspace_types(True):
        name = bootstrapped["metadata"]["name"]
        key = types.key(ROOT, "", name)
        entry = await catalog.storage.get(key)
        if entry is None:
            continue
        obj = orjson.loads(entry.value)
        if not workspacetype.needs_status(obj, base_url):
            continue
        status = obj.setdefault("status", {})
        status["virtualWorkspaces"] = workspacetype.virtual_workspaces(base_url, ROOT, name)
        status["conditions"] = workspacetype.ready_conditions(list(status.get("conditions") or []))
        with contextlib.suppress(RevisionConflict):  # someone wrote it first: the controller follows up
            await catalog.storage.update(key, orjson.dumps(obj), expect=entry.mod_revision)


async def seed_cluster(
    catalog: Catalog, cluster: ClusterName, namespaces: tuple[str, ...] = DEFAULT_NAMESPACES
) -> None:
    """Default namespaces and ClusterRoles; existing objects are left alone."""
    await seed_content(catalog.store, cluster, namespaces, SYSTEM_USER, default_cluster_roles())


async def seed_root(catalog: Catalog, batteries: tuple[str, ...]) -> None:
    """Root's workspace types and the RBAC that lets authenticated users enter root and use them."""
    with_types = "workspace-types" in batteries
    scope = RequestScope(ROOT, "", SYSTEM_USER)
    types = catalog.store("tenancy.kcp.io", "v1alpha1", "workspacetypes")
    for obj in tenancy_bootstrap.workspace_types(with_types):
        with contextlib.suppress(AlreadyExists):
            await types.create(scope, obj, _OPTS)
    for resource, obj in tenancy_bootstrap.root_rbac():
        with contextlib.suppress(AlreadyExists):
            await catalog.store("rbac.authorization.k8s.io", "v1", resource).create(scope, obj, _OPTS)
