"""certificates.k8s.io/v1 certificatesigningrequests: kube's validation and its three write paths.

The main resource writes only metadata (spec and status are carried over), `approval` writes only
status.conditions, `status` writes status but keeps the Approved and Denied conditions as they were,
as kube's three CSR strategies do. The requester (spec.username, uid, groups, extra) is whoever
created the request, whatever the body says. kcp runs no CSR signer, so nothing fills in
status.certificate but a client writing /status.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from kcp.apimachinery.errors import Cause, Forbidden
from kcp.apimachinery.labels import go_quote
from kcp.apimachinery.meta import dns1123_label_errors, dns1123_subdomain_errors, now_rfc3339
from kcp.apimachinery.resources import APIResource
from kcp.apimachinery.user import SYSTEM_MASTERS, UserInfo
from kcp.registry.strategy import Object, Strategy
from kcp.schema.fielderrors import JSONText, duplicate, forbidden, invalid, not_supported, required, too_long

if TYPE_CHECKING:
    from kcp.registry.options import RequestScope
    from kcp.registry.store import EscalationCheck, Store

CSRS = APIResource(
    "certificates.k8s.io",
    "v1",
    "certificatesigningrequests",
    "CertificateSigningRequest",
    False,
    "certificatesigningrequest",
    ("csr",),
    subresources=("approval", "status"),
)

APPROVED, DENIED, FAILED = "Approved", "Denied", "Failed"
CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client"
_USAGES = sorted(
    {
        "signing", "digital signature", "content commitment", "key encipherment", "key agreement",
        "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any",
        "server auth", "client auth", "code signing", "email protection", "s/mime", "ipsec end system",
        "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc",
    }
)  # fmt: skip
_CONDITION_STATUSES = ["False", "True", "Unknown"]
_PEM = re.compile(r"-----BEGIN (?P<type>[^-\n]*)-----\r?\n(?P<body>.*?)-----END (?P=type)-----", re.DOTALL)
_MIN_EXPIRATION = 600  # kube's floor: ten minutes
_SUBDOMAIN_MAX, _LABEL_MAX = 253, 63


class CertificateSigningRequestStrategy(Strategy):
    name_rule = "path"  # kube does not care what a request is called, as long as it fits in a path
    has_status_subresource = True
    status_writers = ("status", "approval")

    def prepare_for_create(self, obj: Object) -> None:
        obj.pop("status", None)

    def prepare_for_update(self, new: Object, old: Object, subresource: str = "") -> None:
        """Each path writes only its part: the spec never changes, approval only the conditions,
        status anything but the Approved and Denied conditions."""
        if "spec" in old:
            new["spec"] = old["spec"]
        status = new.setdefault("status", {})
        old_status = old.get("status") or {}
        if subresource == "approval":
            status.pop("certificate", None)
            if "certificate" in old_status:
                status["certificate"] = old_status["certificate"]
        elif subresource == "status":
            kept = [c for c in status.get("conditions") or [] if c.get("type") not in (APPROVED, DENIED)]
            decided = [c for c in old_status.get("conditions") or [] if c.get("type") in (APPROVED, DENIED)]
            status.pop("conditions", None)
            if kept or decided:
                status["conditions"] = kept + decided
        _stamp_conditions(status, old_status)
        if not status:
            new.pop("status", None)

    async def admit(self, store: Store, scope: RequestScope, obj: Object, old: Object | None) -> None:
        """On create, the requester is the creating user, and kube's client signer is never asked for
        a system:masters certificate (CertificateSubjectRestriction)."""
        if old is not None:
            return
        spec = obj.setdefault("spec", {})
        _set_requester(spec, scope.user)
        if spec.get("signerName") == CLIENT_SIGNER and SYSTEM_MASTERS in _organizations(spec.get("request")):
            raise _forbidden(
                obj["metadata"].get("name", ""),
                f"use of {CLIENT_SIGNER} signer with {SYSTEM_MASTERS} group is not allowed",
            )

    async def admit_update(
        self, store: Store, scope: RequestScope, new: Object, old: Object, subresource: str
    ) -> None:
        """Writing approval needs `approve` on the signer (CertificateApproval); changing the status
        needs `sign` (CertificateSigning)."""
        if subresource == "approval":
            verb = "approve"
        elif subresource == "status" and new.get("status") != old.get("status"):
            verb = "sign"
        else:
            return
        signer = str((old.get("spec") or {}).get("signerName", ""))
        if store.escalation is not None and not await _holds_for_signer(
            store.escalation, scope, verb, signer
        ):
            raise _forbidden(
                new["metadata"].get("name", ""),
                f"user not permitted to {verb} requests with signerName {go_quote(signer)}",
            )

    def validate(self, obj: Object) -> list[Cause]:
        spec = obj.get("spec") or {}
        causes = _request_causes(spec.get("request"))
        usages = spec.get("usages") or []
        if not usages:
            causes.append(required("spec.usages", ""))
        for i, usage in enumerate(usages):
            if usage not in _USAGES:
                causes.append(not_supported(f"spec.usages[{i}]", usage, _USAGES))
        for i, usage in enumerate(usages):
            if usage in usages[:i]:
                causes.append(duplicate(f"spec.usages[{i}]", usage))
        signer = spec.get("signerName") or ""
        if signer == "kubernetes.io/legacy-unknown":
            causes.append(
                invalid(
                    "spec.signerName", signer, "the legacy signerName is not allowed via this API version"
                )
            )
        else:
            causes += signer_name_causes("spec.signerName", signer)
        seconds = spec.get("expirationSeconds")
        if isinstance(seconds, int) and seconds < _MIN_EXPIRATION:
            causes.append(
                invalid(
                    "spec.expirationSeconds",
                    seconds,
                    "may not specify a duration less than 600 seconds (10 minutes)",
                )
            )
        return causes + _condition_causes(obj)

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        return []  # only metadata changed, and the Store checked that

    def validate_status_update(self, new: Object, old: Object) -> list[Cause]:
        """Conditions as on create, none of Approved, Denied or Failed taken away, and a certificate
        set once, well formed (approval cannot touch it: prepare_for_update put the old one back)."""
        causes = _condition_causes(new)
        issued = (old.get("status") or {}).get("certificate")
        certificate = (new.get("status") or {}).get("certificate")
        if certificate != issued and not (issued and _certificate_problem(_bytes(issued))):
            problem = _certificate_problem(_bytes(certificate))
            if problem:
                causes.append(invalid("status.certificate", "<certificate data>", problem))
        for kind in (APPROVED, DENIED, FAILED):
            if len(_conditions(new, kind)) < len(_conditions(old, kind)):
                causes.append(
                    forbidden(
                        "status.conditions", f"updates may not remove a condition of type {go_quote(kind)}"
                    )
                )
        if certificate != issued and issued:
            causes.append(
                forbidden("status.certificate", "updates may not modify existing certificate content")
            )
        return causes


def _set_requester(spec: dict[str, Any], user: UserInfo) -> None:
    spec["username"] = user.name
    for field, value in (("uid", user.uid), ("groups", list(user.groups))):
        if value:
            spec[field] = value
        else:
            spec.pop(field, None)
    if user.extra:
        spec["extra"] = {k: list(v) for k, v in user.extra.items()}
    else:
        spec.pop("extra", None)


async def _holds_for_signer(check: EscalationCheck, scope: RequestScope, verb: str, signer: str) -> bool:
    """IsAuthorizedForSignerName: `verb` on the signer by name, or on its whole domain (`example.com/*`)."""
    if await check.holds(scope, verb, CSRS.group, "signers", signer):
        return True
    return await check.holds(scope, verb, CSRS.group, "signers", signer.split("/")[0] + "/*")


def _forbidden(name: str, why: str) -> Forbidden:
    return Forbidden(
        f"{CSRS.group_resource} {go_quote(name)} is forbidden: {why}",
        name=name,
        group=CSRS.group,
        kind=CSRS.resource,
    )


def _organizations(encoded: Any) -> list[str]:
    """The subject's organizations of a CSR that parses (validation has refused the rest)."""
    der = _csr_der(_bytes(encoded))
    try:
        subject = x509.load_der_x509_csr(der or b"").subject
    except ValueError:
        return []
    return [str(a.value) for a in subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]


