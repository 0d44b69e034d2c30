"""authorization.k8s.io/v1 message tables: the access reviews `kubectl auth can-i` sends."""

from __future__ import annotations

from kcp.apimachinery.protobuf_types import (
    STRING_LIST,
    Message,
    Mode,
    boolean,
    mapping,
    message,
    messages,
    string,
    strings,
)
from kcp.apimachinery.prototables.meta import (
    FIELD_SELECTOR_REQUIREMENT,
    LABEL_SELECTOR_REQUIREMENT,
    OBJECT_META,
)

GROUP_VERSION = "authorization.k8s.io/v1"

RESOURCE_ATTRIBUTES = Message(
    "ResourceAttributes",
    [
        string(1, "namespace"),
        string(2, "verb"),
        string(3, "group"),
        string(4, "version"),
        string(5, "resource"),
        string(6, "subresource"),
        string(7, "name"),
        message(
            8,
            "fieldSelector",
            Message(
                "FieldSelectorAttributes",
                [string(1, "rawSelector"), messages(2, "requirements", FIELD_SELECTOR_REQUIREMENT)],
            ),
            Mode.PTR,
        ),
        message(
            9,
            "labelSelector",
            Message(
                "LabelSelectorAttributes",
                [string(1, "rawSelector"), messages(2, "requirements", LABEL_SELECTOR_REQUIREMENT)],
            ),
            Mode.PTR,
        ),
    ],
)
NON_RESOURCE_ATTRIBUTES = Message("NonResourceAttributes", [string(1, "path"), string(2, "verb")])

_ATTRIBUTES = [
    message(1, "resourceAttributes", RESOURCE_ATTRIBUTES, Mode.PTR),
    message(2, "nonResourceAttributes", NON_RESOURCE_ATTRIBUTES, Mode.PTR),
]
SUBJECT_ACCESS_REVIEW_SPEC = Message(
    "SubjectAccessReviewSpec",
    [
        *_ATTRIBUTES,
        string(3, "user"),
        strings(4, "groups"),
        mapping(5, "extra", STRING_LIST),
        string(6, "uid"),
    ],
)
SUBJECT_ACCESS_REVIEW_STATUS = Message(
    "SubjectAccessReviewStatus",
    [
        boolean(1, "allowed", Mode.KEEP),
        boolean(4, "denied"),
        string(2, "reason"),
        string(3, "evaluationError"),
    ],
)


def _review(name: str, spec: Message) -> Message:
    return Message(
        name,
        [
            message(1, "metadata", OBJECT_META),
            message(2, "spec", spec),
            message(3, "status", SUBJECT_ACCESS_REVIEW_STATUS),
        ],
    )


SUBJECT_ACCESS_REVIEW = _review("SubjectAccessReview", SUBJECT_ACCESS_REVIEW_SPEC)
LOCAL_SUBJECT_ACCESS_REVIEW = _review("LocalSubjectAccessReview", SUBJECT_ACCESS_REVIEW_SPEC)
SELF_SUBJECT_ACCESS_REVIEW = _review(
    "SelfSubjectAccessReview", Message("SelfSubjectAccessReviewSpec", _ATTRIBUTES)
)

RESOURCE_RULE = Message(
    "ResourceRule",
    [
        strings(1, "verbs", Mode.KEEP),
        strings(2, "apiGroups"),
        strings(3, "resources"),
        strings(4, "resourceNames"),
    ],
)
NON_RESOURCE_RULE = Message(
    "NonResourceRule", [strings(1, "verbs", Mode.KEEP), strings(2, "nonResourceURLs")]
)
SELF_SUBJECT_RULES_REVIEW = Message(
    "SelfSubjectRulesReview",
    [
        message(1, "metadata", OBJECT_META),
        message(2, "spec", Message("SelfSubjectRulesReviewSpec", [string(1, "namespace")])),
        message(
            3,
            "status",
            Message(
                "SubjectRulesReviewStatus",
                [
                    messages(1, "resourceRules", RESOURCE_RULE, Mode.KEEP),
                    messages(2, "nonResourceRules", NON_RESOURCE_RULE, Mode.KEEP),
                    boolean(3, "incomplete", Mode.KEEP),
                    string(4, "evaluationError"),
                ],
            ),
        ),
    ],
)

KINDS = {
    (GROUP_VERSION, "SubjectAccessReview"): SUBJECT_ACCESS_REVIEW,
    (GROUP_VERSION, "LocalSubjectAccessReview"): LOCAL_SUBJECT_ACCESS_REVIEW,
    (GROUP_VERSION, "SelfSubjectAccessReview"): SELF_SUBJECT_ACCESS_REVIEW,
    (GROUP_VERSION, "SelfSubjectRulesReview"): SELF_SUBJECT_RULES_REVIEW,
}
