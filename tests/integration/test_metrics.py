"""`/metrics` as Prometheus scrapes it: text or OpenMetrics by Accept, request and storage series."""

from __future__ import annotations

import re
import socket
import time

from tests.support.server import Server


def _series(text: str, name: str) -> dict[str, float]:
    """Every sample of one metric: its label block -> value."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        m = re.match(rf"{name}(\{{[^}}]*\}})? (\S+)", line)
        if m:
            out[m.group(1) or ""] = float(m.group(2))
    return out


def test_metrics_count_requests_and_commits(kcp_server: Server, namespace: str) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"}}
    code, _, _ = kcp_server.request("POST", f"/clusters/root/api/v1/namespaces/{namespace}/configmaps", cm)
    assert code == 201
    code, text, headers = kcp_server.request("GET", "/metrics", accept="text/plain")
    assert code == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    creates = _series(text, "apiserver_request_total")
    assert any('verb="CREATE"' in k and 'resource="configmaps"' in k and 'code="201"' in k for k in creates)
    assert _series(text, "apiserver_request_duration_seconds_count")
    assert _series(text, "kcp_storage_commit_duration_seconds_count")[""] >= 1
    assert _series(text, "kcp_storage_commit_batch_size_sum")[""] >= 1
    assert "" in _series(text, "kcp_storage_watchers")


def test_metrics_negotiate_openmetrics(kcp_server: Server) -> None:
    code, text, headers = kcp_server.request(
        "GET",
        "/metrics",
        accept="application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    )
    assert code == 200 and headers["Content-Type"].startswith("application/openmetrics-text")
    assert text.rstrip().endswith("# EOF")


def test_metrics_need_authentication(kcp_server: Server) -> None:
    code, body, _ = kcp_server.request("GET", "/metrics", token="", accept="text/plain")
    assert code == 401 and body["kind"] == "Status"


def _watchers(server: Server) -> float:
    return _series(server.request("GET", "/metrics", accept="text/plain")[1], "kcp_storage_watchers")[""]


def test_a_watch_whose_client_left_is_closed(kcp_server: Server, namespace: str) -> None:
    """Nothing is written on an idle watch, so the server must look: kube cancels it on disconnect."""
    baseline = _watchers(kcp_server)
    path = f"/clusters/root/api/v1/namespaces/{namespace}/configmaps?watch=1"
    sockets = []
    for _ in range(3):
        raw = socket.create_connection(("127.0.0.1", kcp_server.port))
        conn = kcp_server.ssl_context().wrap_socket(raw, server_hostname="127.0.0.1")
        auth = f"Authorization: Bearer {kcp_server.token}"
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n\r\n".encode())
        assert conn.recv(4096).startswith(b"HTTP/1.1 200")
        sockets.append(conn)
    deadline = time.monotonic() + 5
    while _watchers(kcp_server) < baseline + 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _watchers(kcp_server) >= baseline + 3
    for conn in sockets:
        conn.close()
    deadline = time.monotonic() + 15
    while _watchers(kcp_server) > baseline and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _watchers(kcp_server) <= baseline


def test_a_request_that_cannot_be_parsed_is_a_400_without_an_error_log(kcp_server: Server) -> None:
    """The client's mistake, answered as Go's server answers it, and no traceback in our log."""
    raw = socket.create_connection(("127.0.0.1", kcp_server.port))
    with kcp_server.ssl_context().wrap_socket(raw, server_hostname="127.0.0.1") as conn:
        auth = f"Authorization: Bearer {kcp_server.token}"
        twice = "Content-Type: application/json\r\nContent-Type: application/json"
        conn.sendall(f"GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n{twice}\r\n\r\n".encode())
        assert conn.recv(4096).split(b"\r\n")[0].endswith(b" 400 Bad Request")
    assert kcp_server.request("GET", "/version")[0] == 200
    log = (kcp_server.root.parent / f"{kcp_server.root.name}.log").read_text()
    assert "Traceback" not in log and "Error handling request" not in log
