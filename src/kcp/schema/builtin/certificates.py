"""certificates.k8s.io/v1: certificate signing requests, how a user asks a signer for a certificate."""

from __future__ import annotations

from kcp.schema.builtin.fields import (
    Definition,
    Schema,
    array,
    int32,
    map_list,
    obj,
    string,
    strings,
    timestamp,
)
from kcp.schema.builtin.meta import kind

GROUP = "certificates.k8s.io"
PACKAGE = "io.k8s.api.certificates.v1"
_BYTES = {"x-kubernetes-list-type": "atomic"}  # kube marks its []byte fields atomic lists

CSR_SPEC = Definition(
    f"{PACKAGE}.CertificateSigningRequestSpec",
    obj(
        "What is asked for, of which signer, and who asked (the server fills in the requester).",
        {
            "request": _BYTES | string("PEM-encoded PKCS#10 CERTIFICATE REQUEST.", fmt="byte"),
            "signerName": string("The signer asked to sign, such as kubernetes.io/kube-apiserver-client."),
            "expirationSeconds": int32(
                "Requested validity; signers may shorten it, to no less than 10 minutes."
            ),
            "usages": strings("Key usages asked for in the certificate, such as client auth."),
            "username": string("Name of the user who created the request; set by the server."),
            "uid": string("UID of the user who created the request; set by the server."),
            "groups": strings("Groups of the user who created the request; set by the server."),
            "extra": {
                "description": "Extra attributes of the user who created the request; set by the server.",
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
        ("request", "signerName"),
    ),
)

CSR_CONDITION = Definition(
    f"{PACKAGE}.CertificateSigningRequestCondition",
    obj(
        "One decision about or outcome of a request: Approved, Denied or Failed.",
        {
            "type": string("Condition type: Approved, Denied, Failed or a custom one."),
            "status": string("True, False or Unknown."),
            "reason": string("Brief machine-readable reason."),
            "message": string("Human-readable details."),
            "lastUpdateTime": timestamp("When the condition was last updated."),
            "lastTransitionTime": timestamp("When the status last changed."),
        },
        ("type", "status"),
    ),
)

CSR_STATUS = Definition(
    f"{PACKAGE}.CertificateSigningRequestStatus",
    obj(
        "Approval decisions and, once signed, the issued certificate.",
        {
            "conditions": array("Decisions and outcomes so far.", CSR_CONDITION.item())
            | map_list("type", merge=False),
            "certificate": _BYTES | string("PEM-encoded certificate issued by the signer.", fmt="byte"),
        },
    ),
)

DEFINITIONS = (CSR_SPEC, CSR_CONDITION, CSR_STATUS)


def _csr() -> Schema:
    return kind(
        (GROUP, "v1", "CertificateSigningRequest"),
        "A request for a certificate from a named signer, approved or denied by an authorized user.",
        {
            "spec": CSR_SPEC.field("The request and its requester."),
            "status": CSR_STATUS.field("Approval conditions and the issued certificate."),
        },
        ("spec",),
    )


KINDS = {("v1", "CertificateSigningRequest"): _csr}
