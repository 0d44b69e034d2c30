"""admissionregistration.k8s.io/v1: admission webhook configurations, validating admission policies
and their bindings."""

from __future__ import annotations

from kcp.schema.builtin.fields import (
    ATOMIC,
    ATOMIC_STRUCT,
    Definition,
    Schema,
    array,
    int32,
    int64,
    map_list,
    obj,
    string,
    strings,
)
from kcp.schema.builtin.meta import CONDITION, LABEL_SELECTOR, kind

GROUP = "admissionregistration.k8s.io"
PACKAGE = "io.k8s.api.admissionregistration.v1"

SERVICE_REFERENCE = Definition(
    f"{PACKAGE}.ServiceReference",
    obj(
        "A service a webhook is reached through.",
        {
            "namespace": string("Namespace of the service."),
            "name": string("Name of the service."),
            "path": string("URL path requests are sent to."),
            "port": int32("Port of the service; defaults to 443."),
        },
        ("namespace", "name"),
    ),
)

CLIENT_CONFIG = Definition(
    f"{PACKAGE}.WebhookClientConfig",
    obj(
        "How to reach a webhook: a URL or a service.",
        {
            "url": string("https URL of the webhook."),
            "service": SERVICE_REFERENCE.field("Service of the webhook, as an alternative to url."),
            "caBundle": string("PEM CA bundle to verify the webhook's certificate.", fmt="byte"),
        },
    ),
)

RULE = Definition(
    f"{PACKAGE}.RuleWithOperations",
    obj(
        "Operations on resources a webhook is called for; '*' matches anything in each list.",
        {
            "operations": strings("CREATE, UPDATE, DELETE, CONNECT or '*'."),
            "apiGroups": strings("API groups; '' is the core group."),
            "apiVersions": strings("API versions."),
            "resources": strings("Resources, optionally with /subresource."),
            "scope": string("Cluster, Namespaced or '*' (the default)."),
        },
    ),
)

MATCH_CONDITION = Definition(
    f"{PACKAGE}.MatchCondition",
    obj(
        "A CEL expression that must hold for the webhook to be called.",
        {
            "name": string("Identifies the condition in errors and logs; unique per webhook."),
            "expression": string("CEL expression returning a boolean."),
        },
        ("name", "expression"),
    ),
)


def _webhook_properties(what: str) -> dict[str, Schema]:
    return {
        "name": string(f"Qualified name of the {what} webhook, such as policy.example.com."),
        "clientConfig": CLIENT_CONFIG.field("How to reach the webhook."),
        "rules": array("Requests the webhook is called for.", RULE.item()) | ATOMIC,
        "failurePolicy": string("Ignore or Fail (the default): what to do when the call fails."),
        "matchPolicy": string("Exact, or Equivalent (the default) to match other versions of a resource."),
        "namespaceSelector": LABEL_SELECTOR.field("Only for objects in namespaces matching this selector."),
        "objectSelector": LABEL_SELECTOR.field("Only for objects whose labels match this selector."),
        "sideEffects": string("None or NoneOnDryRun: whether calling the webhook has side effects."),
        "timeoutSeconds": int32("Seconds before the call counts as failed, 1 to 30; defaults to 10."),
        "admissionReviewVersions": strings("AdmissionReview versions the webhook accepts, by preference."),
        "matchConditions": array("All must hold for the webhook to be called.", MATCH_CONDITION.item())
        | map_list("name", merge=True),
    }


VALIDATING_WEBHOOK = Definition(
    f"{PACKAGE}.ValidatingWebhook",
    obj(
        "A webhook that can reject requests.",
        _webhook_properties("validating"),
        ("name", "clientConfig", "sideEffects", "admissionReviewVersions"),
    ),
)

MUTATING_WEBHOOK = Definition(
    f"{PACKAGE}.MutatingWebhook",
    obj(
        "A webhook that can change or reject requests.",
        {
            **_webhook_properties("mutating"),
            "reinvocationPolicy": string(
                "Never (the default) or IfNeeded: call again after later mutations."
            ),
        },
        ("name", "clientConfig", "sideEffects", "admissionReviewVersions"),
    ),
)

