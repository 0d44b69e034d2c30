"""Request metrics stay bounded however many custom resources the workspaces name."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from kcp.server import metrics
from kcp.server.requestinfo import RequestInfo


def _series() -> int:
    return sum(len(family.samples) for family in REGISTRY.collect() if family.name == "apiserver_request")


def _get(group: str) -> None:
    info = RequestInfo("root", "/apis", is_resource_request=True, verb="get", group=group, resource="widgets")
    metrics.observe("GET", info, 200, 0.001)


def test_resources_past_the_bound_share_one_series(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "MAX_RESOURCES", len(metrics._resources) + 3)
    for i in range(50):
        _get(f"g{i}.example.com")
    before = _series()
    for i in range(50, 100):
        _get(f"g{i}.example.com")
    assert _series() == before
    shared = {"verb": "GET", "group": "*", "resource": "*", "code": "200"}
    assert (REGISTRY.get_sample_value("apiserver_request_total", shared) or 0) >= 97
