"""authentication.k8s.io/v1: token reviews, self-subject reviews and service account token requests."""

from __future__ import annotations

from kcp.schema.builtin.fields import Definition, Schema, boolean, int64, obj, string, strings, timestamp
from kcp.schema.builtin.meta import kind

GROUP = "authentication.k8s.io"
PACKAGE = "io.k8s.api.authentication.v1"

USER_INFO = Definition(
    f"{PACKAGE}.UserInfo",
    obj(
        "An authenticated user, as authorizers see it.",
        {
            "username": string("Unique name of the user."),
            "uid": string("Identifier that stays the same if the user is renamed."),
            "groups": strings("Groups the user belongs to."),
            "extra": {
                "description": "Extra attributes from the authenticator.",
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
    ),
)

TOKEN_REVIEW_SPEC = Definition(
    f"{PACKAGE}.TokenReviewSpec",
    obj(
        "The token to check.",
        {
            "token": string("The opaque bearer token."),
            "audiences": strings("Audiences the token must be valid for; empty means the server's own."),
        },
    ),
)

TOKEN_REVIEW_STATUS = Definition(
    f"{PACKAGE}.TokenReviewStatus",
    obj(
        "The result of checking a token.",
        {
            "authenticated": boolean("Whether the token is valid."),
            "user": USER_INFO.field("The user the token belongs to."),
            "audiences": strings("Audiences the token is valid for, out of those asked."),
            "error": string("Why the token could not be checked."),
        },
    ),
)

SELF_SUBJECT_REVIEW_STATUS = Definition(
    f"{PACKAGE}.SelfSubjectReviewStatus",
    obj("Who the caller is.", {"userInfo": USER_INFO.field("The caller, as authenticated.")}),
)

BOUND_OBJECT_REFERENCE = Definition(
    f"{PACKAGE}.BoundObjectReference",
    obj(
        "An object a token is bound to: the token is invalid once the object is gone.",
        {
            "kind": string("Kind of the object: Pod, Secret or Node."),
            "apiVersion": string("API version of the object."),
            "name": string("Name of the object."),
            "uid": string("UID of the object."),
        },
    ),
)

TOKEN_REQUEST_SPEC = Definition(
    f"{PACKAGE}.TokenRequestSpec",
    obj(
        "What the requested token should look like.",
        {
            "audiences": strings("Intended audiences of the token; empty means the server's own."),
            "expirationSeconds": int64("Requested lifetime; the server may shorten it."),
            "boundObjectRef": BOUND_OBJECT_REFERENCE.field("Object whose lifetime bounds the token's."),
        },
        ("audiences",),
    ),
)

TOKEN_REQUEST_STATUS = Definition(
    f"{PACKAGE}.TokenRequestStatus",
    obj(
        "The issued token.",
        {
            "token": string("The opaque bearer token."),
            "expirationTimestamp": timestamp("When the token expires."),
        },
        ("token", "expirationTimestamp"),
    ),
)

DEFINITIONS = (
    USER_INFO,
    TOKEN_REVIEW_SPEC,
    TOKEN_REVIEW_STATUS,
    SELF_SUBJECT_REVIEW_STATUS,
    BOUND_OBJECT_REFERENCE,
    TOKEN_REQUEST_SPEC,
    TOKEN_REQUEST_STATUS,
)


def _token_review() -> Schema:
    return kind(
        (GROUP, "v1", "TokenReview"),
        "Checks a bearer token and says who it belongs to.",
        {
            "spec": TOKEN_REVIEW_SPEC.field("The token to check."),
            "status": TOKEN_REVIEW_STATUS.field("The result, filled by the server."),
        },
        ("spec",),
    )


def _self_subject_review() -> Schema:
    return kind(
        (GROUP, "v1", "SelfSubjectReview"),
        "Tells the caller who the server thinks they are.",
        {"status": SELF_SUBJECT_REVIEW_STATUS.field("The caller's identity, filled by the server.")},
    )


def _token_request() -> Schema:
    return kind(
        (GROUP, "v1", "TokenRequest"),
        "Requests a token for a service account, through its token subresource.",
        {
            "spec": TOKEN_REQUEST_SPEC.field("The token wanted."),
            "status": TOKEN_REQUEST_STATUS.field("The token issued, filled by the server."),
        },
        ("spec",),
    )


KINDS = {
    ("v1", "TokenReview"): _token_review,
    ("v1", "SelfSubjectReview"): _self_subject_review,
    ("v1", "TokenRequest"): _token_request,
}
