"""CRD deletion: delete the custom resources, wait for them to go, then drop the cleanup finalizer.

As kube's CRD finalizer controller: a deleted CRD keeps being served (without create) while its
objects are deleted through the API, so their own finalizers run; the `Terminating` condition tells
how far it got. Without this, objects would outlive their CRD and come back with a new one of the
same name. One informer over CRDs in every logical cluster, keeping only terminating ones.
"""

from __future__ import annotations

import contextlib
from typing import Any

from kcp.apimachinery.errors import Conflict, Invalid, NotFound
from kcp.apimachinery.meta import set_condition
from kcp.sdk import GVR, Client, ClusterClient, Controller, Informer, ObjectKey, Result
from kcp.sdk.informer import drop_managed_fields

CRDS = GVR("apiextensions.k8s.io", "v1", "customresourcedefinitions")
FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
RECHECK = 2.0  # seconds between looks at objects still waiting on their own finalizers
IN_PROGRESS = "CustomResource deletion is in progress"
WAITING = "could not confirm zero CustomResources remaining: timed out waiting for the condition"


def _terminating(obj: dict[str, Any]) -> bool:
    meta = obj["metadata"]
    return bool(meta.get("deletionTimestamp")) and FINALIZER in (meta.get("finalizers") or [])


def _condition(crd: dict[str, Any], kind: str) -> dict[str, Any]:
    conditions = (crd.get("status") or {}).get("conditions") or []
    return next((c for c in conditions if c.get("type") == kind), {})


def _served(crd: dict[str, Any]) -> GVR | None:
    """The storage version if served, else any served one: every version lists the same objects."""
    versions = [v for v in crd["spec"].get("versions") or [] if v.get("served")]
    versions.sort(key=lambda v: not v.get("storage"))
    plural = crd["spec"]["names"]["plural"]
    return GVR(crd["spec"]["group"], versions[0]["name"], plural) if versions else None


class CRDCleanup:
    def __init__(self, client: Client, workers: int = 2) -> None:
        self.client = client
        self.informer = Informer(client.cluster("*"), CRDS, keep=_terminating, transform=drop_managed_fields)
        self.controller = Controller("crd-cleanup", self.reconcile, workers)
        self.controller.watch(self.informer)

    async def reconcile(self, key: ObjectKey) -> Result:
        crd = self.informer.get(key)
        if crd is None:
            return Result()
        cluster = self.client.cluster(key.cluster)
        gvr = _served(crd)
        established = _condition(crd, "Established").get("status") == "True"
        if gvr is not None and established:
            if _condition(crd, "Terminating").get("reason") == "InstanceDeletionPending":
                await self._set(cluster, key.name, "True", "InstanceDeletionInProgress", IN_PROGRESS)
            if await self._delete_all(cluster, gvr):
                await self._set(cluster, key.name, "True", "InstanceDeletionCheck", WAITING)
                return Result(requeue_after=RECHECK)
            await self._set(cluster, key.name, "False", "InstanceDeletionCompleted", "removed all instances")
        else:
            await self._set(cluster, key.name, "False", "NeverEstablished", "resource was never established")
        await self._release(cluster, key.name)
        return Result()

    @staticmethod
    async def _delete_all(cluster: ClusterClient, gvr: GVR) -> int:
        """Delete every object not being deleted yet; returns how many still exist."""
        try:
            items = (await cluster.list(gvr)).get("items", [])
        except NotFound:
            return 0
        for item in items:
            meta = item["metadata"]
            if not meta.get("deletionTimestamp"):
                with contextlib.suppress(NotFound):
                    await cluster.delete(gvr, meta["name"], meta.get("namespace", ""))
        if not items:
            return 0
        with contextlib.suppress(NotFound):
            return len((await cluster.list(gvr)).get("items", []))
        return 0

    @staticmethod
    async def _set(cluster: ClusterClient, name: str, status: str, reason: str, message: str) -> None:
        """The Terminating condition as kube's finalizer controller writes it (status subresource)."""
        try:
            crd = await cluster.get(CRDS, name)
        except NotFound:
            return
        existing = (crd.get("status") or {}).get("conditions") or []
        conditions = set_condition(existing, "Terminating", status, reason, message)
        if conditions == existing:
            return
        with contextlib.suppress(NotFound, Conflict):
            await cluster.patch(CRDS, name, {"status": {"conditions": conditions}}, subresource="status")

    @staticmethod
    async def _release(cluster: ClusterClient, name: str) -> None:
        """Drop the finalizer, if the list is still the one read; the CRD then goes."""
        try:
            crd = await cluster.get(CRDS, name)
        except NotFound:
            return
        finalizers = crd["metadata"].get("finalizers") or []
        if FINALIZER not in finalizers:
            return
        kept = [f for f in finalizers if f != FINALIZER]
        with contextlib.suppress(NotFound, Conflict, Invalid):  # changed meanwhile: its event requeues it
            await cluster.patch(
                CRDS,
                name,
                [
                    {
                        "op": "test",
                        "path": "/metadata/resourceVersion",
                        "value": crd["metadata"]["resourceVersion"],
                    },
                    {
                        "op": "replace",
                        "path": "/metadata/finalizers",
                        "value": kept,
                    },
                ],
                content_type="application/json-patch+json",
            )
