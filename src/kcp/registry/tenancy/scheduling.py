"""A new workspace gets its logical cluster, owner binding and built-in content in its own POST.

kcp schedules in controllers after the Workspace is stored: an update naming the cluster, the
LogicalCluster, the owner's binding, the `root:universal` initializer's namespaces and two phase
changes, each a round trip through the API. Here the create request does that work in-process: the
Workspace, carrying the phase its cluster has, is written in one transaction with the LogicalCluster
and what it holds. So a stored Workspace always points at a whole cluster, and a crash leaves either
all of it or nothing: no Workspace stuck half made, no cluster nothing points at. Built-in initializers
(`root:universal`: the `default` and `kube-system` namespaces; the default ClusterRoles are global
policy, not copied, as in kcp) are done here; types with initializers of their own still pass through
Initializing, and their controllers finish them through the initializing-workspaces virtual workspace.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import os
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson

from kcp.apimachinery.errors import AlreadyExists
from kcp.apimachinery.labels import selector_from_dict
from kcp.apimachinery.meta import initialized, set_condition
from kcp.apimachinery.user import SYSTEM_MASTERS, UserInfo, username_only
from kcp.auth.bootstrap_policy import workspace_admin_binding
from kcp.logicalcluster import ClusterName
from kcp.registry.options import RequestScope, WriteOptions
from kcp.registry.store import create_new, stand_in
from kcp.registry.strategy import Companions, Object
from kcp.registry.tenancy.kinds import (
    CLUSTER_ANNOTATION,
    DELETION_FINALIZER,
    LOGICALCLUSTER_NAME,
    LOGICALCLUSTERS,
    OWNER_ANNOTATION,
    PATH_ANNOTATION,
    PHASE_LABEL,
    TENANCY,
    TYPE_ANNOTATION,
    WORKSPACE_FINALIZER,
    WORKSPACES,
    type_reference,
)
from kcp.storage import KeyExists

if TYPE_CHECKING:
    from kcp.registry.namespacecontent import NamespaceContent
    from kcp.registry.store import Store
    from kcp.registry.tenancy.admission import TenancyAdmission, TypeRef

UNIVERSAL = "root:universal"
UNIVERSAL_NAMESPACES = ("default", "kube-system")
RBAC = "rbac.authorization.k8s.io"
SYSTEM = UserInfo("system:kcp:logical-cluster-admin", groups=(SYSTEM_MASTERS,))
MANAGER = "kcp-workspace-scheduler"
_OPTS = WriteOptions(field_manager=MANAGER)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_NAME_KEY = os.urandom(32)  # once per process: names from one process never repeat, nor can be guessed
_NAMES = itertools.count()
SHARD_LABELS = {"name": "root"}  # kcp's shard labels itself with its name; this server is shard `root`

Stores = Callable[[str, str, str], "Store"]


def new_cluster_name() -> str:
    """16 base36 characters of a keyed hash, as random as kcp's names without a getrandom() system
    call per workspace: that call lets the storage threads take the interpreter lock from the loop."""
    digest = hashlib.blake2b(next(_NAMES).to_bytes(8, "big"), key=_NAME_KEY, digest_size=16).digest()
    n = int.from_bytes(digest, "big")
    out = []
    for _ in range(16):
        n, r = divmod(n, 36)
        out.append(_BASE36[r])
    return "".join(out)


def initializers_of(closure: dict[TypeRef, Object]) -> list[str]:
    """One initializer per type in the extension closure that declares `initializer: true`."""
    return _declaring(closure, "initializer")


def terminators_of(closure: dict[TypeRef, Object]) -> list[str]:
    """One terminator per type in the extension closure that declares `terminator: true`."""
    return _declaring(closure, "terminator")


def _declaring(closure: dict[TypeRef, Object], field: str) -> list[str]:
    """`<logical cluster>:<type>` of each type whose spec sets `field`, in the closure's order (kcp's
    InitializerForType: the cluster's name, `root` for root's types, not a path)."""
    return [
        type_reference(
            ((obj.get("metadata") or {}).get("annotations") or {}).get(CLUSTER_ANNOTATION) or ref[0], ref[1]
        )
        for ref, obj in closure.items()
        if (obj.get("spec") or {}).get(field)
    ]


async def seed_content(
    stores: Stores,
    cluster: ClusterName,
    namespaces: Iterable[str],
    user: UserInfo,
    cluster_roles: Iterable[Object] = (),
) -> None:
    """Namespaces (and ClusterRoles), written side by side so they share one commit.

    Existing objects are left alone.
    """
    scope = RequestScope(cluster, "", user)
    wanted: list[tuple[Store, Object]] = [
        (stores("", "v1", "namespaces"), {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}})
        for n in namespaces
    ]
    wanted += [(stores(RBAC, "v1", "clusterroles"), role) for role in cluster_roles]
    await asyncio.gather(*(_create(store, scope, obj) for store, obj in wanted))


async def _create(store: Store, scope: RequestScope, obj: Object) -> None:
    with contextlib.suppress(AlreadyExists):
        await store.create(scope, obj, _OPTS)


def _with_stand_ins(lc: Object) -> dict[str, str]:
    """What makes a new cluster unlike the others of its type and owner (its path, its Workspace,
    its URL), each swapped for a stand-in (store.py's fixed_entry); returns the fills."""
    fills: dict[str, str] = {}
    annotations = lc["metadata"].get("annotations") or {}
    owner = lc["spec"].get("owner") or {}
    for name, holder, field in (
        ("path", annotations, PATH_ANNOTATION),
        ("url", lc["status"], "URL"),
        *((f"owner-{field}", owner, field) for field in ("name", "cluster", "uid")),
    ):
        if isinstance(holder.get(field), str):
            fills[name] = holder[field]
            holder[field] = stand_in(name)
    return fills


def _unschedulable(selector: Any) -> str:
    """Why no shard takes a workspace with this location selector ("" when this shard does). This
    server is kcp's one shard, `root`, labelled `name=root` as kcp's shards label themselves."""
    if not selector:
        return ""
    try:
        matches = selector_from_dict(selector).matches(SHARD_LABELS)
    except ValueError as e:
        return f"spec.location.selector is invalid: {e}"
    return "" if matches else "No available shards to schedule the workspace."


class WorkspaceScheduler:
    """`external_url` (the server's URL, known once it listens) is written into `spec.URL`."""

    def __init__(
        self,
        stores: Stores,
        admission: TenancyAdmission,
        content: NamespaceContent | None = None,
        external_url: str = "",
    ) -> None:
        """`content`: what each of a new cluster's namespaces holds (none without it)."""
        self.stores = stores
        self.admission = admission
        self.content = content
        self.external_url = external_url
        self._creating: set[tuple[ClusterName, str]] = set()  # names being created right now only

    @contextlib.asynccontextmanager
    async def schedule(self, scope: RequestScope, ws: Object) -> AsyncIterator[Companions]:
        """Around the write of an admitted Workspace: fill in its spec and status, and yield its cluster
        and content to be written in the Workspace's own transaction.

        A create of a name that exists writes nothing: the transaction fails on the Workspace's key. A
        name another request is creating right now is refused before any work is done for it.
        """
        name = ws["metadata"]["name"]
        parent = ClusterName(str(scope.cluster))
        key = (parent, name)
        if key in self._creating:
            raise AlreadyExists.object(WORKSPACES.resource, TENANCY, name)
        self._creating.add(key)  # before any await, or two could pass the test above together
        try:
            yield await self._make(parent, ws)
        finally:
            self._creating.discard(key)

    async def _make(self, parent: ClusterName, ws: Object) -> Companions:
        """The Workspace's spec and status, and its cluster with what that holds."""
        name = ws["metadata"]["name"]
        parent_path = await self.admission.path_of(parent)
        spec = ws["spec"]
        unschedulable = _unschedulable((spec.get("location") or {}).get("selector"))
        if unschedulable:  # kcp leaves it waiting for a shard that matches: no cluster is made
            ws["status"] = {
                "phase": "Scheduling",
                "conditions": set_condition(
                    [], "WorkspaceScheduled", "False", "Unschedulable", unschedulable, "Error"
                ),
            }
            ws["metadata"].setdefault("labels", {})[PHASE_LABEL] = "Scheduling"
            return []
        type_ref: TypeRef = (spec["type"]["path"], spec["type"]["name"])
        closure = await self.admission.closure(type_ref)
        named = spec.get("cluster")
        cluster = ClusterName(named or new_cluster_name())
        spec["cluster"] = cluster
        spec.setdefault("URL", f"{self.external_url.rstrip('/')}/clusters/{parent_path}:{name}")
        finalizers = ws["metadata"].setdefault("finalizers", [])
        if WORKSPACE_FINALIZER not in finalizers:
            finalizers.append(WORKSPACE_FINALIZER)
        owner = ws["metadata"].get("annotations", {}).get(OWNER_ANNOTATION)
        lc: Object = {
            "apiVersion": f"{LOGICALCLUSTERS.group}/{LOGICALCLUSTERS.version}",
            "kind": LOGICALCLUSTERS.kind,
            "metadata": {
                "name": LOGICALCLUSTER_NAME,
                "finalizers": [DELETION_FINALIZER],  # released once its content is gone
                "annotations": {
                    PATH_ANNOTATION: f"{parent_path}:{name}",
                    TYPE_ANNOTATION: type_reference(*type_ref),
                    **({OWNER_ANNOTATION: owner} if owner else {}),
                },
            },
            "spec": {
                "owner": {
                    "apiVersion": f"{TENANCY}/{WORKSPACES.version}",
                    "resource": WORKSPACES.resource,
                    "name": name,
                    "cluster": parent,
                    "uid": ws["metadata"]["uid"],
                },
                "initializers": initializers_of(closure),
            },
        }
        if terminators := terminators_of(closure):
            lc["spec"]["terminators"] = terminators
        lcs = self._clusters()
        existing = await lcs.storage.get(lcs.key(cluster, "", LOGICALCLUSTER_NAME)) if named else None
        companions: Companions = []
        if existing is not None:  # a cluster named in advance that exists already: it keeps its phase
            lc = lcs.decode(existing)
        else:
            lc, companions = self.cluster_content(cluster, lc, spec["URL"], owner)
        status = lc.get("status") or {}
        ws["status"] = {
            "phase": status.get("phase"),
            **{k: status[k] for k in ("initializers", "terminators") if status.get(k)},
            "conditions": set_condition(
                initialized([], status.get("initializers") or []), "WorkspaceScheduled", "True"
            ),
        }
        ws["metadata"].setdefault("labels", {})[PHASE_LABEL] = status.get("phase")
        if owner and status.get("phase") == "Ready":
            ws["metadata"]["annotations"][OWNER_ANNOTATION] = username_only(owner)
        return companions

    def cluster_content(
        self, cluster: ClusterName, lc: Object, url: str, owner_json: str | None
    ) -> tuple[Object, Companions]:
        """The LogicalCluster with the phase it has once written (Ready when no initializer is left,
        else Initializing with those still to run), and the entries to write: it first, then the
        owner's binding and the built-in initializers' content."""
        remaining = list(lc["spec"].get("initializers") or [])
        scope = RequestScope(cluster, "", SYSTEM)
        content: Companions = []
        if UNIVERSAL in remaining:
            namespaces = self.stores("", "v1", "namespaces")
            for namespace in UNIVERSAL_NAMESPACES:
                obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
                content.append(namespaces.fixed_entry(scope, obj, MANAGER))
                if self.content is not None:
                    content += self.content.entries(cluster, namespace)
            remaining.remove(UNIVERSAL)
        if owner_json:
            owner = orjson.loads(owner_json)
            created_by = {k: owner[k] for k in ("username", "uid", "groups", "extra") if owner.get(k)}
            lc["spec"]["createdBy"] = created_by  # kcp's spec.createdBy: the owner annotation's user
            bindings = self.stores(RBAC, "v1", "clusterrolebindings")
            binding = workspace_admin_binding(owner["username"])
            content.append(bindings.fixed_entry(scope, binding, MANAGER))
        lc["status"] = {
            "phase": "Initializing" if remaining else "Ready",
            "initializers": remaining,
            # as kcp's admission does on entering Initializing: shown from the start, due on deletion
            **({"terminators": lc["spec"]["terminators"]} if lc["spec"].get("terminators") else {}),
            "URL": url,
        }
        annotations = lc["metadata"].get("annotations") or {}
        if not remaining and OWNER_ANNOTATION in annotations:  # Ready: kcp keeps only the username
            annotations[OWNER_ANNOTATION] = username_only(annotations[OWNER_ANNOTATION])
        lcs = self._clusters()
        entry = lcs.fixed_entry(scope, lc, MANAGER, _with_stand_ins(lc))
        return orjson.loads(entry[1]), [entry, *content]

    async def initialize(self, cluster: ClusterName, lc: Object, url: str, owner_json: str | None) -> Object:
        """A cluster no Workspace points at (a home): written with its content in one transaction, or,
        made already by a concurrent request, read as it is."""
        lc, entries = self.cluster_content(cluster, lc, url, owner_json)
        lcs = self._clusters()
        try:
            written = await create_new(lcs.storage, entries)
        except KeyExists:
            return await lcs.get(RequestScope(cluster, "", SYSTEM), LOGICALCLUSTER_NAME)
        return lcs.decode(written[0])

    def _clusters(self) -> Store:
        return self.stores(LOGICALCLUSTERS.group, LOGICALCLUSTERS.version, LOGICALCLUSTERS.resource)
