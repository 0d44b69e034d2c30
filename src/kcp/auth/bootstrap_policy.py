"""The policy every logical cluster shares, and the ClusterRoles root starts with.

Global policy (kcp's bootstrap policy in `system:admin`, plus kube's roles for every user) is
evaluated in memory for every workspace and never copied into one: `system:masters` may do
anything, `system:kcp:admin` is cluster-admin everywhere, every authenticated user may run
discovery and self-reviews. Local bindings may reference these cluster roles by name (as kcp's
merged lister allows), e.g. `system:kcp:workspace:access`.

`default_cluster_roles()` (cluster-admin, and admin/edit/view aggregated from
`system:aggregate-to-*`) are part of that global policy, so a binding in any workspace may name
them, as in kcp where they live in `system:admin` only; `root` also stores them as real objects
that users can read and extend, as a fresh kube cluster has them. Workspaces do not copy them.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from kcp.apimachinery.user import AUTHENTICATED, SYSTEM_MASTERS, UNAUTHENTICATED, UserInfo
from kcp.auth.attributes import Attributes, Decision
from kcp.auth.rbac import RBAC_GROUP, RBACSnapshot, Rule, aggregate_cluster_role

KCP_ADMIN_GROUP = "system:kcp:admin"
WORKSPACE_ACCESS = "system:kcp:workspace:access"
WORKSPACE_BOOTSTRAPPER = "system:kcp:tenancy:workspace-bootstrapper"
LOGICAL_CLUSTER_ADMIN = "system:kcp:logical-cluster-admin"
EXTERNAL_LOGICAL_CLUSTER_ADMIN = "system:kcp:external-logical-cluster-admin"
BOOTSTRAPPING_LABEL = "kubernetes.io/bootstrapping"
AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate"
AGGREGATE_TO = "rbac.authorization.k8s.io/aggregate-to-"

READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
READ_WRITE = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
TENANCY, CORE_KCP = "tenancy.kcp.io", "core.kcp.io"


def _rule(
    verbs: list[str],
    groups: list[str] | None = None,
    resources: list[str] | None = None,
    urls: list[str] | None = None,
) -> Rule:
    if urls is not None:
        return {"verbs": verbs, "nonResourceURLs": urls}
    return {"verbs": verbs, "apiGroups": groups or [""], "resources": resources or []}


def _cluster_role(
    name: str, rules: list[Rule], *, labels: dict[str, str] | None = None, aggregate: str = ""
) -> dict[str, Any]:
    """A ClusterRole as kube's bootstrap writes it: labelled rbac-defaults, auto-updated."""
    role: dict[str, Any] = {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRole",
        "metadata": {
            "name": name,
            "labels": {BOOTSTRAPPING_LABEL: "rbac-defaults", **(labels or {})},
            "annotations": {AUTOUPDATE_ANNOTATION: "true"},
        },
        "rules": rules,
    }
    if aggregate:
        role["aggregationRule"] = {
            "clusterRoleSelectors": [{"matchLabels": {AGGREGATE_TO + aggregate: "true"}}]
        }
    return role


def _binding(name: str, role: str, *groups: str) -> dict[str, Any]:
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {
            "name": name,
            "labels": {BOOTSTRAPPING_LABEL: "rbac-defaults"},
            "annotations": {AUTOUPDATE_ANNOTATION: "true"},
        },
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": [{"apiGroup": RBAC_GROUP, "kind": "Group", "name": g} for g in groups],
    }


_CLUSTER_ADMIN_RULES = [_rule(["*"], ["*"], ["*"]), _rule(["*"], urls=["*"])]

# kube's system:aggregate-to-* roles, cut to the resources this server serves. Leases are an
# addition: kube grants them to no default role, but controllers run by workspace editors need them.
_AGGREGATE_TO_ADMIN = [
    _rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
    _rule(READ_WRITE, [RBAC_GROUP], ["rolebindings", "roles"]),
]
_AGGREGATE_TO_EDIT = [
    _rule(READ, [""], ["secrets"]),
    _rule(["impersonate"], [""], ["serviceaccounts"]),
    _rule(WRITE, [""], ["configmaps", "secrets", "serviceaccounts"]),
    _rule(["create"], [""], ["serviceaccounts/token"]),
    _rule(READ_WRITE, ["coordination.k8s.io"], ["leases"]),
]
_AGGREGATE_TO_VIEW = [
    _rule(READ, [""], ["configmaps", "serviceaccounts"]),
    _rule(READ, [""], ["resourcequotas", "events", "resourcequotas/status", "namespaces/status"]),
    _rule(READ, [""], ["namespaces"]),
]


def default_cluster_roles() -> list[dict[str, Any]]:
    """Fresh copies of the ClusterRoles a new logical cluster stores, aggregates already filled in."""
    roles = [_cluster_role("cluster-admin", copy.deepcopy(_CLUSTER_ADMIN_RULES))]
    for to, rules in (
        ("admin", _AGGREGATE_TO_ADMIN),
        ("edit", _AGGREGATE_TO_EDIT),
        ("view", _AGGREGATE_TO_VIEW),
    ):
        roles.append(
            _cluster_role(
                f"system:aggregate-to-{to}", copy.deepcopy(rules), labels={AGGREGATE_TO + to: "true"}
            )
        )
    # view feeds edit and edit feeds admin, so aggregate in that order
    for name, into in (("view", "edit"), ("edit", "admin"), ("admin", "")):
        role = _cluster_role(name, [], labels={AGGREGATE_TO + into: "true"} if into else None, aggregate=name)
        role["rules"] = aggregate_cluster_role(role, roles)
        roles.append(role)
    return roles


