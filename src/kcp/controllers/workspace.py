"""Workspace lifecycle: schedule a new logical cluster, mirror its phase, delete it with everything in it.

One informer over Workspaces and one over LogicalClusters in every logical cluster, each keeping only
objects in transition (not Ready, or being deleted): Ready, idle workspaces cost no memory here. A
third holds the WorkspaceTypes (a handful, not one per workspace) that decide a cluster's initializers.

A new workspace is scheduled and initialized in one reconcile, each step working on the object the
previous write returned. The caches may lag behind this controller's own writes, so every step is
idempotent: creates tolerate AlreadyExists, status is merge-patched to the wanted value (the server
stores nothing when that changes nothing), and the one write that must not repeat, minting the
cluster name, is an update guarded by resourceVersion whose Conflict means a newer event is coming.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections import OrderedDict
from typing import Any

import orjson

from kcp.apimachinery.errors import AlreadyExists, Conflict, NotFound
from kcp.auth.bootstrap_policy import workspace_admin_binding
from kcp.sdk import GVR, Client, Controller, Informer, ObjectKey, Result
from kcp.sdk.client import ClusterClient, discover
from kcp.sdk.informer import drop_managed_fields

WORKSPACES = GVR("tenancy.kcp.io", "v1alpha1", "workspaces")
WORKSPACETYPES = GVR("tenancy.kcp.io", "v1alpha1", "workspacetypes")
LOGICALCLUSTERS = GVR("core.kcp.io", "v1alpha1", "logicalclusters")
CLUSTERROLEBINDINGS = GVR("rbac.authorization.k8s.io", "v1", "clusterrolebindings")
CRDS = GVR("apiextensions.k8s.io", "v1", "customresourcedefinitions")
NAMESPACES = GVR("", "v1", "namespaces")
FINALIZER = "core.kcp.io/logicalcluster"
OWNER = "experimental.tenancy.kcp.io/owner"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_PARENT_PATHS = 1024  # parent cluster -> its path; a cluster's path never changes


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


def _status_patch(status: dict[str, Any]) -> dict[str, Any]:
    """A merge patch setting phase and initializers exactly (null removes an empty list)."""
    return {"status": {"phase": status["phase"], "initializers": status.get("initializers") or None}}


class WorkspaceLifecycle:
    def __init__(self, client: Client, external_url: str, workers: int = 16) -> None:
        self.client = client
        self.external_url = external_url.rstrip("/")
        every = client.cluster("*")
        self.workspaces = Informer(every, WORKSPACES, keep=_in_transition, transform=drop_managed_fields)
        self.clusters = Informer(every, LOGICALCLUSTERS, keep=_in_transition, transform=drop_managed_fields)
        self.types = Informer(every, WORKSPACETYPES, transform=drop_managed_fields)
        self._parent_paths: OrderedDict[str, str] = OrderedDict()  # bounded LRU, parents only
        self.controller = Controller("workspace", self.reconcile, workers)
        self.controller.watch(self.workspaces)
        self.controller.watch(self.clusters, self._owner_of)
        self.controller.watch(self.types, lambda _: None)  # read on schedule, never reconciled

    def _owner_of(self, key: ObjectKey) -> ObjectKey | None:
        """A LogicalCluster change concerns the Workspace that owns it, once that shows its cluster.

        Until the cached Workspace has `spec.cluster`, its own update (which named the cluster) is
        still on its way and will queue it; reconciling before that would act on a stale copy.
        """
        lc = self.clusters.get(key)
        owner = ((lc or {}).get("spec") or {}).get("owner") or {}
        if not (owner.get("cluster") and owner.get("name")):
            return None
        ws_key = ObjectKey(owner["cluster"], "", owner["name"])
        ws = self.workspaces.get(ws_key)
        return ws_key if ws is not None and (ws.get("spec") or {}).get("cluster") else None

    async def reconcile(self, key: ObjectKey) -> Result:
        ws = self.workspaces.get(key)
        if ws is None:
            return Result()
        parent = self.client.cluster(key.cluster)
        if ws["metadata"].get("deletionTimestamp"):
            return await self._delete(parent, ws)
        try:
            if not (ws.get("spec") or {}).get("cluster"):
                ws = await self._schedule(parent, key, ws)
            lc = self.clusters.get(ObjectKey(ws["spec"]["cluster"], "", "cluster"))
            if (ws.get("status") or {}).get("phase", "Scheduling") == "Scheduling" and not (
                (lc or {}).get("status") or {}
            ).get("phase"):
                lc = await self._initialize(parent, key, ws)
                if lc is None:
                    return Result()
            return await self._mirror(parent, ws, lc)
        except Conflict:
            return Result(requeue_after=1.0)  # our cache was behind: the newer event queues us again

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
            wt = await self._type(path, name)
            spec = wt.get("spec") or {}
            if spec.get("initializer"):
                out.append(f"{path}:{name}")
            stack += [
                (e.get("path") or path, e["name"]) for e in (spec.get("extend") or {}).get("with") or []
            ]
        return sorted(out)

    async def _type(self, path: str, name: str) -> dict[str, Any]:
        """From the cache when the path is a cluster name (root), else (or when not seen yet) a GET."""
        cached = None if ":" in path else self.types.get(ObjectKey(path, "", name))
        return cached if cached is not None else await self.client.cluster(path).get(WORKSPACETYPES, name)

    async def _parent_path(self, parent: ClusterClient, cluster: str) -> str:
        path = self._parent_paths.get(cluster)
        if path is None:
            parent_lc = await parent.get(LOGICALCLUSTERS, "cluster")
            path = str(parent_lc["metadata"].get("annotations", {}).get("kcp.io/path", cluster))
            self._parent_paths[cluster] = path
            if len(self._parent_paths) > _PARENT_PATHS:
                self._parent_paths.popitem(last=False)
        else:
            self._parent_paths.move_to_end(cluster)
        return path

    async def _schedule(self, parent: ClusterClient, key: ObjectKey, ws: dict[str, Any]) -> dict[str, Any]:
        """Pick the cluster name first and record it, so a retry never mints a second cluster."""
        parent_path = await self._parent_path(parent, key.cluster)
        ws = {**ws, "spec": {**ws["spec"]}, "metadata": {**ws["metadata"]}}  # the cache's copy stays
        ws["spec"]["cluster"] = new_cluster_name()
        ws["spec"]["URL"] = f"{self.external_url}/clusters/{parent_path}:{key.name}"
        finalizers = list(ws["metadata"].get("finalizers") or [])
        if FINALIZER not in finalizers:
            ws["metadata"]["finalizers"] = [*finalizers, FINALIZER]
        return await parent.update(WORKSPACES, ws)

    async def _initialize(
        self, parent: ClusterClient, key: ObjectKey, ws: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Create the LogicalCluster (idempotently), bind the owner, and move both to Initializing.

        Returns the cluster instead when it had been initialized already (our cache was behind), so
        the workspace mirrors its real phase and never steps back to Initializing.
        """
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
        try:
            lc = await child.create(
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
        except AlreadyExists:
            lc = await child.get(LOGICALCLUSTERS, "cluster")
            if (lc.get("status") or {}).get("phase"):
                return lc
        if owner_json:  # before the phase: a cluster with a phase has its owner bound
            await self._bind_owner(child, owner_json)
        await child.patch(
            LOGICALCLUSTERS,
            "cluster",
            {"status": {"phase": "Initializing", "initializers": initializers, "URL": ws["spec"]["URL"]}},
            subresource="status",
        )
        await parent.patch(
            WORKSPACES,
            key.name,
            _status_patch({"phase": "Initializing", "initializers": initializers}),
            subresource="status",
        )
        return None

    async def _bind_owner(self, child: ClusterClient, owner_json: str) -> None:
        owner = orjson.loads(owner_json)
        with contextlib.suppress(AlreadyExists):
            await child.create(CLUSTERROLEBINDINGS, workspace_admin_binding(owner["username"]))

    async def _mirror(self, parent: ClusterClient, ws: dict[str, Any], lc: dict[str, Any] | None) -> Result:
        """The workspace shows its cluster's phase; a cluster with no initializers left becomes Ready."""
        child = self.client.cluster(ws["spec"]["cluster"])
        if lc is None:  # Ready clusters are not cached
            try:
                lc = await child.get(LOGICALCLUSTERS, "cluster")
            except NotFound:
                return Result(requeue_after=1.0)
        status = lc.get("status") or {}
        initializers = list(status.get("initializers") or [])
        if status.get("phase") == "Initializing" and not initializers:
            await child.patch(
                LOGICALCLUSTERS, "cluster", {"status": {"phase": "Ready"}}, subresource="status"
            )
            status = {**status, "phase": "Ready"}
        wanted = {"phase": status.get("phase", "Initializing"), "initializers": initializers}
        current = ws.get("status") or {}
        if current.get("phase") != wanted["phase"] or list(current.get("initializers") or []) != initializers:
            await parent.patch(
                WORKSPACES, ws["metadata"]["name"], _status_patch(wanted), subresource="status"
            )
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
