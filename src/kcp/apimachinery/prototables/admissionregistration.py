"""admissionregistration.k8s.io/v1 message tables: the webhook configurations."""

from __future__ import annotations

from kcp.apimachinery.protobuf_types import Message, Mode, binary, int32, message, messages, string, strings
from kcp.apimachinery.prototables.meta import LABEL_SELECTOR, OBJECT_META

GROUP_VERSION = "admissionregistration.k8s.io/v1"

SERVICE_REFERENCE = Message(
    "ServiceReference",
    [
        string(1, "namespace", Mode.KEEP),
        string(2, "name", Mode.KEEP),
        string(3, "path", Mode.PTR),
        int32(4, "port", Mode.PTR),
    ],
)
WEBHOOK_CLIENT_CONFIG = Message(
    "WebhookClientConfig",
    [
        string(3, "url", Mode.PTR),
        message(1, "service", SERVICE_REFERENCE, Mode.PTR),
        binary(2, "caBundle"),
    ],
)
RULE = Message(
    "Rule",
    [
        strings(1, "apiGroups"),
        strings(2, "apiVersions"),
        strings(3, "resources"),
        string(4, "scope", Mode.PTR),
    ],
)
RULE_WITH_OPERATIONS = Message(
    "RuleWithOperations", [strings(1, "operations"), message(2, "rule", RULE, Mode.INLINE)]
)
MATCH_CONDITION = Message(
    "MatchCondition", [string(1, "name", Mode.KEEP), string(2, "expression", Mode.KEEP)]
)

VALIDATING_WEBHOOK = Message(
    "ValidatingWebhook",
    [
        string(1, "name", Mode.KEEP),
        message(2, "clientConfig", WEBHOOK_CLIENT_CONFIG),
        messages(3, "rules", RULE_WITH_OPERATIONS),
        string(4, "failurePolicy", Mode.PTR),
        string(9, "matchPolicy", Mode.PTR),
        message(5, "namespaceSelector", LABEL_SELECTOR, Mode.PTR),
        message(10, "objectSelector", LABEL_SELECTOR, Mode.PTR),
        string(6, "sideEffects", Mode.NULL),
        int32(7, "timeoutSeconds", Mode.PTR),
        strings(8, "admissionReviewVersions", Mode.KEEP),
        messages(11, "matchConditions", MATCH_CONDITION),
    ],
)
MUTATING_WEBHOOK = Message(
    "MutatingWebhook",
    [
        string(1, "name", Mode.KEEP),
        message(2, "clientConfig", WEBHOOK_CLIENT_CONFIG),
        messages(3, "rules", RULE_WITH_OPERATIONS),
        string(4, "failurePolicy", Mode.PTR),
        string(9, "matchPolicy", Mode.PTR),
        message(5, "namespaceSelector", LABEL_SELECTOR, Mode.PTR),
        message(11, "objectSelector", LABEL_SELECTOR, Mode.PTR),
        string(6, "sideEffects", Mode.NULL),
        int32(7, "timeoutSeconds", Mode.PTR),
        strings(8, "admissionReviewVersions", Mode.KEEP),
        string(10, "reinvocationPolicy", Mode.PTR),
        messages(12, "matchConditions", MATCH_CONDITION),
    ],
)

VALIDATING_WEBHOOK_CONFIGURATION = Message(
    "ValidatingWebhookConfiguration",
    [message(1, "metadata", OBJECT_META), messages(2, "webhooks", VALIDATING_WEBHOOK)],
)
MUTATING_WEBHOOK_CONFIGURATION = Message(
    "MutatingWebhookConfiguration",
    [message(1, "metadata", OBJECT_META), messages(2, "webhooks", MUTATING_WEBHOOK)],
)

KINDS = {
    (GROUP_VERSION, "ValidatingWebhookConfiguration"): VALIDATING_WEBHOOK_CONFIGURATION,
    (GROUP_VERSION, "MutatingWebhookConfiguration"): MUTATING_WEBHOOK_CONFIGURATION,
}
