"""The server's key material under --root-directory: CA, serving cert, SA signing key, admin tokens.

Created on first start and reused afterwards, so an admin.kubeconfig written once keeps working
across restarts. The serving certificate is reissued (by the same CA) when it nears expiry or
lacks a requested host. Every file is written atomically, secrets with mode 0600.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import os
import secrets
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kcp.apimachinery.user import AUTHENTICATED, UserInfo
from kcp.auth.tokens import generate_signing_key

CA_DAYS, CERT_DAYS, RENEW_BEFORE_DAYS = 3650, 365, 30
_TOKEN_USERS = ("kcp-admin", "shard-admin", "user")


@dataclass(frozen=True, slots=True)
class PKI:
    """Loaded key material; paths point at the files ssl and clients read."""

    root: Path
    ca_file: Path
    cert_file: Path
    key_file: Path
    ca_cert_pem: bytes
    sa_private_key_pem: bytes = field(repr=False)
    admin_token: str = field(repr=False)
    shard_admin_token: str = field(repr=False)
    user_token: str = field(repr=False)
    _ca_cert: x509.Certificate = field(repr=False)
    _ca_key: ec.EllipticCurvePrivateKey = field(repr=False)

    def client_cert_user(self, cert_der: bytes) -> UserInfo | None:
        """The user a client certificate names (CN user, O groups) if our CA signed it and it is current."""
        try:
            cert = x509.load_der_x509_certificate(cert_der)
            cert.verify_directly_issued_by(self._ca_cert)
        except (ValueError, TypeError, InvalidSignature):
            return None
        now = dt.datetime.now(dt.UTC)
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return None
        try:
            usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            if ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
                return None
        except x509.ExtensionNotFound:
            pass
        names = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if not names or not names[0]:
            return None
        groups = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
        return UserInfo(names[0], groups=(*groups, *([] if AUTHENTICATED in groups else [AUTHENTICATED])))

    def issue_client_cert(self, name: str, groups: tuple[str, ...] = ()) -> tuple[bytes, bytes]:
        """A client certificate (PEM) and its key (PEM) for user `name` in `groups`."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, g) for g in groups]
        subject.append(x509.NameAttribute(NameOID.COMMON_NAME, name))
        cert = _sign(
            self._ca_cert, self._ca_key, x509.Name(subject), key, ExtendedKeyUsageOID.CLIENT_AUTH, []
        )
        return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def ensure_pki(root: Path, hosts: list[str]) -> PKI:
    """Load the key material under `root`, creating whatever is missing or no longer fit."""
    root.mkdir(parents=True, exist_ok=True)
    ca_file, ca_key_file = root / "ca.crt", root / "ca.key"
    loaded = _load_pair(ca_file, ca_key_file)
    if loaded is None or _expires_soon(loaded[0]):
        loaded = _new_ca()
        _write_atomic(ca_key_file, _key_pem(loaded[1]), 0o600)
        _write_atomic(ca_file, loaded[0].public_bytes(serialization.Encoding.PEM), 0o644)
    ca_cert, ca_key = loaded
    cert_file, key_file = root / "apiserver.crt", root / "apiserver.key"
    sans = _sans(hosts)
    serving = _load_pair(cert_file, key_file)
    if serving is None or not _fits(serving[0], ca_cert, sans):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kcp")])
        cert = _sign(ca_cert, ca_key, name, key, ExtendedKeyUsageOID.SERVER_AUTH, sans)
        _write_atomic(key_file, _key_pem(key), 0o600)
        _write_atomic(cert_file, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    sa_key_file = root / "sa.key"
    if not sa_key_file.exists():
        _write_atomic(sa_key_file, generate_signing_key(), 0o600)
    tokens_file = root / ".admin-tokens"
    tokens = json.loads(tokens_file.read_bytes()) if tokens_file.exists() else {}
    if any(not isinstance(tokens.get(u), str) or not tokens[u] for u in _TOKEN_USERS):
        tokens = {u: tokens.get(u) or secrets.token_urlsafe(32) for u in _TOKEN_USERS}
        _write_atomic(tokens_file, json.dumps(tokens).encode(), 0o600)
    return PKI(
        root=root,
        ca_file=ca_file,
        cert_file=cert_file,
        key_file=key_file,
        ca_cert_pem=ca_file.read_bytes(),
        sa_private_key_pem=sa_key_file.read_bytes(),
        admin_token=tokens["kcp-admin"],
        shard_admin_token=tokens["shard-admin"],
        user_token=tokens["user"],
        _ca_cert=ca_cert,
        _ca_key=ca_key,
    )


def ssl_context(pki: PKI) -> ssl.SSLContext:
    """TLS 1.2+ with our serving cert; client certs are asked for, verified against our CA, optional."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(pki.cert_file, pki.key_file)
    ctx.load_verify_locations(cafile=pki.ca_file)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx


def write_admin_kubeconfig(path: Path, server_base_url: str, pki: PKI, *, with_user: bool = False) -> None:
    """Contexts as `kcp start` writes them: root (current), base, system:admin, shard-base [, user]."""
    base = server_base_url.rstrip("/")
    ca_data = base64.b64encode(pki.ca_cert_pem).decode()
    servers = {"root": f"{base}/clusters/root", "base": base, "system:admin": f"{base}/clusters/system:admin"}
    users = {"kcp-admin": pki.admin_token, "shard-admin": pki.shard_admin_token}
    contexts = {"root": ("root", "kcp-admin"), "base": ("base", "kcp-admin")}
    contexts |= {"system:admin": ("system:admin", "shard-admin"), "shard-base": ("base", "shard-admin")}
    if with_user:
        users["user"] = pki.user_token
        contexts["user"] = ("root", "user")
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": n, "cluster": {"server": s, "certificate-authority-data": ca_data}}
            for n, s in servers.items()
        ],
        "users": [{"name": n, "user": {"token": t}} for n, t in users.items()],
        "contexts": [{"name": n, "context": {"cluster": c, "user": u}} for n, (c, u) in contexts.items()],
        "current-context": "root",
        "preferences": {},
    }
    _keep_added(config, path, base)
    _write_atomic(path, yaml.safe_dump(config, sort_keys=False).encode(), 0o600)


def _keep_added(config: dict[str, Any], path: Path, base: str) -> None:
    """What was added to an earlier file (`kubectl ws` contexts, a user's own) stays over a restart,
    and so does the current context while its cluster is on this server: entries named as ours are
    ours again, so a changed token or address is never kept."""
    try:
        old = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return
    if not isinstance(old, dict):
        return
    for section in ("clusters", "users", "contexts"):
        ours = {entry["name"] for entry in config[section]}
        entries = old.get(section)
        config[section] += [
            e
            for e in (entries if isinstance(entries, list) else [])
            if isinstance(e, dict) and isinstance(e.get("name"), str) and e["name"] not in ours
        ]
    servers = {c["name"]: (c.get("cluster") or {}).get("server") for c in config["clusters"]}
    contexts = {c["name"]: c.get("context") or {} for c in config["contexts"]}
    current = old.get("current-context")
    server = servers.get(contexts.get(current, {}).get("cluster")) if isinstance(current, str) else None
    if isinstance(server, str) and (server == base or server.startswith(base + "/")):
        config["current-context"] = current


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write a sibling temp file, fsync, rename over `path`, fsync the directory: all or nothing."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_pair(cert_file: Path, key_file: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    """A certificate and its EC key, or None if either is missing, unreadable or they do not match."""
    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or cert.public_key() != key.public_key():
        return None
    return cert, key


def _expires_soon(cert: x509.Certificate) -> bool:
    return cert.not_valid_after_utc - dt.datetime.now(dt.UTC) < dt.timedelta(days=RENEW_BEFORE_DAYS)


def _sans(hosts: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    names += [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("::1"))]
    for host in hosts:
        try:
            extra: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            extra = x509.DNSName(host)
        if extra not in names:
            names.append(extra)
    return names


def _fits(cert: x509.Certificate, ca: x509.Certificate, sans: list[x509.GeneralName]) -> bool:
    """Still usable: signed by this CA, not near expiry, and naming every host asked for."""
    try:
        cert.verify_directly_issued_by(ca)
        present = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    return not _expires_soon(cert) and all(name in present for name in sans)


def _new_ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, f"kcp-ca@{int(dt.datetime.now(dt.UTC).timestamp())}")]
    )
    now = dt.datetime.now(dt.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    usage = x509.KeyUsage(True, False, False, False, False, True, True, False, False)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _sign(
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    usage: x509.ObjectIdentifier,
    sans: list[x509.GeneralName],
) -> x509.Certificate:
    """A leaf certificate for `key`, signed by the CA, for one extended key usage."""
    now = dt.datetime.now(dt.UTC)
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CERT_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(ca_key, hashes.SHA256())
