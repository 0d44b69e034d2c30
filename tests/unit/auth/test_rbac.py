"""RBAC evaluation, rule coverage, escalation prevention and aggregation, against kube's semantics."""

from __future__ import annotations

from typing import Any

import pytest

from kcp.apimachinery.errors import Forbidden
from kcp.apimachinery.user import UserInfo
from kcp.auth.attributes import Attributes, Decision
from kcp.auth.rbac import (
    RBACSnapshot,
    aggregate_cluster_role,
    check_binding_escalation,
    check_role_escalation,
    compact_string,
    covers,
    rule_allows,
    subject_matches,
)

G = "rbac.authorization.k8s.io"
ALICE = UserInfo("alice", groups=("devs", "system:authenticated"))
ADMIN = UserInfo("root", groups=("system:masters",))


def res(
    verb: str, resource: str, *, group: str = "", sub: str = "", name: str = "", ns: str = ""
) -> Attributes:
    return Attributes(ALICE, verb, ns, group, "v1", resource, sub, name, True, "", "root")


def url(verb: str, path: str) -> Attributes:
    return Attributes(ALICE, verb, path=path, cluster="root")


def cluster_role(name: str, *rules: dict[str, Any], labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"kind": "ClusterRole", "metadata": {"name": name, "labels": labels or {}}, "rules": list(rules)}


def role(name: str, ns: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "Role", "metadata": {"name": name, "namespace": ns}, "rules": list(rules)}


def binding(name: str, kind: str, role_name: str, *subjects: dict[str, str], ns: str = "") -> dict[str, Any]:
    meta = {"name": name, "namespace": ns} if ns else {"name": name}
    return {
        "kind": "RoleBinding" if ns else "ClusterRoleBinding",
        "metadata": meta,
        "roleRef": {"apiGroup": G, "kind": kind, "name": role_name},
        "subjects": list(subjects),
    }


def user(name: str) -> dict[str, str]:
    return {"kind": "User", "name": name}


def rule(
    verbs: list[str], groups: list[str], resources: list[str], names: list[str] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"verbs": verbs, "apiGroups": groups, "resources": resources}
    if names:
        out["resourceNames"] = names
    return out


