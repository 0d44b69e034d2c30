"""Role binding subjects are validated as kube's ValidateRoleBindingSubject does."""

from __future__ import annotations

from typing import Any

from kcp.registry.builtin.rbac import CLUSTERROLEBINDINGS, ROLEBINDINGS, BindingStrategy

SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
REF = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}


def causes(strategy: BindingStrategy, *subjects: dict[str, Any]) -> list[tuple[str, str]]:
    obj = {"metadata": {"name": "b"}, "roleRef": REF, "subjects": list(subjects)}
    strategy.default(obj)
    return [(c.field, c.message) for c in strategy.validate(obj)]


def test_subjects_of_a_cluster_role_binding() -> None:
    strategy = BindingStrategy(CLUSTERROLEBINDINGS)
    assert causes(
        strategy,
        {"kind": "ServiceAccount", "name": "sa"},
        {"kind": "User", "name": "u", "apiGroup": "wrong"},
        {"kind": "Bogus", "name": "x"},
        {"kind": "ServiceAccount", "name": "Bad_Name", "namespace": "ns", "apiGroup": "x"},
        {"kind": "Group", "name": "g"},  # defaulted into rbac's group
    ) == [
        ("subjects[0].namespace", "Required value"),
        ("subjects[1].apiGroup", 'Unsupported value: "wrong": supported values: "rbac.authorization.k8s.io"'),
        (
            "subjects[2].kind",
            'Unsupported value: "Bogus": supported values: "ServiceAccount", "User", "Group"',
        ),
        ("subjects[3].name", f'Invalid value: "Bad_Name": {SUBDOMAIN}'),
        ("subjects[3].apiGroup", 'Unsupported value: "x": supported values: ""'),
    ]


def test_a_role_binding_may_leave_a_service_accounts_namespace_out() -> None:
    assert causes(BindingStrategy(ROLEBINDINGS), {"kind": "ServiceAccount", "name": "sa"}) == []
