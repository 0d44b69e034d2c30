"""Workspace lifecycle after creation: mirror its logical cluster's phase, delete it with all it holds
once its terminators are done.

The create request itself makes a workspace's cluster (registry/tenancy/scheduling.py), Ready at once
unless its type has initializers of its own. For those, this controller takes the cluster to Ready
once its initializers are gone and mirrors phase and initializers onto the Workspace. Two informers
across every logical cluster, which the server sends only objects whose phase label is not Ready
(deletion makes it Deleting), each keeping only objects in transition: Ready, idle workspaces cost
no memory here, and a new Ready workspace no event. Status is merge-patched to the wanted value (the server
stores nothing when that changes nothing), so a step repeated from a stale cache does no harm.
"""

from __future__ import annotations

import contextlib
from typing import Any

from kcp.apimachinery.errors import Conflict, NotFound
from kcp.apimachinery.meta import initialized
from kcp.apimachinery.user import username_only
from kcp.sdk import GVR, Client, Controller, Informer, ObjectKey, Result
from kcp.sdk.client import ClusterClient, discover
from kcp.sdk.informer import drop_managed_fields

WORKSPACES = GVR("tenancy.kcp.io", "v1alpha1", "workspaces")
LOGICALCLUSTERS = GVR("core.kcp.io", "v1alpha1", "logicalclusters")
CRDS = GVR("apiextensions.k8s.io", "v1", "customresourcedefinitions")
NAMESPACES = GVR("", "v1", "namespaces")
FINALIZER = "core.kcp.io/logicalcluster"
DELETION_FINALIZER = "core.kcp.io/logicalcluster-deletion"
PHASE_LABEL = "tenancy.kcp.io/phase"
OWNER_ANNOTATION = "experimental.tenancy.kcp.io/owner"


def _in_transition(obj: dict[str, Any]) -> bool:
    return (obj.get("status") or {}).get("phase") != "Ready" or bool(obj["metadata"].get("deletionTimestamp"))


def _status_patch(status: dict[str, Any]) -> dict[str, Any]:
    """A merge patch setting phase, initializers, terminators and conditions exactly (null removes an
    empty list)."""
    return {
        "status": {
            "phase": status["phase"],
            "initializers": status.get("initializers") or None,
            "terminators": status.get("terminators") or None,
            "conditions": status["conditions"],
        }
    }


async def forget_owner_details(client: ClusterClient, gvr: GVR, obj: dict[str, Any]) -> None:
    """kcp keeps only the username in a Ready workspace's (and its cluster's) owner annotation."""
    owner = (obj["metadata"].get("annotations") or {}).get(OWNER_ANNOTATION)
    if owner is not None and username_only(owner) != owner:
        patch = {"metadata": {"annotations": {OWNER_ANNOTATION: username_only(owner)}}}
        await client.patch(gvr, obj["metadata"]["name"], patch)


