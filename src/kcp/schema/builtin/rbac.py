"""rbac.authorization.k8s.io/v1: roles and the bindings that grant them."""

from __future__ import annotations

from kcp.schema.builtin.fields import ATOMIC, ATOMIC_STRUCT, Definition, Schema, array, obj, string, strings
from kcp.schema.builtin.meta import LABEL_SELECTOR, kind

GROUP = "rbac.authorization.k8s.io"
PACKAGE = "io.k8s.api.rbac.v1"

POLICY_RULE = Definition(
    f"{PACKAGE}.PolicyRule",
    obj(
        "Verbs allowed on resources or on non-resource URLs.",
        {
            "verbs": strings("Allowed verbs, such as get or list; '*' allows all."),
            "apiGroups": strings("API groups of the resources; '' is the core group, '*' all groups."),
            "resources": strings("Resources the rule covers, optionally with /subresource; '*' all."),
            "resourceNames": strings("Restricts the rule to objects with these names."),
            "nonResourceURLs": strings(
                "URL paths such as /healthz, for cluster roles only; '*' as a suffix."
            ),
        },
        ("verbs",),
    ),
)

AGGREGATION_RULE = Definition(
    f"{PACKAGE}.AggregationRule",
    obj(
        "Builds a cluster role's rules from the cluster roles that match.",
        {
            "clusterRoleSelectors": array(
                "Cluster roles matching any selector contribute rules.", LABEL_SELECTOR.item()
            )
            | ATOMIC,
        },
    ),
)

SUBJECT = Definition(
    f"{PACKAGE}.Subject",
    obj(
        "Who a binding grants its role to.",
        {
            "kind": string("User, Group or ServiceAccount."),
            "apiGroup": string("API group of the subject; rbac.authorization.k8s.io for users and groups."),
            "name": string("Name of the subject."),
            "namespace": string("Namespace of a service account; empty for users and groups."),
        },
        ("kind", "name"),
    )
    | ATOMIC_STRUCT,
)

ROLE_REF = Definition(
    f"{PACKAGE}.RoleRef",
    obj(
        "The role a binding grants; it cannot change once set.",
        {
            "apiGroup": string("API group of the role."),
            "kind": string("Role or ClusterRole."),
            "name": string("Name of the role."),
        },
        ("apiGroup", "kind", "name"),
    )
    | ATOMIC_STRUCT,
)

DEFINITIONS = (POLICY_RULE, AGGREGATION_RULE, SUBJECT, ROLE_REF)


def _rules(scope: str) -> Schema:
    return array(f"What the role allows, within {scope}.", POLICY_RULE.item()) | ATOMIC


def _subjects() -> Schema:
    return array("Who is granted the role.", SUBJECT.item()) | ATOMIC


def _role() -> Schema:
    return kind(
        (GROUP, "v1", "Role"),
        "Rules that grant access within one namespace.",
        {"rules": _rules("the namespace")},
    )


def _cluster_role() -> Schema:
    return kind(
        (GROUP, "v1", "ClusterRole"),
        "Rules that grant access across the workspace, or in a namespace through a RoleBinding.",
        {
            "rules": _rules("the workspace"),
            "aggregationRule": AGGREGATION_RULE.field(
                "If set, the controller manages rules from other roles."
            ),
        },
    )


def _role_binding() -> Schema:
    return kind(
        (GROUP, "v1", "RoleBinding"),
        "Grants a Role or ClusterRole to subjects within one namespace.",
        {"subjects": _subjects(), "roleRef": ROLE_REF.field("The role granted; immutable.")},
        ("roleRef",),
    )


def _cluster_role_binding() -> Schema:
    return kind(
        (GROUP, "v1", "ClusterRoleBinding"),
        "Grants a ClusterRole to subjects across the workspace.",
        {"subjects": _subjects(), "roleRef": ROLE_REF.field("The cluster role granted; immutable.")},
        ("roleRef",),
    )


KINDS = {
    ("v1", "Role"): _role,
    ("v1", "ClusterRole"): _cluster_role,
    ("v1", "RoleBinding"): _role_binding,
    ("v1", "ClusterRoleBinding"): _cluster_role_binding,
}
