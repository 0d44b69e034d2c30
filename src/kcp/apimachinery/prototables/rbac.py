"""rbac.authorization.k8s.io/v1 message tables."""

from __future__ import annotations

from kcp.apimachinery.protobuf_types import Message, Mode, message, messages, string, strings
from kcp.apimachinery.prototables.meta import LABEL_SELECTOR, OBJECT_META

GROUP_VERSION = "rbac.authorization.k8s.io/v1"

POLICY_RULE = Message(
    "PolicyRule",
    [
        strings(1, "verbs", Mode.KEEP),
        strings(2, "apiGroups"),
        strings(3, "resources"),
        strings(4, "resourceNames"),
        strings(5, "nonResourceURLs"),
    ],
)
AGGREGATION_RULE = Message("AggregationRule", [messages(1, "clusterRoleSelectors", LABEL_SELECTOR)])
SUBJECT = Message(
    "Subject",
    [
        string(1, "kind", Mode.KEEP),
        string(2, "apiGroup"),
        string(3, "name", Mode.KEEP),
        string(4, "namespace"),
    ],
)
ROLE_REF = Message(
    "RoleRef", [string(1, "apiGroup", Mode.KEEP), string(2, "kind", Mode.KEEP), string(3, "name", Mode.KEEP)]
)

ROLE = Message("Role", [message(1, "metadata", OBJECT_META), messages(2, "rules", POLICY_RULE, Mode.KEEP)])
CLUSTER_ROLE = Message(
    "ClusterRole",
    [
        message(1, "metadata", OBJECT_META),
        messages(2, "rules", POLICY_RULE, Mode.KEEP),
        message(3, "aggregationRule", AGGREGATION_RULE, Mode.PTR),
    ],
)
_BINDING_FIELDS = [
    message(1, "metadata", OBJECT_META),
    messages(2, "subjects", SUBJECT),
    message(3, "roleRef", ROLE_REF),
]
ROLE_BINDING = Message("RoleBinding", _BINDING_FIELDS)
CLUSTER_ROLE_BINDING = Message("ClusterRoleBinding", _BINDING_FIELDS)

KINDS = {
    (GROUP_VERSION, "Role"): ROLE,
    (GROUP_VERSION, "ClusterRole"): CLUSTER_ROLE,
    (GROUP_VERSION, "RoleBinding"): ROLE_BINDING,
    (GROUP_VERSION, "ClusterRoleBinding"): CLUSTER_ROLE_BINDING,
}
