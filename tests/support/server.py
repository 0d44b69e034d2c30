"""Start and stop a real kcp server process; stop it by its handle, never by name."""

from __future__ import annotations

import os
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    root: Path
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def kubeconfig(self) -> Path:
        return self.root / "admin.kubeconfig"

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def config(self) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.safe_load(self.kubeconfig.read_text())
        return loaded

    @property
    def token(self) -> str:
        users = {u["name"]: u["user"] for u in self.config()["users"]}
        return str(users["kcp-admin"]["token"])

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.root / "ca.crt"))

    def live_keys(self) -> list[str]:
        """Every key stored with a live version (its newest row not a tombstone), read from the file."""
        db = sqlite3.connect(f"file:{self.root / 'kcp.db'}?mode=ro", uri=True)
        try:
            rows = db.execute(
                "SELECT key FROM log AS l WHERE deleted = 0"
                " AND rev = (SELECT max(rev) FROM log WHERE key = l.key)"
            )
            return [key for (key,) in rows]
        finally:
            db.close()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        content_type: str = "application/json",
        accept: str = "application/json",
        raw: bytes | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        data = raw if raw is not None else (orjson.dumps(body) if body is not None else None)
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        if token != "":
            req.add_header("Authorization", f"Bearer {token or self.token}")
        if data is not None:
            req.add_header("Content-Type", content_type)
        req.add_header("Accept", accept)
        try:
            with urllib.request.urlopen(req, context=self.ssl_context(), timeout=30) as resp:
                payload = resp.read()
                return resp.status, _decode(payload), dict(resp.headers)
        except urllib.error.HTTPError as e:
            return e.code, _decode(e.read()), dict(e.headers)


def _decode(payload: bytes) -> Any:
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return payload.decode(errors="replace")


def start(root: Path, port: int | None = None, *extra: str, env: dict[str, str] | None = None) -> Server:
    port = port or free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kcp",
            "start",
            f"--root-directory={root}",
            "--bind-address=127.0.0.1",
            f"--secure-port={port}",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(root.parent / f"{root.name}.log", "ab"),  # noqa: SIM115
        env={**os.environ, **(env or {})},
    )
    server = Server(root, port, proc)
    wait_ready(server)
    return server


def wait_ready(server: Server, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"kcp exited with {server.proc.returncode}")
        if (server.root / "ca.crt").exists() and server.kubeconfig.exists():
            try:
                ctx = server.ssl_context()
                with urllib.request.urlopen(server.base_url + "/readyz", context=ctx, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, ssl.SSLError, OSError):
                pass
        time.sleep(0.05)
    stop(server)
    raise RuntimeError("kcp did not become ready")


def stop(server: Server, sig_kill: bool = False) -> None:
    if server.proc.poll() is None:
        if sig_kill:
            server.proc.kill()
        else:
            server.proc.terminate()
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=5)


@contextmanager
def running(root: Path, *extra: str) -> Iterator[Server]:
    server = start(root, None, *extra)
    try:
        yield server
    finally:
        stop(server)
