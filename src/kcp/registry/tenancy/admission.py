"""Workspace admission as kcp does it: type defaulting, type rules on both sides, `use`, ownership.

- `spec.type` defaults to the parent type's `defaultChildWorkspaceType`; without one, creation fails.
- The parent type must allow the child and the child type must allow the parent; `extend.with` makes a
  type count as each type it extends (union semantics).
- Creating a workspace of a type needs verb `use` on `workspacetypes/<name>` where the type lives.
- Only the system sets `spec.cluster` and `spec.URL`.
- A new workspace gets its type's `additionalWorkspaceLabels`, unless it sets those labels itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

import orjson

from kcp.apimachinery.errors import Forbidden
from kcp.apimachinery.user import UserInfo
from kcp.auth.attributes import Attributes
from kcp.auth.bootstrap_policy import LOGICAL_CLUSTER_ADMIN
from kcp.logicalcluster import ROOT, ClusterName, is_valid_path, object_key, resource_prefix
from kcp.registry.options import RequestScope
from kcp.registry.strategy import Object
from kcp.registry.tenancy.kinds import (
    CLUSTER_ANNOTATION,
    OWNER_ANNOTATION,
    PATH_ANNOTATION,
    TENANCY,
    TYPE_ANNOTATION,
    WORKSPACETYPES,
)
from kcp.registry.tenancy.paths import PathResolver, workspace_key
from kcp.storage.follow import follow

if TYPE_CHECKING:
    from kcp.registry.tenancy.scheduling import WorkspaceScheduler

TypeRef = tuple[str, str]  # (path, name)
_TYPE_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")  # what a WorkspaceType may be named
_MAX_EXTEND_DEPTH = 16
_CACHED_TYPES = 1024
_IDENTITIES_KEPT = 4096


class AccessCheck(Protocol):
    async def allowed(self, attrs: Attributes) -> tuple[bool, str]: ...


def owner_annotation(user: UserInfo) -> str:
    """The creator as kcp's admission records it: authentication/v1 UserInfo, empty fields omitted."""
    extra = {k: list(v) for k, v in user.extra.items()}
    info = {"username": user.name, "uid": user.uid, "groups": list(user.groups), "extra": extra}
    return orjson.dumps({k: v for k, v in info.items() if v}).decode()


def parse_type_annotation(value: str) -> TypeRef | None:
    path, sep, name = value.rpartition(":")
    return (path, name) if sep and path and name else None


def _show(ref: TypeRef) -> str:
    return f"{ref[0]}:{ref[1]}"


def _implements(types: dict[TypeRef, Object]) -> str:
    return "[" + " ".join(sorted(_show(t) for t in types)) + "]"


def _allows(selector: Any, types: Iterable[TypeRef]) -> bool:
    wanted = {(t.get("path") or "", t["name"]) for t in selector.get("types") or []}
    return any(t in wanted for t in types)


def _pair_errors(
    parent_ref: TypeRef, parents: dict[TypeRef, Object], child_ref: TypeRef, children: dict[TypeRef, Object]
) -> list[str]:
    """kcp's checks and words, every broken rule: first each child type's allowed parents, then each
    parent type's allowed children; a type met through `extend` is named with what extends it."""
    errors: list[str] = []
    for own, other, side, other_ref, this_ref in (
        (children, parents, "parent", parent_ref, child_ref),
        (parents, children, "child", child_ref, parent_ref),
    ):
        field = "limitAllowedParents" if side == "parent" else "limitAllowedChildren"
        for ref, obj in own.items():
            selector = (obj.get("spec") or {}).get(field)
            if selector is None:
                continue
            if selector.get("none"):
                errors.append(f"workspace type {_show(this_ref)} cannot have any {side}")
                continue
            if not selector.get("types") or _allows(selector, other):
                continue
            allowed = sorted({":".join(filter(None, (t.get("path"), t["name"]))) for t in selector["types"]})
            extending = f" extends {_show(ref)}, which" if ref != this_ref else ""
            errors.append(
                f"workspace type {_show(this_ref)}{extending} only allows [{' '.join(allowed)}] {side} "
                f"workspaces, but {side} type {_show(other_ref)} only implements {_implements(other)}"
            )
    return errors


