"""Namespace deletion: empty a terminating namespace, then drop its `kubernetes` finalizer.

One informer over namespaces in every logical cluster, sent only terminating ones: a namespace's
delete sets its phase to Terminating with its deletionTimestamp, so a new namespace (two with each
workspace) costs this controller no event.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from typing import Any

from kcp.apimachinery.errors import NotFound
from kcp.apimachinery.meta import set_condition
from kcp.sdk import GVR, Client, ClusterClient, Controller, Informer, ObjectKey, Result
from kcp.sdk.client import discover

NAMESPACES = GVR("", "v1", "namespaces")
FINALIZER = "kubernetes"
WAITING = 1.0  # seconds between looks while content waits on its own finalizers


def _terminating(obj: dict[str, Any]) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


class NamespaceDeletion:
    def __init__(self, client: Client, workers: int = 2) -> None:
        self.client = client
        self.informer = Informer(
            client.cluster("*"), NAMESPACES, keep=_terminating, field_selector="status.phase=Terminating"
        )
        self.controller = Controller("namespace-deletion", self.reconcile, workers)
        self.controller.watch(self.informer)

    async def reconcile(self, key: ObjectKey) -> Result:
        ns = self.informer.get(key)
        if ns is None or FINALIZER not in ((ns.get("spec") or {}).get("finalizers") or []):
            return Result()
        cluster = self.client.cluster(key.cluster)
        remaining: Counter[str] = Counter()  # group-resource -> objects left
        holding: Counter[str] = Counter()  # finalizer -> objects it holds
        deleted = 0
        seen: set[tuple[str, str]] = set()
        for served in await discover(cluster):  # each group's preferred version comes first
            if not served.namespaced or "list" not in served.verbs or "delete" not in served.verbs:
                continue
            if (served.gvr.group, served.gvr.resource) in seen:
                continue  # one resource through another version: the same objects, counted once
            seen.add((served.gvr.group, served.gvr.resource))
            listing = await cluster.list(served.gvr, key.name)
            group = served.gvr.group
            for item in listing.get("items", []):
                remaining[served.gvr.resource + (f".{group}" if group else "")] += 1
                holding.update(item["metadata"].get("finalizers") or [])
                if not item["metadata"].get("deletionTimestamp"):
                    deleted += 1
                    with contextlib.suppress(NotFound):
                        await cluster.delete(served.gvr, item["metadata"]["name"], key.name)
        if remaining:  # soon after deleting; slower while only others' finalizers hold things up
            await self._report(cluster, ns, remaining, holding)
            return Result(requeue_after=0.2 if deleted else WAITING)
        try:
            current = await cluster.get(NAMESPACES, key.name)
        except NotFound:
            return Result()
        spec = current.setdefault("spec", {})
        spec["finalizers"] = [f for f in spec.get("finalizers") or [] if f != FINALIZER]
        await cluster.update(NAMESPACES, current, subresource="finalize")
        return Result()

    @staticmethod
    async def _report(
        cluster: ClusterClient, ns: dict[str, Any], remaining: Counter[str], holding: Counter[str]
    ) -> None:
        """kube's deletion conditions, so `kubectl describe ns` tells what a namespace waits for."""
        left = ", ".join(f"{gr} has {n} resource instances" for gr, n in sorted(remaining.items()))
        held = ", ".join(f"{f} in {n} resource instances" for f, n in sorted(holding.items()))
        wanted = [
            (
                "NamespaceDeletionDiscoveryFailure",
                "False",
                "ResourcesDiscovered",
                "All resources successfully discovered",
            ),
            (
                "NamespaceDeletionGroupVersionParsingFailure",
                "False",
                "ParsedGroupVersions",
                "All legacy kube types successfully parsed",
            ),
            (
                "NamespaceDeletionContentFailure",
                "False",
                "ContentDeleted",
                "All content successfully deleted, may be waiting on finalization",
            ),
            (
                "NamespaceContentRemaining",
                "True",
                "SomeResourcesRemain",
                f"Some resources are remaining: {left}",
            ),
            (
                "NamespaceFinalizersRemaining",
                "True" if held else "False",
                "SomeFinalizersRemain" if held else "ContentHasNoFinalizers",
                f"Some content in the namespace has finalizers remaining: {held}"
                if held
                else "All content-preserving finalizers finished",
            ),
        ]
        existing = (ns.get("status") or {}).get("conditions") or []
        conditions = existing
        for kind, status, reason, message in wanted:
            conditions = set_condition(conditions, kind, status, reason, message)
        if conditions != existing:
            with contextlib.suppress(NotFound):
                await cluster.patch(
                    NAMESPACES,
                    ns["metadata"]["name"],
                    {"status": {"conditions": conditions}},
                    subresource="status",
                )
