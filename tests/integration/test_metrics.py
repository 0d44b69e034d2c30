"""`/metrics` as Prometheus scrapes it: text or OpenMetrics by Accept, request and storage series."""

from __future__ import annotations

import re

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
