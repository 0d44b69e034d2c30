"""Certificate signing requests as a user makes them (`openssl req -new -subj /CN=user/O=group`)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def csr_pem(user: str, groups: tuple[str, ...] = ()) -> tuple[bytes, bytes]:
    """A PEM CERTIFICATE REQUEST for `user` in `groups`, and its private key (PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.NameAttribute(NameOID.COMMON_NAME, user)]
    names += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, g) for g in groups]
    request = (
        x509.CertificateSigningRequestBuilder().subject_name(x509.Name(names)).sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return request.public_bytes(serialization.Encoding.PEM), key_pem


def csr_object(name: str, request: bytes, **spec: Any) -> dict[str, Any]:
    """A CertificateSigningRequest for kube's client signer asking for `client auth`."""
    body = {
        "request": base64.b64encode(request).decode(),
        "signerName": "kubernetes.io/kube-apiserver-client",
        "usages": ["client auth"],
    }
    return {
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": name},
        "spec": body | spec,
    }


def forged(request: bytes) -> bytes:
    """`request` with one bit of its signature flipped: still a well-formed CSR, but not self-signed."""
    der = base64.b64decode(b"".join(request.splitlines()[1:-1]))
    der = der[:-2] + bytes([der[-2] ^ 1]) + der[-1:]
    body = base64.encodebytes(der)
    return b"-----BEGIN CERTIFICATE REQUEST-----\n" + body + b"-----END CERTIFICATE REQUEST-----\n"


def self_signed(user: str) -> bytes:
    """A PEM certificate for `user`, as a signer outside the server would write into status.certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)
