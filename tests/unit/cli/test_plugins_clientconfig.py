"""Connection settings: context selection, command-line overrides, `-w`, credentials and TLS."""

from __future__ import annotations

import base64
import datetime as dt
import json
import ssl
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kcp.cli.plugins.clientconfig import ClientConfig, Overrides
from kcp.cli.plugins.credentials import credentials_for
from kcp.cli.plugins.errors import PluginError
from kcp.cli.plugins.kubeconfig import Kubeconfig


def config(overrides: Overrides | None = None, workspace: str = "", current: str = "ctx") -> ClientConfig:
    kubeconfig = Kubeconfig(
        (Path("/nonexistent"),),
        clusters={"c": {"server": "https://h:6443/clusters/root:org"}},
        contexts={"ctx": {"cluster": "c", "user": "u"}, "orphan": {"cluster": "missing", "user": "u"}},
        users={"u": {"token": "from-file"}, "other": {"username": "a", "password": "b"}},
        current_context=current,
    )
    return ClientConfig(kubeconfig, overrides or Overrides(), workspace)


def test_host_and_workspace_override() -> None:
    assert config().host() == "https://h:6443/clusters/root:org"
    assert config(workspace="team").host() == "https://h:6443/clusters/root:org:team"
    assert config(workspace=":root:x").host() == "https://h:6443/clusters/root:x"
    assert config(workspace="..").host() == "https://h:6443/clusters/root"
    assert config(workspace=".").host() == "https://h:6443/clusters/root:org"
    with pytest.raises(PluginError, match="cannot go above the root workspace"):
        config(workspace="..:..:..").host()
    with pytest.raises(PluginError, match="invalid workspace path: Bad"):
        config(workspace="Bad").host()


def test_overrides() -> None:
    c = config(Overrides(server="https://other/clusters/root", token="t2", insecure_skip_tls_verify=True))
    assert c.host() == "https://other/clusters/root"
    assert c.user() == {"token": "t2"}
    assert c.cluster()["insecure-skip-tls-verify"] is True
    assert config(Overrides(user="other")).user() == {"username": "a", "password": "b"}
    assert config(Overrides(context="orphan", server="https://s")).host() == "https://s"


def test_context_errors() -> None:
    with pytest.raises(PluginError, match="no configuration has been provided"):
        config(current="").context()
    with pytest.raises(PluginError, match="context was not found for specified context: nope"):
        config(Overrides(context="nope")).context()
    with pytest.raises(PluginError, match='no server found for cluster "orphan"'):
        config(Overrides(context="orphan")).cluster()


def test_client_drops_the_url_path() -> None:
    assert config().client().base_url == "https://h:6443"


def test_token_sources(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("abc\n")
    http = {"server": "http://h"}
    assert credentials_for(http, {"token": "t"}).headers == {"Authorization": "Bearer t"}
    assert credentials_for(http, {"tokenFile": str(token_file)}).headers == {"Authorization": "Bearer abc"}
    basic = base64.b64encode(b"me:pw").decode()
    assert credentials_for(http, {"username": "me", "password": "pw"}).headers == {
        "Authorization": f"Basic {basic}"
    }
    assert credentials_for(http, {}).ssl_context is None


def test_exec_plugin(tmp_path: Path) -> None:
    script = tmp_path / "plugin.py"
    script.write_text(
        "import json, os\n"
        "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
        "token = os.environ['PREFIX'] + info['spec']['cluster']['server']\n"
        "print(json.dumps({'kind': 'ExecCredential', 'status': {'token': token}}))\n"
    )
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": sys.executable,
            "args": [str(script)],
            "env": [{"name": "PREFIX", "value": "tok-"}],
            "provideClusterInfo": True,
        }
    }
    assert credentials_for({"server": "http://h"}, user).headers == {"Authorization": "Bearer tok-http://h"}


def test_exec_plugin_failures(tmp_path: Path) -> None:
    failing = {"exec": {"command": sys.executable, "args": ["-c", "raise SystemExit(3)"]}}
    with pytest.raises(PluginError, match="failed with exit code 3"):
        credentials_for({"server": "http://h"}, failing)
    missing = {"exec": {"command": str(tmp_path / "nope"), "installHint": "install it"}}
    with pytest.raises(PluginError, match="not found\n\ninstall it"):
        credentials_for({"server": "http://h"}, missing)


def _self_signed() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def test_tls_settings(tmp_path: Path) -> None:
    cert, key = _self_signed()
    b64 = base64.b64encode
    cluster = {
        "server": "https://h",
        "certificate-authority-data": b64(cert).decode(),
        "tls-server-name": "kcp",
    }
    user = {"client-certificate-data": b64(cert).decode(), "client-key-data": b64(key).decode()}
    creds = credentials_for(cluster, user)
    assert creds.ssl_context is not None
    assert creds.ssl_context.verify_mode == ssl.CERT_REQUIRED
    assert [c["subject"] for c in creds.ssl_context.get_ca_certs()] == [((("commonName", "test"),),)]
    assert creds.tls_server_name == "kcp"
    (tmp_path / "ca.crt").write_bytes(cert)
    (tmp_path / "tls.crt").write_bytes(cert)
    (tmp_path / "tls.key").write_bytes(key)
    files = {"client-certificate": str(tmp_path / "tls.crt"), "client-key": str(tmp_path / "tls.key")}
    by_file = credentials_for(
        {"server": "https://h", "certificate-authority": str(tmp_path / "ca.crt")}, files
    )
    assert by_file.ssl_context is not None and len(by_file.ssl_context.get_ca_certs()) == 1
    insecure = credentials_for({"server": "https://h", "insecure-skip-tls-verify": True}, {})
    assert insecure.ssl_context is not None and insecure.ssl_context.verify_mode == ssl.CERT_NONE
    exec_pem = {"exec": {"command": sys.executable, "args": ["-c", _print_cert_credential(cert, key)]}}
    assert credentials_for({"server": "https://h"}, exec_pem).ssl_context is not None


def _print_cert_credential(cert: bytes, key: bytes) -> str:
    status = {"clientCertificateData": cert.decode(), "clientKeyData": key.decode()}
    return f"print({json.dumps(json.dumps({'status': status}))})"