def signer_name_causes(path: str, signer: str) -> list[Cause]:
    """ValidateSignerName: `<domain>/<path>`, the domain DNS labels with at least one dot, the path
    dot-separated subdomains, the whole within kube's lengths."""
    if not signer:
        return [required(path, "")]
    segments = signer.split("/")
    if len(segments) != 2:
        return [
            invalid(
                path,
                signer,
                "must be a fully qualified domain and path of the form 'example.com/signer-name'",
            )
        ]
    domain, rest = segments
    causes = [too_long(path, _SUBDOMAIN_MAX)] if len(domain) > _SUBDOMAIN_MAX else []
    labels = domain.split(".")
    for label in labels:
        errors = dns1123_label_errors(label)
        causes += [invalid(path, domain, f"validating label {go_quote(label)}: {e}") for e in errors]
        if errors:
            break
    if len(labels) < 2:
        causes.append(
            invalid(path, domain, "should be a domain with at least two segments separated by dots")
        )
    for label in rest.split("."):
        errors = dns1123_subdomain_errors(label)
        causes += [invalid(path, rest, f"validating label {go_quote(label)}: {e}") for e in errors]
        if errors:
            break
    longest = _SUBDOMAIN_MAX + (_SUBDOMAIN_MAX + _LABEL_MAX + 1) + 1
    if len(signer) > longest:
        causes.append(too_long(path, longest))
    return causes