NAMED_RULE = Definition(
    f"{PACKAGE}.NamedRuleWithOperations",
    obj(
        "Operations on resources, optionally only on some names; '*' matches anything in each list.",
        {
            "resourceNames": strings("Names the rule is limited to; empty means all."),
            **RULE.schema["properties"],
        },
    )
    | ATOMIC_STRUCT,
)

MATCH_RESOURCES = Definition(
    f"{PACKAGE}.MatchResources",
    obj(
        "Which requests a policy or binding applies to: all criteria must hold, and no exclusion.",
        {
            "namespaceSelector": LABEL_SELECTOR.field(
                "Only for objects in namespaces matching this selector."
            ),
            "objectSelector": LABEL_SELECTOR.field("Only for objects whose labels match this selector."),
            "resourceRules": array("Requests matched.", NAMED_RULE.item()) | ATOMIC,
            "excludeResourceRules": array("Requests never matched.", NAMED_RULE.item()) | ATOMIC,
            "matchPolicy": string(
                "Exact, or Equivalent (the default) to match other versions of a resource."
            ),
        },
    )
    | ATOMIC_STRUCT,
)

PARAM_KIND = Definition(
    f"{PACKAGE}.ParamKind",
    obj(
        "The kind of the objects that parameterize a policy.",
        {
            "apiVersion": string("Group/version of the parameter kind, such as v1."),
            "kind": string("Kind of the parameter objects, such as ConfigMap."),
        },
    )
    | ATOMIC_STRUCT,
)

PARAM_REF = Definition(
    f"{PACKAGE}.ParamRef",
    obj(
        "The parameter objects a binding uses: one by name, or those a selector matches.",
        {
            "name": string("Name of the parameter object."),
            "namespace": string("Namespace of namespaced parameters; defaults to the request's."),
            "selector": LABEL_SELECTOR.field("Labels of the parameter objects, instead of a name."),
            "parameterNotFoundAction": string("Allow or Deny the request when no parameter is found."),
        },
    )
    | ATOMIC_STRUCT,
)

VALIDATION = Definition(
    f"{PACKAGE}.Validation",
    obj(
        "A CEL expression every matched request must satisfy.",
        {
            "expression": string("CEL expression returning true when the request is allowed."),
            "message": string("Message returned when the expression is false."),
            "reason": string(
                "Reason of the denial: Unauthorized, Forbidden, Invalid or RequestEntityTooLarge."
            ),
            "messageExpression": string("CEL expression returning the message, tried before message."),
        },
        ("expression",),
    ),
)

VARIABLE = Definition(
    f"{PACKAGE}.Variable",
    obj(
        "A named CEL expression other expressions read as variables.<name>.",
        {
            "name": string("Name of the variable, a CEL identifier."),
            "expression": string("CEL expression of the value."),
        },
        ("name", "expression"),
    )
    | ATOMIC_STRUCT,
)

AUDIT_ANNOTATION = Definition(
    f"{PACKAGE}.AuditAnnotation",
    obj(
        "An annotation of the audit event, computed by CEL.",
        {
            "key": string("Annotation key, prefixed with the policy name."),
            "valueExpression": string("CEL expression returning the value, or null to omit it."),
        },
        ("key", "valueExpression"),
    ),
)

EXPRESSION_WARNING = Definition(
    f"{PACKAGE}.ExpressionWarning",
    obj(
        "A type-checking warning on one expression.",
        {
            "fieldRef": string("Path of the field holding the expression."),
            "warning": string("What type checking found."),
        },
        ("fieldRef", "warning"),
    ),
)

TYPE_CHECKING = Definition(
    f"{PACKAGE}.TypeChecking",
    obj(
        "Results of type-checking a policy's expressions.",
        {"expressionWarnings": array("Warnings, per expression.", EXPRESSION_WARNING.item()) | ATOMIC},
    ),
)

