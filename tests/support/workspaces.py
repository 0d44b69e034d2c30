"""Workspaces made through the API for the reliability suites, each a `Target` for traffic."""

from __future__ import annotations

import uuid

from tests.support.history import Target
from tests.support.polling import eventually
from tests.support.server import Server

WS = "/apis/tenancy.kcp.io/v1alpha1/workspaces"


def make_workspaces(
    server: Server, count: int, namespace: str, keys: tuple[str, ...], clients: int, pause: float = 0.0
) -> list[tuple[Target, str]]:
    """`count` new workspaces under root, each Ready and holding `namespace`: (target, cluster name)."""
    made = []
    for _ in range(count):
        name = f"rel-{uuid.uuid4().hex[:8]}"
        body = {"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace", "metadata": {"name": name}}
        code, created, _ = server.request("POST", f"/clusters/root{WS}", body)
        assert code == 201, created
        ready = eventually(
            lambda name=name: (
                (ws := server.request("GET", f"/clusters/root{WS}/{name}")[1]).get("status", {}).get("phase")
                == "Ready"
                and ws
            ),
            f"workspace {name} Ready",
        )
        path = f"root:{name}"
        code, ns, _ = server.request(
            "POST", f"/clusters/{path}/api/v1/namespaces", {"metadata": {"name": namespace}}
        )
        assert code == 201, ns
        made.append((Target(path, namespace, keys, clients, pause), str(ready["spec"]["cluster"])))
    return made
