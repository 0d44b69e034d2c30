"""Key material under the root directory: created once, reused, and usable by TLS and kubectl."""

from __future__ import annotations

import base64
import ipaddress
import ssl
import stat
from pathlib import Path

import aiohttp
import pytest
import yaml
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kcp.apimachinery.user import UserInfo
from kcp.auth.tokens import TokenIssuer
from kcp.server.pki import PKI, ensure_pki, ssl_context, write_admin_kubeconfig

HOSTS = ["kcp.example.com", "10.0.0.7"]
SECRETS = ("ca.key", "apiserver.key", "sa.key", ".admin-tokens")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pki")


@pytest.fixture(scope="module")
def pki(root: Path) -> PKI:
    return ensure_pki(root, HOSTS)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def sans(path: Path) -> list[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(n.value) for n in names]


def test_first_start_creates_everything(root: Path, pki: PKI) -> None:
    for name in SECRETS:
        assert mode(root / name) == 0o600, name
    assert pki.ca_file == root / "ca.crt" and pki.ca_cert_pem == (root / "ca.crt").read_bytes()
    assert sorted(p.name for p in root.iterdir() if p.name.endswith(".tmp")) == []
    assert sans(pki.cert_file) == ["localhost", "127.0.0.1", "::1", "kcp.example.com", "10.0.0.7"]
    ca = x509.load_pem_x509_certificate(pki.ca_cert_pem)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    tokens = {pki.admin_token, pki.shard_admin_token, pki.user_token}
    assert len(tokens) == 3 and all(len(t) >= 32 for t in tokens)
    issuer = TokenIssuer(pki.sa_private_key_pem, "https://kcp.default.svc")
    assert issuer.verify(issuer.issue("root", "ns", "sa", "u", [], 600)[0]).name == "sa"


def test_restart_reuses_material(root: Path, pki: PKI) -> None:
    serving = pki.cert_file.read_bytes()
    again = ensure_pki(root, list(reversed(HOSTS)))
    assert again.ca_cert_pem == pki.ca_cert_pem
    assert again.sa_private_key_pem == pki.sa_private_key_pem
    assert (again.admin_token, again.shard_admin_token, again.user_token) == (
        pki.admin_token,
        pki.shard_admin_token,
        pki.user_token,
    )
    assert again.cert_file.read_bytes() == serving


def test_new_host_or_broken_cert_reissues_serving_cert_only(tmp_path: Path) -> None:
    first = ensure_pki(tmp_path, [])
    assert sans(first.cert_file) == ["localhost", "127.0.0.1", "::1"]
    second = ensure_pki(tmp_path, ["192.168.1.5", "node.local"])
    assert second.ca_cert_pem == first.ca_cert_pem and second.admin_token == first.admin_token
    assert sans(second.cert_file)[3:] == ["192.168.1.5", "node.local"]
    second.cert_file.write_bytes(b"garbage")
    third = ensure_pki(tmp_path, ["node.local"])
    cert = x509.load_pem_x509_certificate(third.cert_file.read_bytes())
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(third.ca_cert_pem))
    assert (
        x509.IPAddress(ipaddress.ip_address("::1"))
        in cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    )


def test_client_certificates_map_cn_and_o(pki: PKI, tmp_path: Path) -> None:
    cert_pem, key_pem = pki.issue_client_cert("alice", ("devs", "ops"))
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    assert pki.client_cert_user(der) == UserInfo("alice", groups=("devs", "ops", "system:authenticated"))
    assert serialization.load_pem_private_key(key_pem, password=None)
    stranger = ensure_pki(tmp_path, [])
    foreign, _ = stranger.issue_client_cert("alice", ("system:masters",))
    foreign_der = x509.load_pem_x509_certificate(foreign).public_bytes(serialization.Encoding.DER)
    assert pki.client_cert_user(foreign_der) is None
    serving_der = x509.load_pem_x509_certificate(pki.cert_file.read_bytes()).public_bytes(
        serialization.Encoding.DER
    )
    assert pki.client_cert_user(serving_der) is None  # serverAuth only
    assert pki.client_cert_user(b"not a certificate") is None


