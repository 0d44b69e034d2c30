"""Health endpoints fail, in kube's words, when a check fails: storage that takes no writes is one."""

from __future__ import annotations

from kcp.server import health


def test_storage_that_takes_no_writes_fails_every_endpoint() -> None:
    for endpoint in health.ENDPOINTS:
        resp = health.respond(endpoint, False, True, False, storage=False)
        what = endpoint.lstrip("/")
        assert resp.status == 500
        lines = (resp.text or "").splitlines()
        assert lines[:2] == ["[+]ping ok", "[-]etcd failed: reason withheld"]
        assert lines[-1] == f"{what} check failed"
        assert health.respond(f"{endpoint}/etcd", False, True, False, storage=False).status == 500
        assert health.respond(endpoint, False, True, False, storage=True).text == "ok"
