"""Namespace deletion: empty a terminating namespace, then drop its `kubernetes` finalizer.

One informer over namespaces in every logical cluster, keeping only terminating ones in memory.
"""

from __future__ import annotations

import contextlib
from typing import Any

from kcp.apimachinery.errors import NotFound
from kcp.sdk import GVR, Client, Controller, Informer, ObjectKey, Result
from kcp.sdk.client import discover

NAMESPACES = GVR("", "v1", "namespaces")
FINALIZER = "kubernetes"
WAITING = 1.0  # seconds between looks while content waits on its own finalizers


def _terminating(obj: dict[str, Any]) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


class NamespaceDeletion:
    def __init__(self, client: Client, workers: int = 2) -> None:
        self.client = client
        self.informer = Informer(client.cluster("*"), NAMESPACES, keep=_terminating)
        self.controller = Controller("namespace-deletion", self.reconcile, workers)
        self.controller.watch(self.informer)

    async def reconcile(self, key: ObjectKey) -> Result:
        ns = self.informer.get(key)
        if ns is None or FINALIZER not in ((ns.get("spec") or {}).get("finalizers") or []):
            return Result()
        cluster = self.client.cluster(key.cluster)
        remaining, deleted = 0, 0
        for served in await discover(cluster):
            if not served.namespaced or "list" not in served.verbs or "delete" not in served.verbs:
                continue
            listing = await cluster.list(served.gvr, key.name)
            for item in listing.get("items", []):
                remaining += 1
                if not item["metadata"].get("deletionTimestamp"):
                    deleted += 1
                    with contextlib.suppress(NotFound):
                        await cluster.delete(served.gvr, item["metadata"]["name"], key.name)
        if remaining:  # soon after deleting; slower while only others' finalizers hold things up
            return Result(requeue_after=0.2 if deleted else WAITING)
        try:
            current = await cluster.get(NAMESPACES, key.name)
        except NotFound:
            return Result()
        spec = current.setdefault("spec", {})
        spec["finalizers"] = [f for f in spec.get("finalizers") or [] if f != FINALIZER]
        await cluster.update(NAMESPACES, current, subresource="finalize")
        return Result()