class WorkspaceLifecycle:
    def __init__(self, client: Client, workers: int = 16) -> None:
        self.client = client
        every = client.cluster("*")
        busy = f"{PHASE_LABEL}!=Ready"  # Ready ones are not even sent: most of a workspace's events
        self.workspaces = Informer(
            every, WORKSPACES, keep=_in_transition, transform=drop_managed_fields, label_selector=busy
        )
        self.clusters = Informer(
            every, LOGICALCLUSTERS, keep=_in_transition, transform=drop_managed_fields, label_selector=busy
        )
        self.controller = Controller("workspace", self.reconcile, workers)
        self.controller.watch(self.workspaces)
        self.controller.watch(self.clusters, self._owner_of)

    def _owner_of(self, key: ObjectKey) -> ObjectKey | None:
        """A LogicalCluster change concerns the Workspace that owns it, once that is in the cache.

        The cluster is written before its Workspace, so its first events come before the Workspace
        exists; the Workspace's own event queues it then.
        """
        lc = self.clusters.get(key)
        owner = ((lc or {}).get("spec") or {}).get("owner") or {}
        if not (owner.get("cluster") and owner.get("name")):
            return None
        ws_key = ObjectKey(owner["cluster"], "", owner["name"])
        return ws_key if self.workspaces.get(ws_key) is not None else None

    async def reconcile(self, key: ObjectKey) -> Result:
        ws = self.workspaces.get(key)
        if ws is None:
            return Result()
        parent = self.client.cluster(key.cluster)
        if ws["metadata"].get("deletionTimestamp"):
            return await self._delete(parent, ws)
        cluster = (ws.get("spec") or {}).get("cluster")
        if not cluster:
            return Result()  # the create request names the cluster; without one there is nothing to mirror
        try:
            return await self._mirror(parent, ws, self.clusters.get(ObjectKey(cluster, "", "cluster")))
        except Conflict:
            return Result(requeue_after=1.0)  # our cache was behind: the newer event queues us again

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
        current = ws.get("status") or {}
        wanted = {
            "phase": status.get("phase", "Initializing"),
            "initializers": initializers,
            "terminators": list(status.get("terminators") or []),
            "conditions": initialized(list(current.get("conditions") or []), initializers),
        }
        if any(current.get(k) != wanted[k] for k in ("phase", "conditions")) or any(
            list(current.get(k) or []) != wanted[k] for k in ("initializers", "terminators")
        ):
            await parent.patch(
                WORKSPACES, ws["metadata"]["name"], _status_patch(wanted), subresource="status"
            )
        if wanted["phase"] == "Ready":
            await forget_owner_details(child, LOGICALCLUSTERS, lc)
            await forget_owner_details(parent, WORKSPACES, ws)
        return Result()

    async def _delete(self, parent: ClusterClient, ws: dict[str, Any]) -> Result:
        """Mark the logical cluster deleted, and wait while terminators remain (the workspace says
        Terminating meanwhile, and they work through the terminating view with its content intact);
        then empty it (child workspaces first, CRDs last), release it, and release the workspace."""
        cluster_name = str((ws.get("spec") or {}).get("cluster") or "")
        child = self.client.cluster(cluster_name) if cluster_name else None
        lc = await self._mark(child, cluster_name) if child is not None else None
        terminators = list(((lc or {}).get("status") or {}).get("terminators") or [])
        await self._show_deletion(parent, ws, terminators)
        if terminators:
            return Result()  # a terminator leaving changes the cluster, which queues this again
        if child is not None:
            if await self._empty(child):
                return Result(requeue_after=0.2)
            if not await self._release(child):
                return Result(requeue_after=1.0)
        fresh = await parent.get(WORKSPACES, ws["metadata"]["name"])
        fresh["metadata"]["finalizers"] = [
            f for f in fresh["metadata"].get("finalizers") or [] if f != FINALIZER
        ]
        await parent.update(WORKSPACES, fresh)
        return Result()

    async def _mark(self, child: ClusterClient, cluster_name: str) -> dict[str, Any] | None:
        """The cluster, marked for deletion (its finalizers hold it); None once it is gone."""
        lc = self.clusters.get(ObjectKey(cluster_name, "", "cluster"))
        if lc is not None and lc["metadata"].get("deletionTimestamp"):
            return lc
        try:
            marked = await child.delete(LOGICALCLUSTERS, "cluster")
        except NotFound:
            return None
        meta = (marked.get("metadata") or {}) if isinstance(marked, dict) else {}
        held = meta.get("deletionTimestamp") and meta.get("finalizers")
        return marked if held else None  # one made without finalizers is gone at once

    async def _show_deletion(self, parent: ClusterClient, ws: dict[str, Any], terminators: list[str]) -> None:
        """kcp's phases while a workspace goes: Terminating while terminators remain, then Deleting
        (never Ready with a deletionTimestamp), with the terminators mirrored."""
        status = ws.get("status") or {}
        phase = "Terminating" if terminators else "Deleting"
        if status.get("phase") == phase and list(status.get("terminators") or []) == terminators:
            return
        with contextlib.suppress(NotFound):
            await parent.patch(
                WORKSPACES,
                ws["metadata"]["name"],
                {"status": {"phase": phase, "terminators": terminators or None}},
                subresource="status",
            )

    async def _release(self, child: ClusterClient) -> bool:
        """Drop the cluster's deletion finalizer, so it goes; True once it is gone."""
        try:
            lc = await child.get(LOGICALCLUSTERS, "cluster")
            meta = lc["metadata"]
            left = [f for f in meta.get("finalizers") or [] if f != DELETION_FINALIZER]
            if left == list(meta.get("finalizers") or []):
                return False  # held by someone else: look again later
            patch = {"metadata": {"resourceVersion": meta["resourceVersion"], "finalizers": left or None}}
            await child.patch(LOGICALCLUSTERS, "cluster", patch)
        except NotFound:
            return True
        except Conflict:
            return False
        return not left

    async def _empty(self, cluster: ClusterClient) -> bool:
        """Delete what is left; True while anything remains (the caller comes back later)."""
        try:
            served = await discover(cluster)
        except NotFound:
            return False
        # namespaces before what they hold: once terminating, their default ServiceAccount and
        # kube-root-ca.crt are no longer put back when deleted (registry/namespacecontent.py)
        order = sorted(served, key=lambda s: (s.gvr != WORKSPACES, s.gvr != NAMESPACES, s.gvr == CRDS))
        remaining = False
        for res in order:
            if "list" not in res.verbs or "delete" not in res.verbs or res.gvr == LOGICALCLUSTERS:
                continue  # the cluster itself is released last, by _release
            items = (await cluster.list(res.gvr)).get("items", [])
            if not items:
                continue
            remaining = True
            for item in items:
                meta = item["metadata"]
                if meta.get("deletionTimestamp"):
                    continue
                with contextlib.suppress(NotFound):
                    await cluster.delete(res.gvr, meta["name"], meta.get("namespace", ""))
            if res.gvr in (WORKSPACES, CRDS):
                return True  # children and custom resources go before what they depend on
        return remaining