def _request_causes(encoded: Any) -> list[Cause]:
    """The request must be one PEM CERTIFICATE REQUEST whose signature its own key verifies."""
    raw = _bytes(encoded)
    problem = _csr_problem(raw)
    if problem is None:
        return []
    shown = "[]byte(nil)" if encoded is None else _go_bytes(raw)
    return [invalid("spec.request", JSONText(shown), problem)]


def _csr_problem(raw: bytes) -> str | None:
    der = _csr_der(raw)
    if der is None:
        return "PEM block type must be CERTIFICATE REQUEST"
    try:
        csr = x509.load_der_x509_csr(der)
        key = csr.public_key()
        valid = csr.is_signature_valid
    except (ValueError, UnsupportedAlgorithm, InvalidSignature):
        return "x509: malformed certificate request"
    if valid:
        return None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "x509: ECDSA verification failure"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "x509: Ed25519 verification failure"
    if isinstance(key, rsa.RSAPublicKey):
        return "crypto/rsa: verification error"
    return "x509: cannot verify signature: algorithm unimplemented"


def _pem_blocks(raw: bytes) -> list[tuple[str, bool, bytes]]:
    """Each PEM block Go's pem.Decode would find: its type, whether it has headers, its DER. Text
    around and between blocks is skipped, as is a block whose body is not base64."""
    found = []
    for match in _PEM.finditer(raw.decode("latin-1")):
        lines = match["body"].splitlines()
        headers = [line for line in lines if ":" in line]
        body = "".join(line.strip() for line in lines if ":" not in line)
        try:
            found.append((match["type"], bool(headers), base64.b64decode(body, validate=True)))
        except (binascii.Error, ValueError):
            continue
    return found


def _csr_der(raw: bytes) -> bytes | None:
    """ParseCSR's first step: the first PEM block, which must be a CERTIFICATE REQUEST."""
    blocks = _pem_blocks(raw)
    if not blocks or blocks[0][0] != "CERTIFICATE REQUEST":
        return None
    return blocks[0][2]


def _bytes(encoded: Any) -> bytes:
    """A []byte field's value; the Store has already refused what is not base64."""
    try:
        return base64.b64decode(encoded or "")
    except (binascii.Error, ValueError, TypeError):
        return b""


def _go_bytes(raw: bytes) -> str:
    """%#v of a Go []byte."""
    return "[]byte{" + ", ".join(f"0x{b:x}" for b in raw) + "}"


def _conditions(obj: Object, kind: str) -> list[dict[str, Any]]:
    return [c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind]


def _condition_causes(obj: Object) -> list[Cause]:
    """validateConditions: a type and a status each, Approved, Denied and Failed only True, Approved
    and Denied never both, no type twice."""
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, cond in enumerate((obj.get("status") or {}).get("conditions") or []):
        path = f"status.conditions[{i}]"
        kind, status = cond.get("type") or "", cond.get("status") or ""
        if not kind:
            causes.append(required(f"{path}.type", ""))
        allowed = ["True"] if kind in (APPROVED, DENIED, FAILED) else _CONDITION_STATUSES
        if not status:
            causes.append(required(f"{path}.status", ""))
        elif status not in allowed:
            causes.append(not_supported(f"{path}.status", status, allowed))
        other = {APPROVED: DENIED, DENIED: APPROVED}.get(kind)
        if other in seen:
            causes.append(
                invalid(f"{path}.type", kind, "Approved and Denied conditions are mutually exclusive")
            )
        if kind in seen:
            causes.append(duplicate(f"{path}.type", kind))
        seen.add(kind)
    return causes


def _certificate_problem(raw: bytes) -> str | None:
    """validateCertificate: one or more CERTIFICATE PEM blocks without headers, each a certificate."""
    blocks = _pem_blocks(raw)
    for kind, headers, der in blocks:
        if kind != "CERTIFICATE":
            return f"only CERTIFICATE PEM blocks are allowed, found {go_quote(kind)}"
        if headers:
            return "no PEM block headers are permitted"
        try:
            x509.load_der_x509_certificate(der)
        except ValueError:
            return "x509: malformed certificate"
    return None if blocks else "must contain at least one CERTIFICATE PEM block"


def _stamp_conditions(status: dict[str, Any], old_status: dict[str, Any]) -> None:
    """populateConditionTimestamps: a condition without lastUpdateTime was updated now; one without
    lastTransitionTime keeps the old one if its status did not change, else transitioned now."""
    now = now_rfc3339()
    before = {c.get("type"): c for c in old_status.get("conditions") or []}
    for cond in status.get("conditions") or []:
        if not cond.get("lastUpdateTime"):
            cond["lastUpdateTime"] = now
        if not cond.get("lastTransitionTime"):
            prior = before.get(cond.get("type"))
            if prior and prior.get("status") == cond.get("status") and prior.get("lastTransitionTime"):
                cond["lastTransitionTime"] = prior["lastTransitionTime"]
            else:
                cond["lastTransitionTime"] = cond["lastUpdateTime"]
