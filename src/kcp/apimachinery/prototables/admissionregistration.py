"""admissionregistration.k8s.io/v1 message tables: webhook configurations, validating admission
policies and their bindings."""

from __future__ import annotations

from kcp.apimachinery.protobuf_types import (
    Message,
    Mode,
    binary,
    int32,
    int64,
    message,
    messages,
    string,
    strings,
)
from kcp.apimachinery.prototables.meta import CONDITION, LABEL_SELECTOR, OBJECT_META

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

NAMED_RULE_WITH_OPERATIONS = Message(
    "NamedRuleWithOperations",
    [strings(1, "resourceNames"), message(2, "ruleWithOperations", RULE_WITH_OPERATIONS, Mode.INLINE)],
)
MATCH_RESOURCES = Message(
    "MatchResources",
    [
        message(1, "namespaceSelector", LABEL_SELECTOR, Mode.PTR),
        message(2, "objectSelector", LABEL_SELECTOR, Mode.PTR),
        messages(3, "resourceRules", NAMED_RULE_WITH_OPERATIONS),
        messages(4, "excludeResourceRules", NAMED_RULE_WITH_OPERATIONS),
        string(7, "matchPolicy", Mode.PTR),
    ],
)
PARAM_KIND = Message("ParamKind", [string(1, "apiVersion"), string(2, "kind")])
PARAM_REF = Message(
    "ParamRef",
    [
        string(1, "name"),
        string(2, "namespace"),
        message(3, "selector", LABEL_SELECTOR, Mode.PTR),
        string(4, "parameterNotFoundAction", Mode.PTR),
    ],
)
VALIDATION = Message(
    "Validation",
    [
        string(1, "expression", Mode.KEEP),
        string(2, "message"),
        string(3, "reason", Mode.PTR),
        string(4, "messageExpression"),
    ],
)
VARIABLE = Message("Variable", [string(1, "name", Mode.KEEP), string(2, "expression", Mode.KEEP)])
AUDIT_ANNOTATION = Message(
    "AuditAnnotation", [string(1, "key", Mode.KEEP), string(2, "valueExpression", Mode.KEEP)]
)
EXPRESSION_WARNING = Message(
    "ExpressionWarning", [string(2, "fieldRef", Mode.KEEP), string(3, "warning", Mode.KEEP)]
)
TYPE_CHECKING = Message("TypeChecking", [messages(1, "expressionWarnings", EXPRESSION_WARNING)])
POLICY_SPEC = Message(
    "ValidatingAdmissionPolicySpec",
    [
        message(1, "paramKind", PARAM_KIND, Mode.PTR),
        message(2, "matchConstraints", MATCH_RESOURCES, Mode.PTR),
        messages(3, "validations", VALIDATION),
        string(4, "failurePolicy", Mode.PTR),
        messages(5, "auditAnnotations", AUDIT_ANNOTATION),
        messages(6, "matchConditions", MATCH_CONDITION),
        messages(7, "variables", VARIABLE),
    ],
)
POLICY_STATUS = Message(
    "ValidatingAdmissionPolicyStatus",
    [
        int64(1, "observedGeneration"),
        message(2, "typeChecking", TYPE_CHECKING, Mode.PTR),
        messages(3, "conditions", CONDITION),
    ],
)
BINDING_SPEC = Message(
    "ValidatingAdmissionPolicyBindingSpec",
    [
        string(1, "policyName"),
        message(2, "paramRef", PARAM_REF, Mode.PTR),
        message(3, "matchResources", MATCH_RESOURCES, Mode.PTR),
        strings(4, "validationActions"),
    ],
)
VALIDATING_ADMISSION_POLICY = Message(
    "ValidatingAdmissionPolicy",
    [
        message(1, "metadata", OBJECT_META),
        message(2, "spec", POLICY_SPEC),
        message(3, "status", POLICY_STATUS),
    ],
)
VALIDATING_ADMISSION_POLICY_BINDING = Message(
    "ValidatingAdmissionPolicyBinding",
    [message(1, "metadata", OBJECT_META), message(2, "spec", BINDING_SPEC)],
)

KINDS = {
    (GROUP_VERSION, "ValidatingAdmissionPolicy"): VALIDATING_ADMISSION_POLICY,
    (GROUP_VERSION, "ValidatingAdmissionPolicyBinding"): VALIDATING_ADMISSION_POLICY_BINDING,
    (GROUP_VERSION, "ValidatingWebhookConfiguration"): VALIDATING_WEBHOOK_CONFIGURATION,
    (GROUP_VERSION, "MutatingWebhookConfiguration"): MUTATING_WEBHOOK_CONFIGURATION,
}