@pytest.mark.parametrize(
    ("r", "attrs", "expected"),
    [
        (rule(["get"], [""], ["pods"]), res("get", "pods"), True),
        (rule(["get"], [""], ["pods"]), res("list", "pods"), False),
        (rule(["*"], [""], ["pods"]), res("delete", "pods"), True),
        (rule(["get"], ["apps"], ["pods"]), res("get", "pods"), False),
        (rule(["get"], ["*"], ["deployments"]), res("get", "deployments", group="apps"), True),
        (rule(["get"], [""], ["pods"]), res("get", "pods", sub="status"), False),
        (rule(["get"], [""], ["pods/status"]), res("get", "pods", sub="status"), True),
        (rule(["get"], [""], ["pods/status"]), res("get", "pods"), False),
        (rule(["get"], [""], ["*/status"]), res("get", "configmaps", sub="status"), True),
        (rule(["get"], [""], ["*/status"]), res("get", "configmaps"), False),
        (rule(["get"], [""], ["*"]), res("get", "pods", sub="log"), True),
        (rule(["get"], [""], ["pods"], ["a"]), res("get", "pods", name="a"), True),
        (rule(["get"], [""], ["pods"], ["a"]), res("get", "pods", name="b"), False),
        (rule(["list"], [""], ["pods"], ["a"]), res("list", "pods"), False),
        ({"verbs": ["get"], "nonResourceURLs": ["/healthz"]}, url("get", "/healthz"), True),
        ({"verbs": ["get"], "nonResourceURLs": ["/healthz"]}, url("get", "/healthz/etcd"), False),
        ({"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}, url("get", "/apis/apps/v1"), True),
        ({"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}, url("get", "/apis"), False),
        ({"verbs": ["get"], "nonResourceURLs": ["*"]}, url("get", "/anything"), True),
        ({"verbs": ["get"], "nonResourceURLs": ["*"]}, url("post", "/anything"), False),
        ({"verbs": ["*"], "nonResourceURLs": ["*"]}, res("get", "pods"), False),
        (rule(["*"], ["*"], ["*"]), url("get", "/healthz"), False),
    ],
)
def test_rule_allows(r: dict[str, Any], attrs: Attributes, expected: bool) -> None:
    assert rule_allows(r, attrs) is expected


def test_subject_matches() -> None:
    sa = UserInfo("system:serviceaccount:ns1:builder")
    assert subject_matches(user("alice"), ALICE, "")
    assert subject_matches({"kind": "Group", "name": "devs"}, ALICE, "")
    assert not subject_matches({"kind": "Group", "name": "alice"}, ALICE, "")
    assert subject_matches({"kind": "ServiceAccount", "name": "builder", "namespace": "ns1"}, sa, "")
    assert subject_matches({"kind": "ServiceAccount", "name": "builder"}, sa, "ns1")  # defaults to binding ns
    assert not subject_matches({"kind": "ServiceAccount", "name": "builder"}, sa, "")
    assert not subject_matches({"kind": "ServiceAccount", "name": "builder", "namespace": "ns2"}, sa, "ns1")
    assert not subject_matches({"kind": "Robot", "name": "alice"}, ALICE, "")


def test_cluster_role_binding_allows_with_kube_reason() -> None:
    snap = RBACSnapshot(
        cluster_roles=[cluster_role("reader", rule(["get"], [""], ["pods"]))],
        cluster_role_bindings=[binding("read", "ClusterRole", "reader", {"kind": "Group", "name": "devs"})],
    )
    assert snap.authorize(res("get", "pods", ns="x")) == (
        Decision.ALLOW,
        'RBAC: allowed by ClusterRoleBinding "read" of ClusterRole "reader" to Group "devs"',
    )
    assert snap.authorize(res("delete", "pods", ns="x")) == (Decision.NO_OPINION, "")


def test_role_binding_is_namespace_scoped() -> None:
    snap = RBACSnapshot(
        roles=[role("r", "ns1", rule(["get"], [""], ["configmaps"]))],
        cluster_roles=[cluster_role("writer", rule(["create"], [""], ["configmaps"]))],
        role_bindings=[
            binding("rb", "Role", "r", user("alice"), ns="ns1"),
            binding(
                "crb-in-ns",
                "ClusterRole",
                "writer",
                {"kind": "ServiceAccount", "name": "x"},
                user("alice"),
                ns="ns1",
            ),
        ],
    )
    decision, reason = snap.authorize(res("get", "configmaps", ns="ns1"))
    assert decision is Decision.ALLOW
    assert reason == 'RBAC: allowed by RoleBinding "rb/ns1" of Role "r" to User "alice"'
    assert snap.authorize(res("create", "configmaps", ns="ns1"))[0] is Decision.ALLOW
    assert not snap.authorize(res("get", "configmaps", ns="ns2"))[0]
    assert not snap.authorize(res("get", "configmaps"))[0]  # cluster-wide: role bindings do not apply


def test_missing_roles_are_reported_not_fatal() -> None:
    snap = RBACSnapshot(
        cluster_roles=[cluster_role("ok", rule(["get"], [""], ["pods"]))],
        cluster_role_bindings=[
            binding("a", "ClusterRole", "gone", user("alice")),
            binding("b", "ClusterRole", "ok", user("alice")),
        ],
        role_bindings=[binding("c", "Role", "gone", user("alice"), ns="ns")],
    )
    assert snap.authorize(res("get", "pods", ns="ns"))[0] is Decision.ALLOW
    decision, reason = snap.authorize(res("list", "pods", ns="ns"))
    assert decision is Decision.NO_OPINION
    assert reason == (
        'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, '
        'role.rbac.authorization.k8s.io "gone" not found]'
    )
    assert not Decision.NO_OPINION and not Decision.DENY and Decision.ALLOW


def test_inherited_policy_applies_and_its_cluster_roles_can_be_bound() -> None:
    shared = RBACSnapshot(
        cluster_roles=[cluster_role("system:access", {"verbs": ["access"], "nonResourceURLs": ["/"]})],
        cluster_role_bindings=[
            binding("every", "ClusterRole", "system:access", {"kind": "Group", "name": "all"})
        ],
    )
    local = RBACSnapshot(
        cluster_role_bindings=[binding("mine", "ClusterRole", "system:access", user("alice"))], inherit=shared
    )
    assert local.authorize(url("access", "/"))[0] is Decision.ALLOW
    everyone = Attributes(UserInfo("bob", groups=("all",)), "access", path="/")
    assert local.authorize(everyone)[0] is Decision.ALLOW
    assert not RBACSnapshot(inherit=shared).authorize(url("access", "/"))[0]


def test_rules_for_splits_resource_and_non_resource_rules() -> None:
    snap = RBACSnapshot(
        cluster_roles=[
            cluster_role(
                "mixed",
                rule(["get"], [""], ["pods"], ["p"]),
                {"verbs": ["get"], "nonResourceURLs": ["/metrics"]},
            )
        ],
        cluster_role_bindings=[binding("m", "ClusterRole", "mixed", user("alice"))],
    )
    resource_rules, non_resource_rules = snap.rules_for(ALICE, "default")
    assert resource_rules == [
        {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["p"]}
    ]
    assert non_resource_rules == [{"verbs": ["get"], "nonResourceURLs": ["/metrics"]}]
    assert snap.rules_for(UserInfo("bob"), "default") == ([], [])


@pytest.mark.parametrize(
    ("owner", "requested", "ok"),
    [
        ([rule(["*"], ["*"], ["*"])], [rule(["get", "delete"], ["apps"], ["deployments", "pods/log"])], True),
        ([rule(["get"], [""], ["pods"])], [rule(["get"], [""], ["pods"])], True),
        ([rule(["get"], [""], ["pods"])], [rule(["get", "list"], [""], ["pods"])], False),
        ([rule(["get"], [""], ["*/status"])], [rule(["get"], [""], ["pods/status"])], True),
        ([rule(["get"], [""], ["*/status"])], [rule(["get"], [""], ["pods"])], False),
        ([rule(["get"], [""], ["pods"])], [rule(["get"], [""], ["pods"], ["a", "b"])], True),
        ([rule(["get"], [""], ["pods"], ["a"])], [rule(["get"], [""], ["pods"], ["a"])], True),
        ([rule(["get"], [""], ["pods"], ["a"])], [rule(["get"], [""], ["pods"], ["a", "b"])], False),
        ([rule(["get"], [""], ["pods"], ["a"])], [rule(["get"], [""], ["pods"])], False),
        (
            [{"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}],
            [{"verbs": ["get"], "nonResourceURLs": ["/apis/x"]}],
            True,
        ),
        (
            [{"verbs": ["get"], "nonResourceURLs": ["/apis"]}],
            [{"verbs": ["get"], "nonResourceURLs": ["/apis/x"]}],
            False,
        ),
        (
            [rule(["get"], [""], ["pods"]), rule(["list"], [""], ["pods"])],
            [rule(["get", "list"], [""], ["pods"])],
            True,
        ),
    ],
)
def test_covers(owner: list[dict[str, Any]], requested: list[dict[str, Any]], ok: bool) -> None:
    assert covers(owner, requested)[0] is ok


def test_covers_lists_atomic_missing_rules() -> None:
    ok, missing = covers([rule(["get"], [""], ["pods"])], [rule(["get", "list"], ["", "apps"], ["pods"])])
    assert not ok
    assert missing == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]},
        {"apiGroups": ["apps"], "resources": ["pods"], "verbs": ["get"]},
        {"apiGroups": ["apps"], "resources": ["pods"], "verbs": ["list"]},
    ]
    assert compact_string(missing[0]) == '{APIGroups:[""], Resources:["pods"], Verbs:["list"]}'


class Source:
    """A stand-in for the server's authorizer: one snapshot, escalation/bind answered from it."""

    def __init__(self, snap: RBACSnapshot) -> None:
        self.snap = snap
        self.asked: list[Attributes] = []

    async def snapshot(self, cluster: str) -> RBACSnapshot:
        return self.snap

    async def allowed(self, attrs: Attributes) -> tuple[bool, str]:
        self.asked.append(attrs)
        decision, reason = self.snap.authorize(attrs)
        return decision is Decision.ALLOW, reason


def source_for_alice(*rules: dict[str, Any]) -> Source:
    return Source(
        RBACSnapshot(
            cluster_roles=[cluster_role("alice-rules", *rules)],
            cluster_role_bindings=[binding("alice", "ClusterRole", "alice-rules", user("alice"))],
        )
    )


async def test_role_escalation_message_names_missing_permissions() -> None:
    source = source_for_alice(rule(["get"], [""], ["configmaps"]))
    wanted = role("r", "ns", rule(["get", "list", "watch"], [""], ["configmaps", "secrets"]))
    with pytest.raises(Forbidden) as err:
        await check_role_escalation(source, ALICE, "root", wanted)
    assert err.value.message == (
        'roles.rbac.authorization.k8s.io "r" is forbidden: '
        'user "alice" (groups=["devs" "system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
        '{APIGroups:[""], Resources:["configmaps"], Verbs:["list" "watch"]}\n'
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "watch"]}'
    )
    assert (err.value.code, err.value.name, err.value.group, err.value.kind) == (403, "r", G, "roles")
    assert source.asked[0].verb == "escalate" and source.asked[0].resource == "roles"
    assert source.asked[0].namespace == "ns" and source.asked[0].name == "r"


async def test_role_within_held_permissions_or_with_escalate_is_allowed() -> None:
    await check_role_escalation(
        source_for_alice(rule(["*"], [""], ["configmaps"])),
        ALICE,
        "root",
        role("r", "ns", rule(["get"], [""], ["configmaps"])),
    )
    escalator = source_for_alice(rule(["escalate"], [G], ["roles"]))
    await check_role_escalation(escalator, ALICE, "root", role("r", "ns", rule(["*"], ["*"], ["*"])))
    await check_role_escalation(
        Source(RBACSnapshot()), ADMIN, "root", role("r", "ns", rule(["*"], ["*"], ["*"]))
    )


async def test_update_touching_only_bookkeeping_skips_the_check() -> None:
    old = role("r", "ns", rule(["*"], ["*"], ["*"]))
    new = {**old, "metadata": {**old["metadata"], "finalizers": ["x"], "resourceVersion": "9"}}
    await check_role_escalation(Source(RBACSnapshot()), ALICE, "root", new, old)
    relabelled = {**old, "metadata": {**old["metadata"], "labels": {"a": "b"}}}
    with pytest.raises(Forbidden):
        await check_role_escalation(Source(RBACSnapshot()), ALICE, "root", relabelled, old)


async def test_aggregation_rule_needs_full_authority() -> None:
    aggregated = cluster_role("agg")
    aggregated["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]}
    with pytest.raises(Forbidden) as err:
        await check_role_escalation(source_for_alice(rule(["*"], [""], ["*"])), ALICE, "root", aggregated)
    assert err.value.message == (
        'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: '
        "must have cluster-admin privileges to use the aggregationRule"
    )
    full = source_for_alice(rule(["*"], ["*"], ["*"]), {"verbs": ["*"], "nonResourceURLs": ["*"]})
    await check_role_escalation(full, ALICE, "root", aggregated)
    with pytest.raises(Forbidden):  # dropping the rule from an aggregated role is checked as well
        await check_role_escalation(
            source_for_alice(rule(["*"], [""], ["*"])), ALICE, "root", cluster_role("agg"), aggregated
        )


async def test_binding_needs_the_roles_permissions_or_bind() -> None:
    powerful = cluster_role("powerful", rule(["*"], [""], ["secrets"]))
    snap = RBACSnapshot(
        cluster_roles=[powerful, cluster_role("alice-rules", rule(["get"], [""], ["secrets"]))],
        cluster_role_bindings=[binding("alice", "ClusterRole", "alice-rules", user("alice"))],
    )
    grant = binding("b", "ClusterRole", "powerful", user("mallory"), ns="ns")
    with pytest.raises(Forbidden) as err:
        await check_binding_escalation(Source(snap), ALICE, "root", grant)
    assert err.value.message.startswith(
        'rolebindings.rbac.authorization.k8s.io "b" is forbidden: '
        'user "alice" (groups=["devs" "system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
    )
    binder = RBACSnapshot(
        cluster_roles=[powerful, cluster_role("binder", rule(["bind"], [G], ["clusterroles"], ["powerful"]))],
        role_bindings=[binding("alice", "ClusterRole", "binder", user("alice"), ns="ns")],
    )
    source = Source(binder)
    await check_binding_escalation(source, ALICE, "root", grant)
    bind = source.asked[0]
    assert (bind.verb, bind.api_group, bind.resource, bind.name, bind.namespace) == (
        "bind",
        G,
        "clusterroles",
        "powerful",
        "ns",
    )
    holder = source_for_alice(rule(["*"], [""], ["secrets"]))
    holder.snap = RBACSnapshot(
        cluster_roles=[powerful, *holder.snap.cluster_roles.values()],
        cluster_role_bindings=[binding("alice", "ClusterRole", "alice-rules", user("alice"))],
    )
    await check_binding_escalation(
        holder, ALICE, "root", binding("c", "ClusterRole", "powerful", user("bob"))
    )


async def test_binding_to_a_missing_role_is_forbidden_with_not_found() -> None:
    with pytest.raises(Forbidden) as err:
        await check_binding_escalation(
            Source(RBACSnapshot()), ALICE, "root", binding("b", "Role", "ghost", user("x"), ns="ns")
        )
    assert err.value.message == (
        'rolebindings.rbac.authorization.k8s.io "b" is forbidden: '
        'role.rbac.authorization.k8s.io "ghost" not found'
    )


def test_aggregate_cluster_role_unions_matching_roles_in_name_order() -> None:
    target = cluster_role("monitoring", labels={"agg": "yes"})
    target["aggregationRule"] = {
        "clusterRoleSelectors": [
            {"matchLabels": {"agg": "yes"}},
            {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["gold"]}]},
        ]
    }
    roles = [
        target,
        cluster_role("b", rule(["get"], [""], ["pods"]), labels={"agg": "yes"}),
        cluster_role(
            "a", rule(["list"], [""], ["pods"]), rule(["get"], [""], ["pods"]), labels={"agg": "yes"}
        ),
        cluster_role("c", rule(["watch"], [""], ["pods"]), labels={"tier": "gold"}),
        cluster_role("d", rule(["delete"], [""], ["pods"]), labels={"agg": "no"}),
    ]
    assert aggregate_cluster_role(target, roles) == [
        rule(["list"], [""], ["pods"]),
        rule(["get"], [""], ["pods"]),
        rule(["watch"], [""], ["pods"]),
    ]
    assert aggregate_cluster_role(cluster_role("plain"), roles) == []
    bad = cluster_role("bad")
    bad["aggregationRule"] = {
        "clusterRoleSelectors": [{"matchExpressions": [{"key": "k", "operator": "Near"}]}]
    }
    with pytest.raises(ValueError):
        aggregate_cluster_role(bad, roles)
