"""WorkspaceType status as kcp's workspacetype controller keeps it: where the type's initializer and
terminator work (the lifecycle views' URLs on this shard), and the conditions saying so.

kcp lists both views for every type, whether or not it declares an initializer or terminator: a type
extended by others serves them through its own name too. The informer keeps only the types whose status
is not yet right for this shard (none, or views under another address), so memory stays with the work
to do; keeping those is also what queues them from its list at start (the bootstrap types in root, or
every type after a restart on a new address), as an informer that kept nothing never heard of them.
"""

from __future__ import annotations

from typing import Any

from kcp.apimachinery.errors import NotFound
from kcp.apimachinery.meta import set_condition
from kcp.sdk import GVR, Client, Controller, Informer, ObjectKey, Result

WORKSPACETYPES = GVR("tenancy.kcp.io", "v1alpha1", "workspacetypes")
CLUSTER_ANNOTATION = "kcp.io/cluster"
VIEWS = (("initializing", "initializingworkspaces"), ("terminating", "terminatingworkspaces"))
READY = frozenset(["Ready", "VirtualWorkspaceURLsReady"])


def virtual_workspaces(base_url: str, cluster: str, type_name: str) -> list[dict[str, str]]:
    """The view URLs of the type `type_name` in logical cluster `cluster`, named as kcp names its
    initializer and terminator: `<logical cluster name>:<type>` (`root:universal`; never a path)."""
    base = base_url.rstrip("/")
    return [
        {"url": f"{base}/services/{service}/{cluster}:{type_name}", "type": kind} for kind, service in VIEWS
    ]


def ready_conditions(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """VirtualWorkspaceURLsReady, and kcp's Ready summary of it, Ready first as kcp orders them."""
    conditions = set_condition(conditions, "VirtualWorkspaceURLsReady", "True")
    conditions = set_condition(conditions, "Ready", "True")
    return sorted(conditions, key=lambda c: (c.get("type") != "Ready", c.get("type", "")))


def needs_status(wt: dict[str, Any], base_url: str) -> bool:
    """Whether a type's status lacks this shard's view URLs or its Ready conditions."""
    status = wt.get("status") or {}
    cluster = (wt["metadata"].get("annotations") or {}).get(CLUSTER_ANNOTATION, "")
    wanted = virtual_workspaces(base_url, cluster, wt["metadata"]["name"])
    true = {c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"}
    return status.get("virtualWorkspaces") != wanted or not true >= READY


class WorkspaceTypeStatus:
    def __init__(self, client: Client, base_url: str, workers: int = 2) -> None:
        """`base_url`: this shard's URL, under which its views are served."""
        self.client = client
        self.base_url = base_url
        self.informer = Informer(
            client.cluster("*"), WORKSPACETYPES, keep=lambda wt: needs_status(wt, base_url)
        )
        self.controller = Controller("workspacetype-status", self.reconcile, workers)
        self.controller.watch(self.informer)

    async def reconcile(self, key: ObjectKey) -> Result:
        cluster = self.client.cluster(key.cluster)
        try:
            wt = await cluster.get(WORKSPACETYPES, key.name)
        except NotFound:
            return Result()  # gone: nothing to show
        status = wt.get("status") or {}
        wanted = {
            "virtualWorkspaces": virtual_workspaces(self.base_url, key.cluster, key.name),
            "conditions": ready_conditions(list(status.get("conditions") or [])),
        }
        if any(status.get(k) != v for k, v in wanted.items()):
            patch = {"metadata": {"resourceVersion": wt["metadata"]["resourceVersion"]}, "status": wanted}
            try:
                await cluster.patch(WORKSPACETYPES, key.name, patch, subresource="status")
            except NotFound:
                return Result()
        return Result()
