"""Workspace lifecycle: schedule a new logical cluster, mirror its phase, delete it with everything in it.

One informer over Workspaces and one over LogicalClusters in every logical cluster, each keeping only
objects in transition (not Ready, or being deleted): Ready, idle workspaces cost no memory here.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from typing import Any

import orjson

from kcp.apimachinery.errors import AlreadyExists, NotFound
from kcp.sdk import GVR, Client, Controller, Informer, ObjectKey, Result
from kcp.sdk.client import ClusterClient, discover

WORKSPACES = GVR("tenancy.kcp.io", "v1alpha1", "workspaces")
WORKSPACETYPES = GVR("tenancy.kcp.io", "v1alpha1", "workspacetypes")
LOGICALCLUSTERS = GVR("core.kcp.io", "v1alpha1", "logicalclusters")
CLUSTERROLEBINDINGS = GVR("rbac.authorization.k8s.io", "v1", "clusterrolebindings")
CRDS = GVR("apiextensions.k8s.io", "v1", "customresourcedefinitions")
NAMESPACES = GVR("", "v1", "namespaces")
FINALIZER = "core.kcp.io/logicalcluster"
OWNER = "experimental.tenancy.kcp.io/owner"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_cluster_name() -> str:
    """16 base36 characters from a hash of 32 random bytes, as kcp names logical clusters."""
    n = int.from_bytes(hashlib.sha224(secrets.token_bytes(32)).digest(), "big")
    out = []
    for _ in range(16):
        n, r = divmod(n, 36)
        out.append(_BASE36[r])
    return "".join(out)


def _in_transition(obj: dict[str, Any]) -> bool:
    return (obj.get("status") or {}).get("phase") != "Ready" or bool(obj["metadata"].get("deletionTimestamp"))


class WorkspaceLifecycle:
    def __init__(self, client: Client, external_url: str, workers: int = 4) -> None:
        self.client = client
        self.external_url = external_url.rstrip("/")
        self.workspaces = Informer(client.cluster("*"), WORKSPACES, keep=_in_transition)
        self.clusters = Informer(client.cluster("*"), LOGICALCLUSTERS, keep=_in_transition)
        self.controller = Controller("workspace", self.reconcile, workers)
        self.controller.watch(self.workspaces)
        self.controller.watch(self.clusters, self._owner_of)

    def _owner_of(self, key: ObjectKey) -> ObjectKey | None:
        """A LogicalCluster change concerns the Workspace that owns it."""
        lc = self.clusters.get(key)
        owner = ((lc or {}).get("spec") or {}).get("owner") or {}
        if owner.get("cluster") and owner.get("name"):
            return ObjectKey(owner["cluster"], "", owner["name"])
        return None

    async def reconcile(self, key: ObjectKey) -> Result:
        ws = self.workspaces.get(key)
        if ws is None:
            return Result()
        parent = self.client.cluster(key.cluster)
        if ws["metadata"].get("deletionTimestamp"):
            return await self._delete(parent, ws)
        if not (ws.get("spec") or {}).get("cluster"):
            return await self._schedule(parent, key, ws)
        if (ws.get("status") or {}).get("phase", "Scheduling") == "Scheduling":
            return await self._initialize(parent, key, ws)
        return await self._mirror(parent, ws)

    async def _initializers(self, type_ref: dict[str, str]) -> list[str]:
        """One initializer per type in the extension closure that declares `initializer: true`."""
        out: list[str] = []
        seen: set[tuple[str, str]] = set()
        stack = [(type_ref.get("path", "root"), type_ref["name"])]
        while stack:
            path, name = stack.pop()
            if (path, name) in seen:
                continue
            seen.add((path, name))
            wt = await self.client.cluster(path).get(WORKSPACETYPES, name)
            spec = wt.get("spec") or {}
            if spec.get("initializer"):
                out.append(f"{path}:{name}")
            stack += [
                (e.get("path") or path, e["name"]) for e in (spec.get("extend") or {}).get("with") or []
            ]
        return sorted(out)

    async def _schedule(self, parent: ClusterClient, key: ObjectKey, ws: dict[str, Any]) -> Result:
        """Pick the cluster name first and record it, so a retry never mints a second cluster."""
        parent_lc = await parent.get(LOGICALCLUSTERS, "cluster")
        parent_path = parent_lc["metadata"].get("annotations", {}).get("kcp.io/path", key.cluster)
        ws["spec"]["cluster"] = new_cluster_name()
        ws["spec"]["URL"] = f"{self.external_url}/clusters/{parent_path}:{key.name}"
        finalizers = ws["metadata"].setdefault("finalizers", [])
        if FINALIZER not in finalizers:
            finalizers.append(FINALIZER)
        await parent.update(WORKSPACES, ws)
        return Result()

    async def _initialize(self, parent: ClusterClient, key: ObjectKey, ws: dict[str, Any]) -> Result:
        """Create the LogicalCluster (idempotently), bind the owner, and move both to Initializing."""
        type_ref = ws["spec"]["type"]
        initializers = await self._initializers(type_ref)
        path = ws["spec"]["URL"].split("/clusters/", 1)[1]
        annotations = {
            "kcp.io/path": path,
            "internal.tenancy.kcp.io/type": f"{type_ref['path']}:{type_ref['name']}",
        }
        owner_json = ws["metadata"].get("annotations", {}).get(OWNER)
        if owner_json:
            annotations[OWNER] = owner_json
        child = self.client.cluster(ws["spec"]["cluster"])
        with contextlib.suppress(AlreadyExists):
            await child.create(
                LOGICALCLUSTERS,
                {
                    "apiVersion": "core.kcp.io/v1alpha1",
                    "kind": "LogicalCluster",
                    "metadata": {"name": "cluster", "annotations": annotations},
                    "spec": {
                        "owner": {
                            "apiVersion": "tenancy.kcp.io/v1alpha1",
                            "resource": "workspaces",
                            "name": key.name,
                            "cluster": key.cluster,
                            "uid": ws["metadata"]["uid"],
                        },
                        "initializers": initializers,
                    },
                },
            )
        lc = await child.get(LOGICALCLUSTERS, "cluster")
        if not (lc.get("status") or {}).get("phase"):
            await child.patch(
                LOGICALCLUSTERS,
                "cluster",
                {"status": {"phase": "Initializing", "initializers": initializers, "URL": ws["spec"]["URL"]}},
                subresource="status",
            )
        if owner_json:
            await self._bind_owner(child, owner_json)
        ws["status"] = {"phase": "Initializing", **({"initializers": initializers} if initializers else {})}
        await parent.update(WORKSPACES, ws, subresource="status")
        return Result()

    async def _bind_owner(self, child: ClusterClient, owner_json: str) -> None:
        owner = orjson.loads(owner_json)
        rbac = "rbac.authorization.k8s.io"
        with contextlib.suppress(AlreadyExists):
            await child.create(
                CLUSTERROLEBINDINGS,
                {
                    "apiVersion": f"{rbac}/v1",
                    "kind": "ClusterRoleBinding",
                    "metadata": {"name": "workspace-admin"},
                    "roleRef": {"apiGroup": rbac, "kind": "ClusterRole", "name": "cluster-admin"},
                    "subjects": [{"apiGroup": rbac, "kind": "User", "name": owner["username"]}],
                },
            )

    async def _mirror(self, parent: ClusterClient, ws: dict[str, Any]) -> Result:
        try:
            lc = await self.client.cluster(ws["spec"]["cluster"]).get(LOGICALCLUSTERS, "cluster")
        except NotFound:
            return Result(requeue_after=1.0)
        status = lc.get("status") or {}
        initializers = list(status.get("initializers") or [])
        if status.get("phase") == "Initializing" and not initializers:
            await self.client.cluster(ws["spec"]["cluster"]).patch(
                LOGICALCLUSTERS, "cluster", {"status": {"phase": "Ready"}}, subresource="status"
            )
            status = {**status, "phase": "Ready"}
        phase = status.get("phase", "Initializing")
        wanted = {"phase": phase, **({"initializers": initializers} if initializers else {})}
        current = ws.get("status") or {}
        if current.get("phase") != wanted["phase"] or current.get("initializers") != wanted.get(
            "initializers"
        ):
            fresh = await parent.get(WORKSPACES, ws["metadata"]["name"])
            fresh["status"] = wanted
            await parent.update(WORKSPACES, fresh, subresource="status")
        return Result()

    async def _delete(self, parent: ClusterClient, ws: dict[str, Any]) -> Result:
        """Empty the logical cluster (child workspaces first, CRDs last), then release the workspace."""
        cluster_name = (ws.get("spec") or {}).get("cluster")
        if cluster_name and await self._empty(self.client.cluster(cluster_name)):
            return Result(requeue_after=0.2)
        fresh = await parent.get(WORKSPACES, ws["metadata"]["name"])
        fresh["metadata"]["finalizers"] = [
            f for f in fresh["metadata"].get("finalizers") or [] if f != FINALIZER
        ]
        await parent.update(WORKSPACES, fresh)
        return Result()

    async def _empty(self, cluster: ClusterClient) -> bool:
        """Delete what is left; True while anything remains (the caller comes back later)."""
        try:
            served = await discover(cluster)
        except NotFound:
            return False
        order = sorted(
            served,
            key=lambda s: (s.gvr != WORKSPACES, s.gvr == LOGICALCLUSTERS, s.gvr == CRDS, s.gvr == NAMESPACES),
        )
        remaining = False
        for res in order:
            if "list" not in res.verbs or "delete" not in res.verbs:
                continue
            if res.gvr == LOGICALCLUSTERS and remaining:
                return True  # the cluster goes last, once nothing else is left in it
            items = (await cluster.list(res.gvr)).get("items", [])
            if not items:
                continue
            remaining = True
            for item in items:
                meta = item["metadata"]
                if meta.get("deletionTimestamp") and res.gvr != LOGICALCLUSTERS:
                    continue
                with contextlib.suppress(NotFound):
                    await cluster.delete(res.gvr, meta["name"], meta.get("namespace", ""))
            if res.gvr in (WORKSPACES, CRDS):
                return True  # children and custom resources go before what they depend on
        return remaining
