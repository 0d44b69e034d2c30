"""authorization.k8s.io/v1: access reviews, asked and answered in one create, never stored."""

from __future__ import annotations

from kcp.schema.builtin.fields import ATOMIC, Definition, Schema, array, boolean, obj, string, strings
from kcp.schema.builtin.meta import FIELD_SELECTOR_REQUIREMENT, LABEL_SELECTOR_REQUIREMENT, kind

GROUP = "authorization.k8s.io"
PACKAGE = "io.k8s.api.authorization.v1"

FIELD_SELECTOR_ATTRIBUTES = Definition(
    f"{PACKAGE}.FieldSelectorAttributes",
    obj(
        "A field selector the request is limited by.",
        {
            "rawSelector": string("The selector as sent in a query string."),
            "requirements": array("The selector, parsed.", FIELD_SELECTOR_REQUIREMENT.item()) | ATOMIC,
        },
    ),
)

LABEL_SELECTOR_ATTRIBUTES = Definition(
    f"{PACKAGE}.LabelSelectorAttributes",
    obj(
        "A label selector the request is limited by.",
        {
            "rawSelector": string("The selector as sent in a query string."),
            "requirements": array("The selector, parsed.", LABEL_SELECTOR_REQUIREMENT.item()) | ATOMIC,
        },
    ),
)

RESOURCE_ATTRIBUTES = Definition(
    f"{PACKAGE}.ResourceAttributes",
    obj(
        "A request on a resource, as the authorizer sees it.",
        {
            "namespace": string("Namespace of the request; empty for cluster-scoped or all namespaces."),
            "verb": string("Verb, such as get, list or create; '*' means all."),
            "group": string("API group; '*' means all."),
            "version": string("API version; '*' means all."),
            "resource": string("Resource; '*' means all."),
            "subresource": string("Subresource; empty for the main resource."),
            "name": string("Object name; empty means all."),
            "fieldSelector": FIELD_SELECTOR_ATTRIBUTES.field("Field selector of a list or watch."),
            "labelSelector": LABEL_SELECTOR_ATTRIBUTES.field("Label selector of a list or watch."),
        },
    ),
)

NON_RESOURCE_ATTRIBUTES = Definition(
    f"{PACKAGE}.NonResourceAttributes",
    obj(
        "A request on a URL that is not a resource.",
        {"path": string("URL path."), "verb": string("Lower-case HTTP verb.")},
    ),
)

_EXTRA = {
    "description": "Extra user attributes from the authenticator.",
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

SPEC = Definition(
    f"{PACKAGE}.SubjectAccessReviewSpec",
    obj(
        "A request and the user making it; exactly one of the attribute fields is set.",
        {
            "resourceAttributes": RESOURCE_ATTRIBUTES.field("The request, if on a resource."),
            "nonResourceAttributes": NON_RESOURCE_ATTRIBUTES.field("The request, if on a URL."),
            "user": string("User name to test."),
            "groups": strings("Groups to test."),
            "extra": _EXTRA,
            "uid": string("UID of the user to test."),
        },
    ),
)

SELF_SPEC = Definition(
    f"{PACKAGE}.SelfSubjectAccessReviewSpec",
    obj(
        "A request of the calling user; exactly one of the fields is set.",
        {
            "resourceAttributes": RESOURCE_ATTRIBUTES.field("The request, if on a resource."),
            "nonResourceAttributes": NON_RESOURCE_ATTRIBUTES.field("The request, if on a URL."),
        },
    ),
)

STATUS = Definition(
    f"{PACKAGE}.SubjectAccessReviewStatus",
    obj(
        "The authorizer's answer.",
        {
            "allowed": boolean("Whether the request would be allowed."),
            "denied": boolean("Whether the request is explicitly denied; implies allowed is false."),
            "reason": string("Why the request was allowed or denied, if the authorizer says."),
            "evaluationError": string("Error while evaluating; the answer may still be meaningful."),
        },
        ("allowed",),
    ),
)

RESOURCE_RULE = Definition(
    f"{PACKAGE}.ResourceRule",
    obj(
        "What a user may do to resources; may be partial, see incomplete.",
        {
            "verbs": strings("Allowed verbs; '*' means all."),
            "apiGroups": strings("API groups; '*' means all."),
            "resources": strings("Resources; '*' means all."),
            "resourceNames": strings("Object names; empty means all."),
        },
        ("verbs",),
    ),
)

NON_RESOURCE_RULE = Definition(
    f"{PACKAGE}.NonResourceRule",
    obj(
        "What a user may do to non-resource URLs.",
        {
            "verbs": strings("Allowed lower-case HTTP verbs; '*' means all."),
            "nonResourceURLs": strings("URL paths; a trailing '*' matches a prefix."),
        },
        ("verbs",),
    ),
)

RULES_SPEC = Definition(
    f"{PACKAGE}.SelfSubjectRulesReviewSpec",
    obj("Where to list the caller's rules.", {"namespace": string("Namespace to evaluate rules in.")}),
)

RULES_STATUS = Definition(
    f"{PACKAGE}.SubjectRulesReviewStatus",
    obj(
        "The rules that apply, as far as the authorizer can tell.",
        {
            "resourceRules": array("Rules on resources.", RESOURCE_RULE.item()) | ATOMIC,
            "nonResourceRules": array("Rules on non-resource URLs.", NON_RESOURCE_RULE.item()) | ATOMIC,
            "incomplete": boolean("True if some authorizer cannot list rules; the lists may be partial."),
            "evaluationError": string("Error while listing; the rules may still be meaningful."),
        },
        ("resourceRules", "nonResourceRules", "incomplete"),
    ),
)

DEFINITIONS = (
    FIELD_SELECTOR_ATTRIBUTES,
    LABEL_SELECTOR_ATTRIBUTES,
    RESOURCE_ATTRIBUTES,
    NON_RESOURCE_ATTRIBUTES,
    SPEC,
    SELF_SPEC,
    STATUS,
    RESOURCE_RULE,
    NON_RESOURCE_RULE,
    RULES_SPEC,
    RULES_STATUS,
)


def _review(kind_name: str, description: str, spec: Definition, status: Definition) -> Schema:
    return kind(
        (GROUP, "v1", kind_name),
        description,
        {
            "spec": spec.field("The question asked."),
            "status": status.field("The answer, filled by the server."),
        },
        ("spec",),
    )


def _subject_access_review() -> Schema:
    return _review("SubjectAccessReview", "Asks whether a user may perform a request.", SPEC, STATUS)


def _local_subject_access_review() -> Schema:
    return _review(
        "LocalSubjectAccessReview",
        "Asks whether a user may perform a request in one namespace; needs only namespace rights.",
        SPEC,
        STATUS,
    )


def _self_subject_access_review() -> Schema:
    return _review(
        "SelfSubjectAccessReview", "Asks whether the caller may perform a request.", SELF_SPEC, STATUS
    )


def _self_subject_rules_review() -> Schema:
    return _review(
        "SelfSubjectRulesReview",
        "Lists what the caller may do in a namespace; for display, not for decisions.",
        RULES_SPEC,
        RULES_STATUS,
    )


KINDS = {
    ("v1", "SubjectAccessReview"): _subject_access_review,
    ("v1", "LocalSubjectAccessReview"): _local_subject_access_review,
    ("v1", "SelfSubjectAccessReview"): _self_subject_access_review,
    ("v1", "SelfSubjectRulesReview"): _self_subject_rules_review,
}