class TenancyAdmission:
    def __init__(self, paths: PathResolver, access: AccessCheck) -> None:
        self.paths = paths
        self.access = access
        self.scheduler: WorkspaceScheduler | None = None  # set once the catalog exists
        # WorkspaceTypes are few and read on every workspace create: kept, forgotten on any change
        self._types: OrderedDict[tuple[ClusterName, str], Object | None] = OrderedDict()
        self._changes = 0  # type events seen: a read overtaken by one is not kept
        self._following = False  # kept only while a watch tells of changes
        self._task: asyncio.Task[None] | None = None
        # a cluster's type and path never change while it exists: kept for the parents of new workspaces
        self._identities: OrderedDict[ClusterName, tuple[str, str]] = OrderedDict()

    def start(self) -> None:
        prefix = resource_prefix(WORKSPACETYPES.group, WORKSPACETYPES.resource)
        watching = follow(self.paths.storage, prefix, self._forget_types, self._stop_keeping, self._keep)
        self._task = asyncio.create_task(watching)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _forget_types(self, *_: object) -> None:
        self._changes += 1
        self._types.clear()

    def _keep(self) -> None:
        self._forget_types()
        self._following = True

    def _stop_keeping(self) -> None:
        self._following = False
        self._forget_types()

    async def path_of(self, cluster: ClusterName) -> str:
        """The canonical path of a cluster, from its LogicalCluster's `kcp.io/path`."""
        return (await self._identity(cluster))[1]

    async def _identity(self, cluster: ClusterName) -> tuple[str, str]:
        """A cluster's type annotation and canonical path ("" and its name while it has no
        LogicalCluster). Both are fixed when the LogicalCluster is made, so existing ones are kept
        (bounded, least recently used forgotten)."""
        if cluster in self._identities:
            self._identities.move_to_end(cluster)
            return self._identities[cluster]
        lc = await self.paths.logical_cluster(cluster)
        annotations: dict[str, Any] = ((lc or {}).get("metadata") or {}).get("annotations") or {}
        found = (str(annotations.get(TYPE_ANNOTATION, "")), str(annotations.get(PATH_ANNOTATION, cluster)))
        if lc is not None:
            self._identities[cluster] = found
            if len(self._identities) > _IDENTITIES_KEPT:
                self._identities.popitem(last=False)
        return found

    async def _type(self, ref: TypeRef) -> Object | None:
        cluster = await self.paths.resolve(ref[0])
        if cluster is None:
            return None
        key = (cluster, ref[1])
        if key in self._types:
            self._types.move_to_end(key)
            return self._types[key]
        seen = self._changes
        entry = await self.paths.storage.get(
            object_key(WORKSPACETYPES.group, WORKSPACETYPES.resource, cluster, "", ref[1])
        )
        found: Object | None = orjson.loads(entry.value) if entry is not None else None
        if found is not None:  # the cluster names the type's initializer and terminator (kcp's ForType)
            found["metadata"].setdefault("annotations", {})[CLUSTER_ANNOTATION] = cluster
        if self._following and seen == self._changes:
            self._types[key] = found
            if len(self._types) > _CACHED_TYPES:
                self._types.popitem(last=False)
        return found

    async def resolve_type(self, at: str, ref: Any) -> TypeRef:
        """Where a type reference points, as kcp looks it up: a path names the type's workspace; a bare
        name is looked for in `at`, then in each ancestor, and last in root (so a home tree finds
        root's types). kcp's words when it is missing, including the internal error it wraps."""
        name = str(ref.get("name") or "")
        exists = _TYPE_NAME.fullmatch(name) is not None  # no other name can be stored
        if ref.get("path"):
            found = (str(ref["path"]), name)
            if not (exists and is_valid_path(found[0]) and await self._type(found) is not None):
                raise Forbidden(
                    f'Internal error occurred: {WORKSPACETYPES.resource}.{TENANCY} "{_show(found)}" not found'
                )
            return found
        path = at
        while not exists or await self._type((path, name)) is None:
            parent = path.rpartition(":")[0]
            if not parent and path == ROOT:
                raise Forbidden(f'workspace type "{name}" cannot be resolved')
            path = parent or ROOT
        return (path, name)

    async def closure(self, ref: TypeRef) -> dict[TypeRef, Object]:
        """The type and every type it extends, transitively, in kcp's order (what it extends depth
        first, itself last); a cycle or a missing type is an error."""
        obj = await self._type(ref)
        if obj is None:
            raise Forbidden(f"workspace type {_show(ref)} does not exist")
        found: dict[TypeRef, Object] = {}
        await self._extend(ref, obj, [ref], found)
        found[ref] = obj
        return found

    async def _extend(
        self, ref: TypeRef, obj: Object, trail: list[TypeRef], found: dict[TypeRef, Object]
    ) -> None:
        """Depth first, so a type met again on its own trail is a cycle (kcp's 403 and words)."""
        if len(trail) > _MAX_EXTEND_DEPTH:
            raise Forbidden(f"workspace type {_show(trail[0])} extends too deeply")
        for ext in ((obj.get("spec") or {}).get("extend") or {}).get("with") or []:
            try:
                base = await self.resolve_type(ref[0], ext)
            except Forbidden:
                raise Forbidden(f"unable to find inherited workspace type {ext['name']}") from None
            if base in trail:
                chain = " -> ".join(_show(t) for t in trail[trail.index(base) :])
                raise Forbidden(f"circular dependency detected in workspace type {_show(base)}: {chain}")
            if base in found:
                continue
            base_obj = await self._type(base)
            assert base_obj is not None  # just resolved
            found[base] = base_obj
            await self._extend(base, base_obj, [*trail, base], found)

    async def admit_workspace(self, scope: RequestScope, obj: Object, old: Object | None) -> None:
        try:
            await self._admit_workspace(scope, obj, old)
        except Forbidden as e:
            name = obj["metadata"].get("name", "")
            prefix = f'workspaces.{TENANCY} "{name}" is forbidden: '
            if e.message.startswith(prefix):
                raise
            raise Forbidden(prefix + e.message, name=name, group=TENANCY, kind="workspaces") from None

    async def _admit_workspace(self, scope: RequestScope, obj: Object, old: Object | None) -> None:
        user, spec = scope.user, obj.setdefault("spec", {})
        if old is not None:  # what the schema's rules leave to kcp's admission
            old_spec = old.get("spec") or {}
            if old_spec.get("cluster") and not spec.get("cluster"):
                raise Forbidden("spec.cluster cannot be unset")
            for field in ("cluster", "URL"):
                if spec.get(field) != old_spec.get(field) and not user.is_master:
                    raise Forbidden(f"spec.{field} can only be changed by system privileged users")
            if old_spec.get("type") and not spec.get("type"):
                raise Forbidden('spec.type: Invalid value: "null": field is immutable')
            return
        if not user.is_master:
            for field, shown in (("cluster", "Cluster"), ("URL", "URL")):  # kcp's words, capital C and all
                if spec.get(field):
                    raise Forbidden(f"spec.{shown} can only be set by system privileged users")
            obj["metadata"].setdefault("annotations", {})[OWNER_ANNOTATION] = owner_annotation(user)
        cluster = ClusterName(str(scope.cluster))
        parent_type, parent_path = await self._identity(cluster)
        parent_ref = parse_type_annotation(parent_type)
        if parent_ref is None:
            raise Forbidden(f"workspaces cannot be created in {parent_path}: it has no workspace type")
        parent_obj = await self._type(parent_ref)
        if parent_obj is None:
            raise Forbidden(
                f"parent type cannot be resolved: workspace type {_show(parent_ref)} does not exist"
            )
        ref = spec.get("type") if (spec.get("type") or {}).get("name") else None
        ref = ref or (parent_obj.get("spec") or {}).get("defaultChildWorkspaceType")
        if not ref:
            raise Forbidden(
                f"spec.defaultChildWorkspaceType of workspace type {_show(parent_ref)} must be set"
            )
        child_ref = await self.resolve_type(parent_path, ref)
        spec["type"] = {"name": child_ref[1], "path": child_ref[0]}
        child_types = await self.closure(child_ref)
        stamped = (child_types[child_ref].get("spec") or {}).get("additionalWorkspaceLabels") or {}
        if stamped:  # the type's own, not those it extends; a label the creator set is kept (kcp's)
            labels = obj["metadata"].setdefault("labels", {})
            for key, value in stamped.items():
                labels.setdefault(key, value)
        if not user.is_master:
            for alias in child_types:  # kcp: a type and every type it extends
                await self._check_use(user, alias, obj["metadata"]["name"])
        parent_types = await self.closure(parent_ref)
        if errors := _pair_errors(parent_ref, parent_types, child_ref, child_types):
            raise Forbidden(errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")

    async def _check_use(self, user: UserInfo, ref: TypeRef, name: str) -> None:
        cluster = await self.paths.resolve(ref[0])
        attrs = Attributes(
            user=user,
            verb="use",
            api_group=TENANCY,
            api_version="v1alpha1",
            resource="workspacetypes",
            name=ref[1],
            resource_request=True,
            cluster=str(cluster),
        )
        ok, _ = await self.access.allowed(attrs)
        if not ok:
            raise Forbidden(
                f'workspaces.tenancy.kcp.io "{name}" is forbidden: unable to use workspace type '
                f"{_show(ref)}: missing verb='use' permission on workspacetype",
                name=name,
                group=TENANCY,
                kind="workspaces",
            )

    async def admit_logical_cluster(self, scope: RequestScope, obj: Object, old: Object | None) -> None:
        """LogicalClusters are created and re-specified by the system only; others may only move one
        forward, during initialization only drop initializers (kcp's logicalcluster admission), and
        only drop terminators."""
        if _cluster_admin(scope):
            return
        if old is None:
            _refuse_logical_cluster(obj, "LogicalCluster cannot be created")
        spec = set((obj.get("spec") or {}).get("initializers") or [])
        if spec != set((old.get("spec") or {}).get("initializers") or []):
            _refuse_logical_cluster(obj, "spec.initializers is immutable")
        if obj.get("spec") != old.get("spec"):  # kcp lets owner and terminators change; we do not
            _refuse_logical_cluster(obj, "only the system may change a logical cluster's spec")
        if why := lifecycle_error(spec, old.get("status") or {}, obj.get("status") or {}):
            _refuse_logical_cluster(obj, why)

    async def cluster_deleting(self, cluster: ClusterName) -> bool:
        """Whether a logical cluster is on its way out: marked deleted, or its Workspace is (or gone).
        kcp marks the LogicalCluster first; here the workspace controller empties the cluster while
        only the Workspace is marked, so both count."""
        lc = await self.paths.logical_cluster(cluster)
        if lc is None or lc["metadata"].get("deletionTimestamp"):
            return True
        owner = (lc.get("spec") or {}).get("owner") or {}
        if not (owner.get("cluster") and owner.get("name")):
            return False  # root and system clusters belong to no workspace
        entry = await self.paths.storage.get(workspace_key(ClusterName(owner["cluster"]), owner["name"]))
        if entry is None:
            return True
        ws = orjson.loads(entry.value)
        return ws["metadata"].get("uid") != owner.get("uid") or bool(ws["metadata"].get("deletionTimestamp"))

    async def admit_logical_cluster_delete(self, scope: RequestScope, obj: Object) -> None:
        """A workspace's cluster goes with its Workspace, unless it was made to be deleted directly."""
        if not _cluster_admin(scope) and not (obj.get("spec") or {}).get("directlyDeletable"):
            _refuse_logical_cluster(obj, "LogicalCluster cannot be deleted")


_PHASE_ORDER = {"": 1, "Scheduling": 2, "Initializing": 3, "Ready": 4}


def lifecycle_error(spec: set[str], old: dict[str, Any], new: dict[str, Any]) -> str:
    """Why a status change by someone other than the system breaks a logical cluster's lifecycle
    ("" if it does not), in kcp's words (misspelling included)."""
    before, after = set(old.get("initializers") or []), set(new.get("initializers") or [])
    was, now = old.get("phase") or "", new.get("phase") or ""
    entering = now == "Initializing" and was != now
    if entering and after != spec:
        return "status.initializers do not equal spec.initializers"
    if now == "Initializing" and not entering and not after <= before:
        return "status.initializers must not grow"
    if now != "Initializing" and after != before:
        return "status.initializers is immutable after initilization"
    if was == "Initializing" and now != "Initializing" and after:
        return "status.initializers is not empty"
    if _PHASE_ORDER.get(was, 0) > _PHASE_ORDER.get(now, 0):
        return f'cannot transition from "{was}" to "{now}"'
    if not set(new.get("terminators") or []) <= set(old.get("terminators") or []):
        return "status.terminators must not grow"  # ours, not kcp's: no one else may hold a deletion
    return ""


def _cluster_admin(scope: RequestScope) -> bool:
    return scope.user.is_master or LOGICAL_CLUSTER_ADMIN in scope.user.groups


def _refuse_logical_cluster(obj: Object, why: str) -> NoReturn:
    name = obj["metadata"].get("name")
    raise Forbidden(f'logicalclusters.core.kcp.io "{name}" is forbidden: {why}')
