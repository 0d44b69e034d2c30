"""Authorization per logical cluster: bootstrap policy first, then the cluster's own RBAC objects.

RBAC snapshots are cached per cluster in a bounded LRU and dropped by one watch over all RBAC
objects, so an idle workspace costs nothing here and a busy one is evaluated from memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from typing import Any

import orjson
from aiohttp import web

from kcp.apimachinery.errors import Forbidden
from kcp.apimachinery.user import UserInfo
from kcp.auth import bootstrap_policy, impersonation
from kcp.auth.attributes import WORKSPACE_ACCESS_NOT_PERMITTED, Attributes, Decision, forbidden
from kcp.auth.rbac import RBACSnapshot, check_binding_escalation, check_role_escalation
from kcp.logicalcluster import ClusterName, cluster_of_key, object_prefix
from kcp.registry.options import RequestScope
from kcp.server.authn import is_local_service_account, localize
from kcp.server.clusters import UnknownPath
from kcp.server.requestinfo import RequestInfo
from kcp.storage import Event, Storage
from kcp.storage.follow import follow

RBAC_GROUP = "rbac.authorization.k8s.io"
RBAC_RESOURCES = ("roles", "clusterroles", "rolebindings", "clusterrolebindings")
_CACHE_SIZE = 4096


def attributes(user: UserInfo, info: RequestInfo, cluster: str) -> Attributes:
    return Attributes(
        user=user,
        verb=info.verb,
        namespace=info.namespace,
        api_group=info.group,
        api_version=info.version,
        resource=info.resource,
        subresource=info.subresource,
        name=info.name,
        resource_request=info.is_resource_request,
        path=info.path,
        cluster=cluster,
    )


def decide(snapshot: RBACSnapshot, attrs: Attributes) -> tuple[bool, str]:
    """The chain's answer from a cluster's RBAC snapshot, without waiting: system:masters, the
    bootstrap policy every cluster shares, then the cluster's own bindings."""
    if attrs.user.is_master or bootstrap_policy.allows(attrs):
        return True, ""
    decision, reason = snapshot.authorize(attrs)
    return decision is Decision.ALLOW, reason


class Authorizer:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._snapshots: OrderedDict[str, RBACSnapshot] = OrderedDict()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._invalidate())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _invalidate(self) -> None:
        await follow(self.storage, f"/registry/{RBAC_GROUP}/", self._forget, self._snapshots.clear)

    def _forget(self, batch: list[Event]) -> None:
        for event in batch:
            self._snapshots.pop(cluster_of_key(event.key), None)

    async def snapshot(self, cluster: str) -> RBACSnapshot:
        found = self._snapshots.get(cluster)
        if found is not None:
            self._snapshots.move_to_end(cluster)
            return found
        lists: list[list[dict[str, Any]]] = []
        for resource in RBAC_RESOURCES:
            page = await self.storage.list(object_prefix(RBAC_GROUP, resource, ClusterName(cluster)))
            lists.append([orjson.loads(e.value) for e in page.entries])
        snap = RBACSnapshot(
            roles=lists[0],
            cluster_roles=lists[1],
            role_bindings=lists[2],
            cluster_role_bindings=lists[3],
            inherit=bootstrap_policy.POLICY,
        )
        self._snapshots[cluster] = snap
        if len(self._snapshots) > _CACHE_SIZE:
            self._snapshots.popitem(last=False)
        return snap

    async def allowed(self, attrs: Attributes) -> tuple[bool, str]:
        if attrs.user.is_master:
            return True, ""
        if attrs.cluster == "*":  # kcp's first authorizer has no opinion on a request without a cluster
            return False, "empty cluster name"
        if bootstrap_policy.allows(attrs):
            return True, ""
        return decide(await self.snapshot(attrs.cluster), attrs)

    async def authorize(self, user: UserInfo, info: RequestInfo, cluster: str) -> None:
        attrs = attributes(user, info, cluster)
        if not user.is_master and cluster != "*" and not is_local_service_account(user, cluster):
            # kcp's workspace content authorizer: nothing in a workspace without `access` on `/` there
            entry = Attributes(user=user, verb="access", path="/", resource_request=False, cluster=cluster)
            if not (await self.allowed(entry))[0]:
                raise forbidden(attrs, WORKSPACE_ACCESS_NOT_PERMITTED)
        ok, reason = await self.allowed(attrs)
        if not ok:
            raise forbidden(attrs, reason)

    async def check_may_know(self, unknown: UnknownPath, user: UserInfo, info: RequestInfo) -> None:
        """Whether a path exists is for those who may enter its parent; others get kcp's 403."""
        if user.is_master:
            return
        parent = unknown.parent
        if is_local_service_account(user, parent):
            return
        entry = Attributes(
            user=localize(user, parent), verb="access", path="/", resource_request=False, cluster=parent
        )
        if not (await self.allowed(entry))[0]:
            raise forbidden(attributes(user, info, info.cluster), WORKSPACE_ACCESS_NOT_PERMITTED)

    async def impersonate(self, request: web.Request, user: UserInfo, info: RequestInfo) -> UserInfo:
        """Impersonation headers become the request's user once RBAC allows each `impersonate`."""
        if not any(h.lower().startswith("impersonate-") for h in request.headers):
            return user
        checks, new_user = impersonation.parse(request.headers, user)
        for attrs in checks:
            attrs = attrs.with_cluster(info.cluster)
            ok, _ = await self.allowed(attrs)
            if not ok:
                raise Forbidden(
                    f'users "{new_user.name}" is forbidden: User "{user.name}" cannot '
                    f'impersonate resource "{attrs.resource}" in API group "{attrs.api_group}"'
                )
        return new_user


class Escalation:
    """The Store's escalation hook: RBAC writes may only grant what the writer already holds."""

    def __init__(self, authorizer: Authorizer) -> None:
        self.authorizer = authorizer

    async def check_role(self, scope: RequestScope, role: dict[str, Any], old: dict[str, Any] | None) -> None:
        if scope.user.is_master:
            return
        await check_role_escalation(self.authorizer, scope.user, str(scope.cluster), role, old)

    async def check_binding(
        self, scope: RequestScope, binding: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        if scope.user.is_master:
            return
        await check_binding_escalation(self.authorizer, scope.user, str(scope.cluster), binding, old)

    async def holds(self, scope: RequestScope, verb: str, group: str, resource: str, name: str) -> bool:
        attrs = Attributes(
            scope.user,
            verb,
            "",
            group,
            "*",
            resource,
            name=name,
            resource_request=True,
            cluster=str(scope.cluster),
        )
        return (await self.authorizer.allowed(attrs))[0]
