"""What the initializing and terminating views share: a logical cluster's lifecycle controller's
window onto the clusters still waiting for it.

- `clusters/*/apis/core.kcp.io/v1alpha1/logicalclusters`: list and watch the LogicalClusters that wait
  for this controller (a watch sees DELETED once one stops), with the discovery documents for that one
  resource.
- `clusters/<logical-cluster>/...`: full access to the content of such a cluster while it waits.
Callers need the view's verb on `workspacetypes/<type>` where the type lives. The LogicalCluster is
written through its status only, and only to remove this controller's entry from its list or to set
conditions (kcp GHSA-q6hv-wcjr-wp8h).
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from kcp.apimachinery.errors import BadRequest, Cause, Forbidden, Invalid, MethodNotAllowed, NotFound
from kcp.apimachinery.patch import apply_patch
from kcp.apimachinery.serialization import decode_body
from kcp.apimachinery.user import SYSTEM_MASTERS, UserInfo
from kcp.auth.attributes import Attributes, forbidden
from kcp.auth.rbac import rule_allows
from kcp.logicalcluster import ClusterName, is_cluster_name
from kcp.registry.options import RequestScope
from kcp.registry.store import Store
from kcp.registry.tenancy.kinds import LOGICALCLUSTER_NAME, LOGICALCLUSTERS, TENANCY
from kcp.schema.gotypes import type_error
from kcp.server import discovery, handlers
from kcp.server.authz import attributes
from kcp.server.requestinfo import RequestInfo
from kcp.server.requestoptions import write_options

Dispatch = Callable[[web.Request, RequestInfo, UserInfo, ClusterName], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """What tells one view from the other."""

    service: str  # the view's segment under /services/
    verb: str  # needed on workspacetypes/<type>
    role: str  # "initializer": one name in the LogicalCluster's status list
    doing: str  # "initializing": what a cluster waiting for the controller is doing
    waiting: Callable[[dict[str, Any]], bool]  # whether a LogicalCluster is in the view's phase
    must_remove: bool  # a status write must drop the caller's entry (else it may set conditions only)

    @property
    def field(self) -> str:
        return f"{self.role}s"

    def carries(self, name: str) -> Callable[[dict[str, Any]], bool]:
        def predicate(lc: dict[str, Any]) -> bool:
            return self.waiting(lc) and name in ((lc.get("status") or {}).get(self.field) or [])

        return predicate


class LifecycleView:
    def __init__(
        self,
        lifecycle: Lifecycle,
        lc_store: Store,
        types: Store,
        resolve_path: Callable[[str], Awaitable[ClusterName | None]],
        allowed: Callable[[Attributes], Awaitable[tuple[bool, str]]],
        dispatch: Dispatch,
    ) -> None:
        self.lifecycle = lifecycle
        self.lc_store = lc_store
        self.types = types
        self.resolve_path = resolve_path
        self.allowed = allowed
        self.dispatch = dispatch

    async def _authorize(self, user: UserInfo, controller: str, info: RequestInfo) -> ClusterName:
        """kcp's view asks for its verb on the type; a refusal reads as kube's 403 for the request.
        Returns the logical cluster holding the type."""
        type_path, _, type_name = controller.rpartition(":")
        cluster = await self.resolve_path(type_path) if type_path else None
        if cluster is None or not type_name:
            raise NotFound(f'{self.lifecycle.role} "{controller}" does not name a workspace type')
        attrs = Attributes(
            user=user,
            verb=self.lifecycle.verb,
            api_group=TENANCY,
            api_version="v1alpha1",
            resource="workspacetypes",
            name=type_name,
            resource_request=True,
            cluster=cluster,
        )
        if not user.is_master and not (await self.allowed(attrs))[0]:
            raise forbidden(attributes(user, info, str(info.cluster)), "")
        return cluster

    async def serve(self, request: web.Request, info: RequestInfo, user: UserInfo) -> web.StreamResponse:
        controller, doing = info.virtual_arg, self.lifecycle.doing
        type_cluster = await self._authorize(user, controller, info)
        predicate = self.lifecycle.carries(controller)
        if info.cluster == "*":
            if not info.is_resource_request:
                return _wildcard_discovery(info)
            if (info.group, info.resource) != (
                LOGICALCLUSTERS.group,
                LOGICALCLUSTERS.resource,
            ) or info.verb not in ("list", "watch"):
                raise MethodNotAllowed(
                    "only list and watch of logicalclusters are served across clusters here"
                )
            return await handlers.handle(request, info, self.lc_store, RequestScope("*", "", user), predicate)
        if not is_cluster_name(info.cluster):
            raise NotFound(f"the {doing} workspaces view addresses logical clusters by name, not path")
        cluster = ClusterName(info.cluster)
        scope = RequestScope(cluster, "", user)
        own = (info.group, info.resource) == (LOGICALCLUSTERS.group, LOGICALCLUSTERS.resource)
        try:
            lc = await self.lc_store.get(scope, LOGICALCLUSTER_NAME)
        except NotFound:
            lc = None
        if lc is None or not predicate(lc):  # kcp: its view filters the LogicalCluster out, its proxy refuses
            if own and info.verb in ("get", "update", "patch"):
                raise NotFound.object(LOGICALCLUSTERS.resource, LOGICALCLUSTERS.group, LOGICALCLUSTER_NAME)
            raise Forbidden(f'{self.lifecycle.role} "{controller}" cannot access this workspace')
        if own and info.verb in ("update", "patch"):
            if info.subresource != "status":
                raise MethodNotAllowed("the LogicalCluster is written only through its status here")
            return await self._remove_own_entry(request, info, lc, controller, scope)
        if own and info.verb in ("create", "delete", "deletecollection"):
            raise Forbidden(f"the LogicalCluster cannot be created or deleted through the {doing} view")
        await self._check_permissions(user, info, cluster, type_cluster, controller)
        elevated = replace(user, groups=(*user.groups, SYSTEM_MASTERS))  # content access in this cluster only
        return await self.dispatch(request, info, elevated, cluster)

    async def _check_permissions(
        self,
        user: UserInfo,
        info: RequestInfo,
        cluster: ClusterName,
        type_cluster: ClusterName,
        controller: str,
    ) -> None:
        """The type's initializerPermissions/terminatorPermissions, when it has any, bound what the
        controller may do in the content (kcp's EvaluateLifecyclePermissions); none: all it wants."""
        field = f"{self.lifecycle.role}Permissions"
        try:
            wst = await self.types.get(RequestScope(type_cluster, "", user), controller.rpartition(":")[2])
        except NotFound:
            return
        rules = (wst.get("spec") or {}).get(field) or []
        attrs = attributes(user, info, str(cluster))
        if not rules or any(rule_allows(rule, attrs) for rule in rules):
            return
        raise Forbidden(
            f'{self.lifecycle.role} "{controller}" denied by {field}: no rule allows {_asked(attrs)}'
        )

    async def _remove_own_entry(
        self,
        request: web.Request,
        info: RequestInfo,
        lc: dict[str, Any],
        controller: str,
        scope: RequestScope,
    ) -> web.StreamResponse:
        """Apply the client's change locally and accept it only if it drops this controller's entry
        and maybe sets conditions, nothing more (kcp's initializing view allows condition-only updates
        too; its terminating view insists on the removal)."""
        body = await request.read()
        content_type = request.headers.get("Content-Type", "")
        if info.verb == "patch":
            wanted = apply_patch(content_type, copy.deepcopy(lc), body, self.lc_store.strategy.schema)
        else:
            wanted = decode_body(content_type, body)
        if not isinstance(wanted, dict):
            raise BadRequest("the body of the request must be a JSON or YAML object")
        go = self.lc_store.strategy.go_type
        if go is not None and (err := type_error(go, wanted)) is not None:
            kind, version = self.lc_store.resource.kind, self.lc_store.resource.version
            raise BadRequest(f'{kind} in version "{version}" cannot be handled as a {kind}: {err}')
        field, role = self.lifecycle.field, self.lifecycle.role
        status, wanted_status = lc.get("status") or {}, wanted.get("status") or {}
        before = list(status.get(field) or [])
        after = list(wanted_status.get(field) or [])
        removed = [i for i in before if i != controller]
        if after != removed and (self.lifecycle.must_remove or after != before):
            why = f'Invalid value: only removing the "{controller}" {role} is supported'
            raise Invalid(
                f'LogicalCluster.core.kcp.io "{LOGICALCLUSTER_NAME}" is invalid: status.{field}: {why}',
                causes=[Cause("FieldValueInvalid", why, f"status.{field}")],
            )
        unchanged = (field, "conditions")
        rest_same = {k: v for k, v in wanted_status.items() if k not in unchanged} == {
            k: v for k, v in status.items() if k not in unchanged
        }
        if not rest_same or wanted.get("spec") != lc.get("spec"):
            raise Forbidden(
                f'only "{controller}" may be removed from status.{field}, and conditions set, '
                "through this view"
            )
        updated = copy.deepcopy(lc)
        updated["status"][field] = after
        if wanted_status.get("conditions") is not None:
            updated["status"]["conditions"] = wanted_status["conditions"]
        else:
            updated["status"].pop("conditions", None)
        obj, _, warnings = await self.lc_store.update(
            scope, LOGICALCLUSTER_NAME, updated, write_options(request), subresource="status"
        )
        return handlers.json_response(obj, 200, warnings)


def _asked(attrs: Attributes) -> str:
    """`<verb> on <group or core>/<resource>[/<sub>] [(<name>)] [in namespace <ns>]`, or on the path."""
    if not attrs.resource_request:
        return f"{attrs.verb} on {attrs.path}"
    what = f"{attrs.api_group or 'core'}/{attrs.resource}" + (
        f"/{attrs.subresource}" if attrs.subresource else ""
    )
    what += f" ({attrs.name})" if attrs.name else ""
    what += f" in namespace {attrs.namespace}" if attrs.namespace else ""
    return f"{attrs.verb} on {what}"


# What the view serves across clusters, for discovery: kubectl and REST mappers find the resource here.
_SERVED = [replace(LOGICALCLUSTERS, verbs=("list", "watch"), subresources=())]


def _wildcard_discovery(info: RequestInfo) -> web.StreamResponse:
    """`/apis`, `/apis/core.kcp.io` and `/apis/core.kcp.io/v1alpha1` under `clusters/*`, as kcp's
    one-resource virtual API set answers them; everything else there is not found."""
    if info.verb != "get":
        raise MethodNotAllowed("only list and watch of logicalclusters are served across clusters here")
    path = info.path.rstrip("/")
    group, version = LOGICALCLUSTERS.group, LOGICALCLUSTERS.version
    body: dict[str, Any] | None = None
    if path == "/apis":
        body = discovery.api_group_list(_SERVED)
    elif path == f"/apis/{group}":
        body = discovery.api_group(_SERVED, group)
    elif path == f"/apis/{group}/{version}":
        body = discovery.resource_list(_SERVED, group, version)
    if body is None:
        raise NotFound("the server could not find the requested resource")
    return handlers.json_response(body)
