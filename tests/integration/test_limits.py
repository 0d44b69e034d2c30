"""Overload sheds load with 429 and Retry-After, as kube's max-in-flight filter does."""

from __future__ import annotations

import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson

from kcp.server.app import MAX_WATCHES_PER_USER
from kcp.server.run import HEADER_TIMEOUT
from tests.support.server import Server, running


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


def _connect(server: Server) -> ssl.SSLSocket:
    conn = server.ssl_context().wrap_socket(
        socket.create_connection(("127.0.0.1", server.port)), server_hostname="127.0.0.1"
    )
    conn.settimeout(HEADER_TIMEOUT + 10)
    return conn


def _closed_after(conn: ssl.SSLSocket) -> bytes:
    """Everything the server sends until it closes the connection."""
    got = b""
    while chunk := conn.recv(65536):
        got += chunk
    return got


def test_a_trickled_header_is_cut_off_while_others_are_served(tmp_path: Path) -> None:
    """reliability.md 5.11: slow-header connections are closed within 35 s and do not hold anyone up."""
    with running(tmp_path / "root") as server:
        slow = [_connect(server) for _ in range(50)]
        try:
            started = time.monotonic()
            for conn in slow:
                conn.sendall(b"GET /clusters/root/api/v1/namespaces HTTP/1.1\r\nHost: x\r\n")
            latencies = []
            while time.monotonic() - started < HEADER_TIMEOUT - 5:
                sent = time.monotonic()
                assert server.request("GET", "/clusters/root/api/v1/namespaces/default")[0] == 200
                latencies.append(time.monotonic() - sent)
                for conn in slow:
                    conn.sendall(b"X")  # one header byte at a time: never a whole head
                time.sleep(1)
            for conn in slow:
                assert _closed_after(conn) == b""
            assert time.monotonic() - started < 35
            assert max(latencies) < 1
        finally:
            for conn in slow:
                conn.close()


def test_a_request_past_its_deadline_is_a_504_timeout(tmp_path: Path) -> None:
    """A body that never comes ends at --request-timeout, as kube's timeout filter words it."""
    with running(tmp_path / "root", "--request-timeout=1s") as server:
        conn = _connect(server)
        with conn:
            conn.sendall(
                f"POST /clusters/root/api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {server.token}\r\nContent-Type: application/json\r\n"
                "Content-Length: 100\r\n\r\n{".encode()
            )
            started = time.monotonic()
            head, _, body = conn.recv(65536).partition(b"\r\n\r\n")
            assert time.monotonic() - started < 5
        assert head.startswith(b"HTTP/1.1 504"), head
        status = orjson.loads(body)
        assert status["kind"] == "Status" and status["reason"] == "Timeout" and status["code"] == 504
        assert status["message"] == (
            "Timeout: request did not complete within requested timeout - context deadline exceeded"
        )
        stored = server.request("GET", "/clusters/root/api/v1/namespaces/default/configmaps")[1]["items"]
        assert [cm["metadata"]["name"] for cm in stored] == ["kube-root-ca.crt"]


def test_the_timeout_parameter_is_a_go_duration(tmp_path: Path) -> None:
    with running(tmp_path / "root") as server:
        path = "/clusters/root/api/v1/namespaces/default"
        assert server.request("GET", f"{path}?timeout=32s")[0] == 200
        assert server.request("GET", f"{path}?timeout=0")[0] == 200  # 0: the server's own deadline
        code, status, _ = server.request("GET", f"{path}?timeout=5")
        assert code == 400 and status["reason"] == "BadRequest"
        assert status["message"] == (
            'invalid timeout specified in the request URL - time: missing unit in duration "5"'
        )


def test_a_long_label_selector_is_served(tmp_path: Path) -> None:
    """kube reads request lines up to 1 MiB; a selector naming many values fits."""
    with running(tmp_path / "root") as server:
        values = ",".join(f"v{i:05d}" for i in range(3000))  # about 20 KB of query
        code, body, _ = server.request(
            "GET", f"/clusters/root/api/v1/namespaces?labelSelector=app+in+({values})"
        )
        assert code == 200 and body["items"] == [], body
