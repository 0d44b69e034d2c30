"""Home workspaces: `GET workspaces/~` answers with the caller's home, creating it on first access.

A home is a rootless logical cluster: its name is computed from the user name (`home_cluster_name`),
its `kcp.io/path` is `user:<name>`, and no Workspace object points at it, so a million users need no
parent holding a million Workspaces. As kcp (`pkg/server/home_workspaces.go`), it is a LogicalCluster
of type `root:home` with the owner's `workspace-admin` binding; like any workspace it is made by the
request that first asks for it (scheduling.py), Ready at once unless initializers of its own remain,
which the rootless phase controller then waits for while callers get 429 with Retry-After. Nothing is
kept in memory: every step reads storage, so any server process can continue what another began.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any, Protocol

from kcp.apimachinery.errors import (
    AlreadyExists,
    InternalError,
    NotFound,
    TooManyRequests,
)
from kcp.apimachinery.user import ANONYMOUS, SYSTEM_MASTERS, UserInfo
from kcp.auth.attributes import WORKSPACE_ACCESS_NOT_PERMITTED, Attributes, forbidden
from kcp.logicalcluster import CLUSTER_NAME, ROOT, ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.options import RequestScope, WriteOptions
from kcp.registry.tenancy.admission import TenancyAdmission, owner_annotation
from kcp.registry.tenancy.kinds import (
    LOGICALCLUSTER_NAME,
    LOGICALCLUSTERS,
    OWNER_ANNOTATION,
    PATH_ANNOTATION,
    TENANCY,
    TYPE_ANNOTATION,
    WORKSPACES,
    type_reference,
)
from kcp.registry.tenancy.paths import USER_TREE, home_cluster_name
from kcp.registry.tenancy.scheduling import initializers_of

HOME_TYPE = ("root", "home")
HOME_NAME = "~"
CREATE_ROLE = "system:kcp:home-clusterworkspace-create"
CREATE_BINDING = "system:kcp:configured-group:home-clusterworkspace-create"
RETRY_SECONDS = 1
CREATION_TIMEOUT = 60.0  # kcp gives up (500) on a home that is not Ready a minute after creation
RBAC = "rbac.authorization.k8s.io"
_SYSTEM = UserInfo("system:kcp:home-workspaces", groups=(SYSTEM_MASTERS,))
_OPTS = WriteOptions(field_manager="kcp-home-workspaces")


class AccessCheck(Protocol):
    async def allowed(self, attrs: Attributes) -> tuple[bool, str]: ...


def is_home_request(verb: str, group: str, resource: str, name: str, subresource: str) -> bool:
    """`GET .../tenancy.kcp.io/<v>/workspaces/~`: the one request this module answers."""
    return (verb, group, resource, name, subresource) == ("get", TENANCY, WORKSPACES.resource, HOME_NAME, "")


def home_path(username: str) -> str:
    """Where the home is addressed: `user:<name>` when the name is one path segment, else its cluster."""
    if CLUSTER_NAME.fullmatch(username):
        return f"{USER_TREE}:{username}"
    return home_cluster_name(username)


class HomeWorkspaces:
    """Finds or creates homes; `external_url` is the server URL written into `spec.URL`."""

    def __init__(
        self, catalog: Catalog, admission: TenancyAdmission, access: AccessCheck, external_url: str = ""
    ) -> None:
        self.catalog = catalog
        self.admission = admission
        self.access = access
        self.external_url = external_url

    async def get(self, user: UserInfo) -> dict[str, Any]:
        """The home Workspace of `user`; 403 if it may not have one, 429 while it is being created."""
        cluster = home_cluster_name(user.name)
        scope = RequestScope(cluster, "", _SYSTEM)
        store = self.catalog.store(LOGICALCLUSTERS.group, LOGICALCLUSTERS.version, LOGICALCLUSTERS.resource)
        try:
            lc = await store.get(scope, LOGICALCLUSTER_NAME)
        except NotFound:
            await self._check_create(user)
            lc = await self._create(scope, user)
        if (lc.get("status") or {}).get("phase") != "Ready":
            created = datetime.fromisoformat(lc["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
            if (datetime.now(UTC) - created).total_seconds() > CREATION_TIMEOUT:
                raise InternalError("home workspace creation timeout")
            raise TooManyRequests("Creating the home workspace", retry_after=RETRY_SECONDS)
        return self._workspace(user, cluster, lc)

    async def _check_create(self, user: UserInfo) -> None:
        """As kcp: workspace access to root plus `create workspaces/~` there (the home-creator binding)."""
        checks = (
            Attributes(user=user, verb="access", path="/", resource_request=False, cluster=ROOT),
            Attributes(
                user=user,
                verb="create",
                api_group=TENANCY,
                api_version=WORKSPACES.version,
                resource=WORKSPACES.resource,
                name=HOME_NAME,
                resource_request=True,
                cluster=ROOT,
            ),
        )
        allowed = user.name != ANONYMOUS
        for attrs in checks:
            allowed = allowed and (await self.access.allowed(attrs))[0]
        if not allowed:
            raise forbidden(checks[1], WORKSPACE_ACCESS_NOT_PERMITTED)

    async def _create(self, scope: RequestScope, user: UserInfo) -> dict[str, Any]:
        """The rootless LogicalCluster with its content; a concurrent first access may win the race."""
        scheduler = self.admission.scheduler
        assert scheduler is not None  # set when the server assembles the catalog
        closure = await self.admission.closure(HOME_TYPE)
        owner = owner_annotation(user)
        lc = {
            "apiVersion": f"{LOGICALCLUSTERS.group}/{LOGICALCLUSTERS.version}",
            "kind": LOGICALCLUSTERS.kind,
            "metadata": {
                "name": LOGICALCLUSTER_NAME,
                "annotations": {
                    OWNER_ANNOTATION: owner,
                    TYPE_ANNOTATION: type_reference(*HOME_TYPE),
                    PATH_ANNOTATION: f"{USER_TREE}:{user.name}",
                },
            },
            "spec": {"initializers": initializers_of(closure)},
        }
        lc = await scheduler.initialize(ClusterName(str(scope.cluster)), lc, self._url(user.name), owner)
        return lc

    def _url(self, username: str) -> str:
        return f"{self.external_url.rstrip('/')}/clusters/{home_path(username)}"

    def _workspace(self, user: UserInfo, cluster: ClusterName, lc: dict[str, Any]) -> dict[str, Any]:
        """The virtual Workspace kcp returns for `~`: no object of this name is stored anywhere. Like
        kcp's, it is named after the LogicalCluster it shows (`cluster`) and names no type."""
        status = lc.get("status") or {}
        ws_status: dict[str, Any] = {"phase": status.get("phase")}
        for field in ("conditions", "initializers"):
            if status.get(field):
                ws_status[field] = status[field]
        return {
            "apiVersion": f"{TENANCY}/{WORKSPACES.version}",
            "kind": WORKSPACES.kind,
            "metadata": {
                "name": LOGICALCLUSTER_NAME,
                "creationTimestamp": lc["metadata"].get("creationTimestamp"),
            },
            "spec": {
                "cluster": cluster,
                "URL": status.get("URL") or self._url(user.name),
            },
            "status": ws_status,
        }


