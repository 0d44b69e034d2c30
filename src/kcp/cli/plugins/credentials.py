"""TLS and authentication from a kubeconfig cluster and user, as client-go's rest.Config builds them.

Supported: CA file or data, `insecure-skip-tls-verify`, `tls-server-name`, client certificates (file or
data), bearer tokens (inline or `tokenFile`), basic auth, and `exec` credential plugins (kubelogin and
friends), which print an ExecCredential whose status carries a token or a client certificate.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kcp.cli.plugins.errors import PluginError
from kcp.cli.plugins.kubeconfig import Entry


@dataclass(frozen=True)
class Credentials:
    """What every request carries: headers, and for https a TLS context (with SNI override if any)."""

    headers: dict[str, str] = field(default_factory=dict)
    ssl_context: ssl.SSLContext | None = None
    tls_server_name: str = ""


def credentials_for(cluster: Entry, user: Entry) -> Credentials:
    """Build from already-merged entries (command-line overrides applied by the caller)."""
    if user.get("exec"):
        user = {**user, **_exec_credential(user["exec"], cluster)}
    headers: dict[str, str] = {}
    token = user.get("token") or _read_token_file(user.get("tokenFile"))
    if token:
        headers["Authorization"] = f"Bearer {token}"
    elif user.get("username") or user.get("password"):
        basic = base64.b64encode(f"{user.get('username', '')}:{user.get('password', '')}".encode()).decode()
        headers["Authorization"] = f"Basic {basic}"
    server = str(cluster.get("server", ""))
    if not server.startswith("https:"):
        return Credentials(headers)
    return Credentials(headers, _ssl_context(cluster, user), str(cluster.get("tls-server-name", "")))


def _ssl_context(cluster: Entry, user: Entry) -> ssl.SSLContext:
    if cluster.get("insecure-skip-tls-verify"):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif cluster.get("certificate-authority-data"):
        ctx = ssl.create_default_context(cadata=_decode(cluster["certificate-authority-data"]).decode())
    elif cluster.get("certificate-authority"):
        ctx = ssl.create_default_context(cafile=str(cluster["certificate-authority"]))
    else:
        ctx = ssl.create_default_context()
    cert_data, key_data = user.get("client-certificate-data"), user.get("client-key-data")
    if cert_data and key_data:
        _load_cert_data(ctx, _decode(cert_data), _decode(key_data))
    elif user.get("client-certificate") and user.get("client-key"):
        ctx.load_cert_chain(str(user["client-certificate"]), str(user["client-key"]))
    return ctx


def _decode(value: Any) -> bytes:
    """`*-data` fields are base64 in kubeconfig files; an exec plugin's status carries plain PEM."""
    text = str(value)
    return text.encode() if text.lstrip().startswith("-----BEGIN") else base64.b64decode(text)


def _load_cert_data(ctx: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    """ssl loads key pairs from files only: write them to a private (0700) directory just long enough."""
    with tempfile.TemporaryDirectory(prefix="kubectl-kcp-") as tmp:
        cert_file, key_file = Path(tmp) / "tls.crt", Path(tmp) / "tls.key"
        cert_file.write_bytes(cert)
        key_file.write_bytes(key)
        ctx.load_cert_chain(str(cert_file), str(key_file))


def _read_token_file(path: Any) -> str:
    if not path:
        return ""
    try:
        return Path(str(path)).read_text().strip()
    except OSError as err:
        raise PluginError(f"failed to read token file {path!r}: {err.strerror}") from None


def _exec_credential(spec: Entry, cluster: Entry) -> Entry:
    """Run the exec plugin; its ExecCredential status becomes token or client certificate data."""
    command = str(spec.get("command", ""))
    interactive = sys.stdin.isatty() and spec.get("interactiveMode") != "Never"
    request: dict[str, Any] = {
        "apiVersion": spec.get("apiVersion", "client.authentication.k8s.io/v1"),
        "kind": "ExecCredential",
        "spec": {"interactive": interactive},
    }
    if spec.get("provideClusterInfo"):
        request["spec"]["cluster"] = {
            k: cluster[k]
            for k in ("server", "tls-server-name", "insecure-skip-tls-verify", "certificate-authority-data")
            if k in cluster
        }
    env = {**os.environ, **{e["name"]: e["value"] for e in spec.get("env") or []}}
    env["KUBERNETES_EXEC_INFO"] = json.dumps(request)
    try:
        proc = subprocess.run(
            [command, *(spec.get("args") or [])],
            env=env,
            stdin=None if interactive else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            check=False,
        )
    except OSError:
        hint = f"\n\n{spec['installHint']}" if spec.get("installHint") else ""
        raise PluginError(f"getting credentials: exec: executable {command} not found{hint}") from None
    if proc.returncode != 0:
        raise PluginError(
            f"getting credentials: exec: executable {command} failed with exit code {proc.returncode}"
        )
    try:
        status = json.loads(proc.stdout)["status"]
    except (ValueError, KeyError, TypeError):
        raise PluginError(
            f"getting credentials: exec: executable {command} printed no ExecCredential"
        ) from None
    out: Entry = {}
    if status.get("token"):
        out["token"] = status["token"]
    if status.get("clientCertificateData") and status.get("clientKeyData"):
        out["client-certificate-data"] = status["clientCertificateData"]
        out["client-key-data"] = status["clientKeyData"]
    return out
