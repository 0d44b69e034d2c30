"""admissionregistration.k8s.io/v1: validating and mutating admission webhook configurations."""

from __future__ import annotations

from kcp.schema.builtin.fields import (
    ATOMIC,
    Definition,
    Schema,
    array,
    int32,
    map_list,
    obj,
    string,
    strings,
)
from kcp.schema.builtin.meta import LABEL_SELECTOR, kind

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

DEFINITIONS = (SERVICE_REFERENCE, CLIENT_CONFIG, RULE, MATCH_CONDITION, VALIDATING_WEBHOOK, MUTATING_WEBHOOK)


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


KINDS = {
    ("v1", "ValidatingWebhookConfiguration"): _validating,
    ("v1", "MutatingWebhookConfiguration"): _mutating,
}
