"""authentication.k8s.io/v1 message tables: TokenRequest, TokenReview, SelfSubjectReview."""

from __future__ import annotations

from kcp.apimachinery.protobuf_types import (
    STRING_LIST,
    TIME,
    Message,
    Mode,
    boolean,
    int64,
    mapping,
    message,
    string,
    strings,
)
from kcp.apimachinery.prototables.meta import OBJECT_META

GROUP_VERSION = "authentication.k8s.io/v1"

USER_INFO = Message(
    "UserInfo",
    [string(1, "username"), string(2, "uid"), strings(3, "groups"), mapping(4, "extra", STRING_LIST)],
)
BOUND_OBJECT_REFERENCE = Message(
    "BoundObjectReference",
    [string(1, "kind"), string(2, "apiVersion"), string(3, "name"), string(4, "uid")],
)

TOKEN_REQUEST = Message(
    "TokenRequest",
    [
        message(1, "metadata", OBJECT_META),
        message(
            2,
            "spec",
            Message(
                "TokenRequestSpec",
                [
                    strings(1, "audiences", Mode.KEEP),
                    int64(4, "expirationSeconds", Mode.NULL),
                    message(3, "boundObjectRef", BOUND_OBJECT_REFERENCE, Mode.NULL),
                    mapping(5, "attestations", STRING_LIST),
                ],
            ),
        ),
        message(
            3,
            "status",
            Message(
                "TokenRequestStatus",
                [string(1, "token", Mode.KEEP), message(2, "expirationTimestamp", TIME)],
            ),
        ),
    ],
)

TOKEN_REVIEW = Message(
    "TokenReview",
    [
        message(1, "metadata", OBJECT_META),
        message(2, "spec", Message("TokenReviewSpec", [string(1, "token"), strings(2, "audiences")])),
        message(
            3,
            "status",
            Message(
                "TokenReviewStatus",
                [
                    boolean(1, "authenticated"),
                    message(2, "user", USER_INFO),
                    strings(4, "audiences"),
                    string(3, "error"),
                ],
            ),
        ),
    ],
)

SELF_SUBJECT_REVIEW = Message(
    "SelfSubjectReview",
    [
        message(1, "metadata", OBJECT_META),
        message(2, "status", Message("SelfSubjectReviewStatus", [message(1, "userInfo", USER_INFO)])),
    ],
)

KINDS = {
    (GROUP_VERSION, "TokenRequest"): TOKEN_REQUEST,
    (GROUP_VERSION, "TokenReview"): TOKEN_REVIEW,
    (GROUP_VERSION, "SelfSubjectReview"): SELF_SUBJECT_REVIEW,
}