def test_admin_kubeconfig_matches_kcp_start(pki: PKI, tmp_path: Path) -> None:
    path = tmp_path / "admin.kubeconfig"
    write_admin_kubeconfig(path, "https://127.0.0.1:6443/", pki)
    assert mode(path) == 0o600
    config = yaml.safe_load(path.read_text())
    assert config["current-context"] == "root"
    clusters = {c["name"]: c["cluster"] for c in config["clusters"]}
    assert {n: c["server"] for n, c in clusters.items()} == {
        "root": "https://127.0.0.1:6443/clusters/root",
        "base": "https://127.0.0.1:6443",
        "system:admin": "https://127.0.0.1:6443/clusters/system:admin",
    }
    assert all(
        base64.b64decode(c["certificate-authority-data"]) == pki.ca_cert_pem for c in clusters.values()
    )
    contexts = {c["name"]: (c["context"]["cluster"], c["context"]["user"]) for c in config["contexts"]}
    assert contexts == {
        "root": ("root", "kcp-admin"),
        "base": ("base", "kcp-admin"),
        "system:admin": ("system:admin", "shard-admin"),
        "shard-base": ("base", "shard-admin"),
    }
    users = {u["name"]: u["user"]["token"] for u in config["users"]}
    assert users == {"kcp-admin": pki.admin_token, "shard-admin": pki.shard_admin_token}
    write_admin_kubeconfig(path, "https://127.0.0.1:6443", pki, with_user=True)
    config = yaml.safe_load(path.read_text())
    assert {"name": "user", "context": {"cluster": "root", "user": "user"}} in config["contexts"]
    assert {"name": "user", "user": {"token": pki.user_token}} in config["users"]


async def test_tls_serves_and_reads_optional_client_certs(pki: PKI, tmp_path: Path) -> None:
    server_ctx = ssl_context(pki)
    assert (
        server_ctx.minimum_version == ssl.TLSVersion.TLSv1_2 and server_ctx.verify_mode == ssl.CERT_OPTIONAL
    )

    async def whoami(request: web.Request) -> web.Response:
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        user = pki.client_cert_user(der) if der else None
        return web.Response(text=user.name if user else "anonymous")

    app = web.Application()
    app.router.add_get("/", whoami)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ctx)
    await site.start()
    port = runner.addresses[0][1]
    cert_pem, key_pem = pki.issue_client_cert("bob", ("devs",))
    (tmp_path / "bob.crt").write_bytes(cert_pem)
    (tmp_path / "bob.key").write_bytes(key_pem)
    try:
        async with aiohttp.ClientSession() as session:
            for host in ("localhost", "127.0.0.1"):
                plain = ssl.create_default_context(cafile=str(pki.ca_file))
                async with session.get(f"https://{host}:{port}/", ssl=plain) as resp:
                    assert await resp.text() == "anonymous"
            with_cert = ssl.create_default_context(cafile=str(pki.ca_file))
            with_cert.load_cert_chain(tmp_path / "bob.crt", tmp_path / "bob.key")
            async with session.get(f"https://127.0.0.1:{port}/", ssl=with_cert) as resp:
                assert await resp.text() == "bob"
    finally:
        await runner.cleanup()


def test_a_restart_keeps_what_was_added_to_the_admin_kubeconfig(pki: PKI, tmp_path: Path) -> None:
    """`kubectl ws` adds contexts and switches to them; restarting the server keeps both, while a
    context of ours comes back as ours and a current context on another server is not kept."""
    path = tmp_path / "admin.kubeconfig"
    write_admin_kubeconfig(path, "https://127.0.0.1:6443", pki)
    config = yaml.safe_load(path.read_text())
    workspace = {"server": "https://127.0.0.1:6443/clusters/root:acme"}
    config["clusters"].append({"name": "workspace.kcp.io/current", "cluster": workspace})
    config["contexts"].append(
        {
            "name": "workspace.kcp.io/current",
            "context": {"cluster": "workspace.kcp.io/current", "user": "kcp-admin"},
        }
    )
    config["users"][0]["user"]["token"] = "stale"
    config["current-context"] = "workspace.kcp.io/current"
    path.write_text(yaml.safe_dump(config))
    write_admin_kubeconfig(path, "https://127.0.0.1:6443", pki)
    again = yaml.safe_load(path.read_text())
    assert again["current-context"] == "workspace.kcp.io/current"
    assert {"name": "workspace.kcp.io/current", "cluster": workspace} in again["clusters"]
    assert {u["name"]: u["user"]["token"] for u in again["users"]}["kcp-admin"] == pki.admin_token
    write_admin_kubeconfig(path, "https://127.0.0.1:7443", pki)
    moved = yaml.safe_load(path.read_text())
    assert moved["current-context"] == "root"
    assert "workspace.kcp.io/current" in {c["name"] for c in moved["contexts"]}
    path.write_text("- not a kubeconfig")
    write_admin_kubeconfig(path, "https://127.0.0.1:6443", pki)
    assert yaml.safe_load(path.read_text())["current-context"] == "root"