async def seed_creator_rbac(catalog: Catalog, groups: tuple[str, ...]) -> None:
    """Root's role and binding letting `groups` create their homes; the binding follows the flag."""
    scope = RequestScope(ROOT, "", _SYSTEM)
    roles = catalog.store(RBAC, "v1", "clusterroles")
    with contextlib.suppress(AlreadyExists):
        await roles.create(
            scope,
            {
                "apiVersion": f"{RBAC}/v1",
                "kind": "ClusterRole",
                "metadata": {"name": CREATE_ROLE},
                "rules": [
                    {
                        "apiGroups": [TENANCY],
                        "resources": [WORKSPACES.resource],
                        "resourceNames": [HOME_NAME],
                        "verbs": ["get", "create"],
                    }
                ],
            },
            _OPTS,
        )
    subjects = [{"apiGroup": RBAC, "kind": "Group", "name": g} for g in groups]
    bindings = catalog.store(RBAC, "v1", "clusterrolebindings")
    binding = {
        "apiVersion": f"{RBAC}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": CREATE_BINDING},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": CREATE_ROLE},
        "subjects": subjects,
    }
    try:
        await bindings.create(scope, binding, _OPTS)
    except AlreadyExists:
        current = await bindings.get(scope, CREATE_BINDING)
        if (current.get("subjects") or []) != subjects:
            current["subjects"] = subjects
            await bindings.update(scope, CREATE_BINDING, current, _OPTS)
