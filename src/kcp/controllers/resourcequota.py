"""ResourceQuota status: recount what each quota limits, as kube's resource quota controller does.

Admission keeps `status.used` exact as objects come and go; this catches what it cannot see: objects
the server makes itself (a namespace's kube-root-ca.crt), a crash between a charge and its write, a
status someone rewrote. A quota is recounted when its status.hard is not its spec.hard, and every
`RESYNC` seconds (kube's --resource-quota-sync-period). Counting is a list of one item per name, whose
remainingItemCount the server answers from an index. The status is written with the quota's
resourceVersion: a charge meanwhile makes it a conflict, and the recount runs again.
One informer over quotas in every logical cluster; no per-workspace tasks.
"""

from __future__ import annotations

import time
from typing import Any

from kcp.apimachinery import quantity
from kcp.apimachinery.errors import Conflict, NotFound
from kcp.apimachinery.quotanames import counted, scoped
from kcp.sdk import GVR, Client, ClusterClient, Controller, Informer, ObjectKey, Result
from kcp.sdk.informer import drop_managed_fields

RESOURCEQUOTAS = GVR("", "v1", "resourcequotas")
RESYNC = 300.0


class ResourceQuotaStatus:
    def __init__(self, client: Client, workers: int = 2, resync: float = RESYNC) -> None:
        self.client = client
        self.resync = resync
        self.informer = Informer(client.cluster("*"), RESOURCEQUOTAS, transform=drop_managed_fields)
        self.controller = Controller("resourcequota", self.reconcile, workers)
        self.controller.watch(self.informer)
        self._counted_at: dict[ObjectKey, float] = {}  # one entry per quota: when it was last recounted

    async def reconcile(self, key: ObjectKey) -> Result:
        quota = self.informer.get(key)
        if quota is None:
            self._counted_at.pop(key, None)
            return Result()
        spec_hard = (quota.get("spec") or {}).get("hard") or {}
        due = time.monotonic() - self._counted_at.get(key, float("-inf")) >= self.resync
        if not due and (quota.get("status") or {}).get("hard") == spec_hard:
            return Result()  # a charge or our own write: admission keeps used exact in between
        cluster = self.client.cluster(key.cluster)
        try:
            fresh = await cluster.get(RESOURCEQUOTAS, key.name, key.namespace)
            wanted = {
                "hard": dict((fresh.get("spec") or {}).get("hard") or {}),
                "used": await _usage(cluster, key.namespace, fresh),
            }
            if fresh.get("status") != wanted:
                fresh["status"] = wanted
                await cluster.update(RESOURCEQUOTAS, fresh, key.namespace, subresource="status")
        except NotFound:
            return Result()
        except Conflict:  # charged meanwhile: count again
            return Result(requeue_after=0.1)
        self._counted_at[key] = time.monotonic()
        return Result(requeue_after=self.resync)


async def _usage(cluster: ClusterClient, namespace: str, quota: dict[str, Any]) -> dict[str, str]:
    """Each name of spec.hard counted now; names not counted here (cpu, pods…) use 0."""
    versions: dict[str, str] = {"": "v1"}
    used: dict[str, str] = {}
    for name in (quota.get("spec") or {}).get("hard") or {}:
        target = None if scoped(quota) else counted(name)
        n = 0
        if target is not None:
            group, resource = target
            if group not in versions:
                versions[group] = await _preferred_version(cluster, group)
            if versions[group]:
                n = await _count(cluster, GVR(group, versions[group], resource), namespace)
        used[name] = str(quantity.count(n))
    return used


async def _preferred_version(cluster: ClusterClient, group: str) -> str:
    """The group's preferred version; "" when the cluster does not serve the group."""
    try:
        found: dict[str, Any] = await cluster.client.request("GET", f"/clusters/{cluster.path}/apis/{group}")
    except NotFound:
        return ""
    return str((found.get("preferredVersion") or {}).get("version") or "")


async def _count(cluster: ClusterClient, gvr: GVR, namespace: str) -> int:
    """How many objects a namespace holds: one item and the server's count of the rest."""
    try:
        page = await cluster.list(gvr, namespace, limit="1")
    except NotFound:
        return 0
    return len(page.get("items") or []) + int(page["metadata"].get("remainingItemCount") or 0)
