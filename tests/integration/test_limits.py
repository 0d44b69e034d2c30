"""Overload sheds load with 429 and Retry-After, as kube's max-in-flight filter does."""

from __future__ import annotations

import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kcp.server.app import MAX_WATCHES_PER_USER
from tests.support.server import running


def test_in_flight_limit_answers_429(tmp_path: Path) -> None:
    with running(tmp_path / "root", "--max-requests-inflight=1") as server:

        def hit(_: int) -> tuple[int, str | None]:
            code, body, headers = server.request("GET", "/clusters/root/api/v1/namespaces?limit=500")
            if code == 429:
                assert body["kind"] == "Status" and body["reason"] == "TooManyRequests"
            return code, headers.get("Retry-After")

        with ThreadPoolExecutor(32) as pool:
            results = list(pool.map(hit, range(400)))
    codes = {code for code, _ in results}
    assert codes <= {200, 429} and 200 in codes and 429 in codes
    assert all(retry == "1" for code, retry in results if code == 429)


def test_watches_per_user_are_capped(tmp_path: Path) -> None:
    """reliability.md 5.11: one user's idle watches hit a cap (429); other users are unaffected."""
    with running(tmp_path / "root", "--batteries-included=+user") as server:
        path = "/clusters/root/api/v1/namespaces/default/configmaps?watch=1"
        context = server.ssl_context()

        def open_watch(token: str) -> tuple[ssl.SSLSocket, bytes]:
            conn = context.wrap_socket(
                socket.create_connection(("127.0.0.1", server.port)), server_hostname="127.0.0.1"
            )
            conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
            return conn, conn.recv(4096)

        held = []
        try:
            for _ in range(MAX_WATCHES_PER_USER):
                conn, head = open_watch(server.token)
                held.append(conn)
                assert head.startswith(b"HTTP/1.1 200"), head
            conn, head = open_watch(server.token)
            held.append(conn)
            assert (
                head.startswith(b"HTTP/1.1 429") and b"Retry-After: 1" in head and b"too many watches" in head
            )
            users = {u["name"]: u["user"] for u in server.config()["users"]}
            conn, head = open_watch(str(users["user"]["token"]))  # someone else is not held back by it
            held.append(conn)
            assert not head.startswith(b"HTTP/1.1 429"), head
        finally:
            for conn in held:
                conn.close()