GLOBAL_CLUSTER_ROLES: tuple[dict[str, Any], ...] = (
    _cluster_role("cluster-admin", _CLUSTER_ADMIN_RULES),
    _cluster_role(
        "system:basic-user",
        [
            _rule(
                ["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]
            ),
            _rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]),
        ],
    ),
    _cluster_role(
        "system:discovery",
        [
            _rule(
                ["get"],
                urls=[
                    "/livez",
                    "/readyz",
                    "/healthz",
                    "/version",
                    "/version/",
                    "/openapi",
                    "/openapi/*",
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                ],
            )
        ],
    ),
    _cluster_role(
        "system:public-info-viewer",
        [
            _rule(["get"], urls=["/livez", "/readyz", "/healthz", "/version", "/version/"]),
        ],
    ),
    _cluster_role(WORKSPACE_ACCESS, [_rule(["access"], urls=["/"])]),
    _cluster_role(
        "system:kcp:tenancy:reader",
        [
            _rule(READ, [TENANCY], ["workspaces", "workspacetypes"]),
            _rule(READ, [CORE_KCP], ["logicalclusters"]),
        ],
    ),
    _cluster_role(WORKSPACE_BOOTSTRAPPER, _CLUSTER_ADMIN_RULES),
    _cluster_role(
        LOGICAL_CLUSTER_ADMIN,
        [
            _rule(["*"], [CORE_KCP], ["logicalclusters", "logicalclusters/status"]),
            _rule(["delete", "update", "get"], [TENANCY], ["workspaces"]),
        ],
    ),
    _cluster_role(
        EXTERNAL_LOGICAL_CLUSTER_ADMIN,
        [
            _rule(["delete", "update", "get"], [CORE_KCP], ["logicalclusters", "logicalclusters/status"]),
            _rule(["delete", "update", "patch", "get"], [TENANCY], ["workspaces"]),
            _rule(["get"], [""], ["serviceaccounts", "secrets"]),
            _rule(["access"], urls=["/"]),
            _rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
        ],
    ),
    _cluster_role("system:kcp:metrics-reader", [_rule(["get"], urls=["/metrics"])]),
    *(role for role in default_cluster_roles() if role["metadata"]["name"] != "cluster-admin"),
)

GLOBAL_CLUSTER_ROLE_BINDINGS: tuple[dict[str, Any], ...] = (
    _binding("cluster-admin", "cluster-admin", SYSTEM_MASTERS),
    _binding("system:kcp:admin:cluster-admin", "cluster-admin", KCP_ADMIN_GROUP),
    _binding("system:basic-user", "system:basic-user", AUTHENTICATED),
    _binding("system:discovery", "system:discovery", AUTHENTICATED),
    _binding("system:public-info-viewer", "system:public-info-viewer", AUTHENTICATED, UNAUTHENTICATED),
    _binding(
        WORKSPACE_BOOTSTRAPPER,
        WORKSPACE_BOOTSTRAPPER,
        WORKSPACE_BOOTSTRAPPER,
        "apis.kcp.io:binding:" + WORKSPACE_BOOTSTRAPPER,
    ),
    _binding(LOGICAL_CLUSTER_ADMIN, LOGICAL_CLUSTER_ADMIN, LOGICAL_CLUSTER_ADMIN),
    _binding(EXTERNAL_LOGICAL_CLUSTER_ADMIN, EXTERNAL_LOGICAL_CLUSTER_ADMIN, EXTERNAL_LOGICAL_CLUSTER_ADMIN),
)

# Pass as `RBACSnapshot(..., inherit=POLICY)` so a cluster's RBAC includes the global policy.
POLICY = RBACSnapshot(cluster_roles=GLOBAL_CLUSTER_ROLES, cluster_role_bindings=GLOBAL_CLUSTER_ROLE_BINDINGS)


def authorize(attrs: Attributes) -> tuple[Decision, str]:
    """`system:masters` first (kube's privileged-group authorizer), then the global RBAC."""
    if attrs.user.is_master:
        return Decision.ALLOW, ""
    return _decide(
        attrs.user.name,
        attrs.user.groups,
        attrs.verb,
        attrs.namespace,
        attrs.api_group,
        attrs.resource,
        attrs.subresource,
        attrs.name if _NAMED_RULES else "",
        attrs.resource_request,
        "" if attrs.resource_request else attrs.path,  # RBAC reads the path of non-resource requests only
    )


# The global policy never changes, so its answers are remembered. No global rule names objects and
# resource requests are judged without their URL path, so neither is in the key: one entry serves
# every object of a kind.
_NAMED_RULES = any(
    rule.get("resourceNames") for role in GLOBAL_CLUSTER_ROLES for rule in role.get("rules") or ()
)


@functools.lru_cache(maxsize=8192)
def _decide(
    user: str,
    groups: tuple[str, ...],
    verb: str,
    namespace: str,
    api_group: str,
    resource: str,
    subresource: str,
    name: str,
    resource_request: bool,
    path: str,
) -> tuple[Decision, str]:
    attrs = Attributes(
        user=UserInfo(user, groups=groups),
        verb=verb,
        namespace=namespace,
        api_group=api_group,
        resource=resource,
        subresource=subresource,
        name=name,
        resource_request=resource_request,
        path=path,
    )
    return POLICY.authorize(attrs)


def allows(attrs: Attributes) -> bool:
    """The cheap first step of every request: no storage, no per-cluster state."""
    return authorize(attrs)[0] is Decision.ALLOW


def workspace_admin_binding(owner: str) -> dict[str, Any]:
    """The ClusterRoleBinding that makes a workspace's creator its cluster-admin (kcp's owner binding)."""
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "workspace-admin"},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"apiGroup": RBAC_GROUP, "kind": "User", "name": owner}],
    }