POLICY_SPEC = Definition(
    f"{PACKAGE}.ValidatingAdmissionPolicySpec",
    obj(
        "What a validating admission policy checks, and on which requests.",
        {
            "paramKind": PARAM_KIND.field("Kind of the parameters bindings may give; none if unset."),
            "matchConstraints": MATCH_RESOURCES.field("Requests the policy may apply to."),
            "validations": array("CEL validations; all must hold.", VALIDATION.item()) | ATOMIC,
            "failurePolicy": string("Ignore or Fail (the default): what an expression error does."),
            "auditAnnotations": array("Annotations added to the audit event.", AUDIT_ANNOTATION.item())
            | ATOMIC,
            "matchConditions": array("All must hold for the policy to apply.", MATCH_CONDITION.item())
            | map_list("name", merge=True),
            "variables": array("Variables the other expressions may read.", VARIABLE.item()) | ATOMIC,
        },
    ),
)

POLICY_STATUS = Definition(
    f"{PACKAGE}.ValidatingAdmissionPolicyStatus",
    obj(
        "What the server observed of a policy.",
        {
            "observedGeneration": int64("The generation this status describes."),
            "typeChecking": TYPE_CHECKING.field("Results of type checking the expressions."),
            "conditions": array("Conditions of the policy.", CONDITION.item()) | map_list("type", merge=True),
        },
    ),
)

BINDING_SPEC = Definition(
    f"{PACKAGE}.ValidatingAdmissionPolicyBindingSpec",
    obj(
        "Which policy applies where, with which parameters, and what a failed validation does.",
        {
            "policyName": string("Name of the ValidatingAdmissionPolicy bound."),
            "paramRef": PARAM_REF.field("The parameters for the policy, if it takes any."),
            "matchResources": MATCH_RESOURCES.field("Narrows the requests the policy applies to."),
            "validationActions": array(
                "Deny, Warn and/or Audit: what a failed validation does.", {"type": "string"}
            )
            | {"x-kubernetes-list-type": "set"},
        },
    ),
)

DEFINITIONS = (
    SERVICE_REFERENCE,
    CLIENT_CONFIG,
    RULE,
    MATCH_CONDITION,
    VALIDATING_WEBHOOK,
    MUTATING_WEBHOOK,
    NAMED_RULE,
    MATCH_RESOURCES,
    PARAM_KIND,
    PARAM_REF,
    VALIDATION,
    VARIABLE,
    AUDIT_ANNOTATION,
    EXPRESSION_WARNING,
    TYPE_CHECKING,
    POLICY_SPEC,
    POLICY_STATUS,
    BINDING_SPEC,
)


def _validating() -> Schema:
    return kind(
        (GROUP, "v1", "ValidatingWebhookConfiguration"),
        "Webhooks that may reject requests after mutation.",
        {"webhooks": array("The webhooks.", VALIDATING_WEBHOOK.item()) | map_list("name", merge=True)},
    )


def _mutating() -> Schema:
    return kind(
        (GROUP, "v1", "MutatingWebhookConfiguration"),
        "Webhooks that may change or reject requests before validation.",
        {"webhooks": array("The webhooks.", MUTATING_WEBHOOK.item()) | map_list("name", merge=True)},
    )


def _policy() -> Schema:
    return kind(
        (GROUP, "v1", "ValidatingAdmissionPolicy"),
        "CEL validations the server runs on matched requests, where a binding applies them.",
        {
            "spec": POLICY_SPEC.field("What the policy checks."),
            "status": POLICY_STATUS.field("What the server observed of the policy."),
        },
    )


def _binding() -> Schema:
    return kind(
        (GROUP, "v1", "ValidatingAdmissionPolicyBinding"),
        "Applies a ValidatingAdmissionPolicy to requests, with parameters and validation actions.",
        {"spec": BINDING_SPEC.field("What the binding applies, and how.")},
    )


KINDS = {
    ("v1", "ValidatingWebhookConfiguration"): _validating,
    ("v1", "ValidatingAdmissionPolicy"): _policy,
    ("v1", "ValidatingAdmissionPolicyBinding"): _binding,
    ("v1", "MutatingWebhookConfiguration"): _mutating,
}
