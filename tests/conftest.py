"""Fixtures shared by integration and e2e tests: one real server per package, fresh state per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.server import Server, running


@pytest.fixture(scope="package")
def kcp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("kcp") / "root") as server:
        yield server


@pytest.fixture
def namespace(kcp_server: Server) -> Iterator[str]:
    """A fresh namespace per test: tests share a server, never state."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    code, body, _ = kcp_server.request(
        "POST",
        "/clusters/root/api/v1/namespaces",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
    )
    assert code == 201, body
    yield name
    kcp_server.request("DELETE", f"/clusters/root/api/v1/namespaces/{name}")
