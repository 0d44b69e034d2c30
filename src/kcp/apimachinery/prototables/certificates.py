"""certificates.k8s.io/v1 CertificateSigningRequest table: `kubectl certificate approve` sends one."""

from __future__ import annotations

from kcp.apimachinery.protobuf_types import (
    STRING_LIST,
    TIME,
    Message,
    Mode,
    binary,
    int32,
    mapping,
    message,
    messages,
    string,
    strings,
)
from kcp.apimachinery.prototables.meta import OBJECT_META

CONDITION = Message(
    "CertificateSigningRequestCondition",
    [
        string(1, "type", Mode.KEEP),
        string(6, "status", Mode.KEEP),
        string(2, "reason"),
        string(3, "message"),
        message(4, "lastUpdateTime", TIME),
        message(5, "lastTransitionTime", TIME),
    ],
)
SPEC = Message(
    "CertificateSigningRequestSpec",
    [
        binary(1, "request", Mode.KEEP),
        string(7, "signerName", Mode.KEEP),
        int32(8, "expirationSeconds", Mode.PTR),
        strings(5, "usages"),
        string(2, "username"),
        string(3, "uid"),
        strings(4, "groups"),
        mapping(6, "extra", STRING_LIST),
    ],
)
STATUS = Message(
    "CertificateSigningRequestStatus",
    [messages(1, "conditions", CONDITION), binary(2, "certificate")],
)
CSR = Message(
    "CertificateSigningRequest",
    [message(1, "metadata", OBJECT_META), message(2, "spec", SPEC), message(3, "status", STATUS)],
)

KINDS = {("certificates.k8s.io/v1", "CertificateSigningRequest"): CSR}
