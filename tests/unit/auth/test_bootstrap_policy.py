"""The global policy every workspace shares and the ClusterRoles each new one stores."""

from __future__ import annotations

from typing import Any

import pytest

from kcp.apimachinery.user import UserInfo
from kcp.auth import bootstrap_policy
from kcp.auth.attributes import Attributes, Decision
from kcp.auth.rbac import RBACSnapshot, aggregate_cluster_role, covers

BOB = UserInfo("bob", groups=("system:authenticated",))
NOBODY = UserInfo("system:anonymous", groups=("system:unauthenticated",))


def path(user: UserInfo, verb: str, p: str) -> Attributes:
    return Attributes(user, verb, path=p, cluster="root")


def res(user: UserInfo, verb: str, group: str, resource: str, ns: str = "") -> Attributes:
    return Attributes(user, verb, ns, group, "v1", resource, resource_request=True, cluster="root")


@pytest.mark.parametrize(
    "p",
    [
        "/api",
        "/api/v1",
        "/apis",
        "/apis/apps/v1",
        "/openapi/v2",
        "/version",
        "/version/",
        "/healthz",
        "/livez",
    ],
)
def test_every_authenticated_user_may_discover(p: str) -> None:
    assert bootstrap_policy.allows(path(BOB, "get", p))


def test_self_reviews_for_every_authenticated_user() -> None:
    for group, resource in [
        ("authorization.k8s.io", "selfsubjectaccessreviews"),
        ("authorization.k8s.io", "selfsubjectrulesreviews"),
        ("authentication.k8s.io", "selfsubjectreviews"),
    ]:
        assert bootstrap_policy.allows(res(BOB, "create", group, resource))
        assert not bootstrap_policy.allows(res(NOBODY, "create", group, resource))
    assert not bootstrap_policy.allows(res(BOB, "create", "authorization.k8s.io", "subjectaccessreviews"))


def test_unauthenticated_see_only_public_info() -> None:
    assert bootstrap_policy.allows(path(NOBODY, "get", "/version"))
    assert bootstrap_policy.allows(path(NOBODY, "get", "/readyz"))
    assert not bootstrap_policy.allows(path(NOBODY, "get", "/apis"))
    assert not bootstrap_policy.allows(path(BOB, "post", "/version"))
    assert not bootstrap_policy.allows(path(BOB, "get", "/metrics"))


def test_privileged_groups() -> None:
    master = UserInfo("shard-admin", groups=("system:masters",))
    assert bootstrap_policy.authorize(res(master, "delete", "x.io", "anything")) == (Decision.ALLOW, "")
    kcp_admin = UserInfo("kcp-admin", groups=("system:kcp:admin", "system:authenticated"))
    decision, reason = bootstrap_policy.authorize(res(kcp_admin, "delete", "", "secrets", "ns"))
    assert decision is Decision.ALLOW
    assert reason == (
        'RBAC: allowed by ClusterRoleBinding "system:kcp:admin:cluster-admin" of ClusterRole "cluster-admin" '
        'to Group "system:kcp:admin"'
    )
    assert bootstrap_policy.authorize(res(BOB, "get", "", "secrets", "ns")) == (Decision.NO_OPINION, "")


def test_local_bindings_may_reference_global_cluster_roles() -> None:
    binding = {
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "access"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "system:kcp:workspace:access",
        },
        "subjects": [{"kind": "User", "name": "bob"}],
    }
    local = RBACSnapshot(cluster_role_bindings=[binding], inherit=bootstrap_policy.POLICY)
    assert local.authorize(path(BOB, "access", "/"))[0] is Decision.ALLOW
    assert not bootstrap_policy.allows(path(BOB, "access", "/"))
    resource_rules, non_resource_rules = local.rules_for(BOB, "default")
    assert {"verbs": ["access"], "nonResourceURLs": ["/"]} in non_resource_rules
    assert {
        "verbs": ["create"],
        "apiGroups": ["authentication.k8s.io"],
        "resources": ["selfsubjectreviews"],
    } in (resource_rules)


def by_name(roles: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r for r in roles}


def test_default_cluster_roles_are_kube_bootstrap_objects() -> None:
    roles = by_name(bootstrap_policy.default_cluster_roles())
    assert set(roles) == {
        "cluster-admin",
        "admin",
        "edit",
        "view",
        "system:aggregate-to-admin",
        "system:aggregate-to-edit",
        "system:aggregate-to-view",
    }
    for role in roles.values():
        assert role["apiVersion"] == "rbac.authorization.k8s.io/v1" and role["kind"] == "ClusterRole"
        assert role["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
        assert role["metadata"]["annotations"] == {"rbac.authorization.kubernetes.io/autoupdate": "true"}
    agg = "rbac.authorization.k8s.io/aggregate-to-"
    assert roles["edit"]["metadata"]["labels"][agg + "admin"] == "true"
    assert roles["view"]["metadata"]["labels"][agg + "edit"] == "true"
    assert roles["admin"]["aggregationRule"] == {
        "clusterRoleSelectors": [{"matchLabels": {agg + "admin": "true"}}]
    }
    assert bootstrap_policy.default_cluster_roles() is not bootstrap_policy.default_cluster_roles()


def test_admin_edit_view_nest_and_stay_aggregated() -> None:
    roles = bootstrap_policy.default_cluster_roles()
    named = by_name(roles)
    admin, edit, view = (named[n]["rules"] for n in ("admin", "edit", "view"))
    assert covers(admin, edit)[0] and covers(edit, view)[0]
    assert not covers(edit, admin)[0] and not covers(view, edit)[0]

    def grants(rules: list[dict[str, Any]], verb: str, group: str, resource: str) -> bool:
        return covers(rules, [{"verbs": [verb], "apiGroups": [group], "resources": [resource]}])[0]

    assert grants(view, "list", "", "configmaps") and not grants(view, "get", "", "secrets")
    assert grants(edit, "update", "coordination.k8s.io", "leases")
    assert grants(edit, "create", "", "serviceaccounts/token")
    assert not grants(edit, "create", "rbac.authorization.k8s.io", "roles")
    assert grants(admin, "create", "rbac.authorization.k8s.io", "rolebindings")
    for name in ("admin", "edit", "view"):  # what the aggregation controller would compute again
        assert aggregate_cluster_role(named[name], roles) == named[name]["rules"]
