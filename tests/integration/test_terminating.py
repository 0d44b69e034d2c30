"""Terminators against a real server: a workspace whose type has them waits for them before it goes."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.server import Server, running

WS = "/apis/tenancy.kcp.io/v1alpha1/workspaces"
WST = "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspacetypes"
LC = "/apis/core.kcp.io/v1alpha1/logicalclusters/cluster"
BASE, CHILD = "root:withterm", "root:extterm"
MERGE = "application/merge-patch+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("term") / "root", "--batteries-included=+user") as srv:
        for name, extends in (("withterm", "universal"), ("extterm", "withterm")):
            code, body, _ = srv.request(
                "POST",
                WST,
                {
                    "apiVersion": "tenancy.kcp.io/v1alpha1",
                    "kind": "WorkspaceType",
                    "metadata": {"name": name},
                    "spec": {"terminator": True, "extend": {"with": [{"name": extends, "path": "root"}]}},
                },
            )
            assert code == 201, body
        yield srv


def make(server: Server, type_name: str) -> tuple[str, dict[str, Any]]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    body = {"metadata": {"name": name}, "spec": {"type": {"name": type_name, "path": "root"}}}
    code, ws, _ = server.request("POST", f"/clusters/root{WS}", body)
    assert code == 201 and ws["status"]["phase"] == "Ready", ws
    return name, ws


def wait_for(server: Server, path: str, check: Any, timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    code, body = 0, {}
    while time.monotonic() < deadline:
        code, body, _ = server.request("GET", path)
        if check(code, body):
            return dict(body) if isinstance(body, dict) else {}
        time.sleep(0.05)
    raise AssertionError(f"{path}: {code} {body}")


def keys_of(server: Server, cluster: str) -> list[str]:
    db = sqlite3.connect(f"file:{server.root / 'kcp.db'}?mode=ro", uri=True)
    try:
        return [k for (k,) in db.execute("SELECT key FROM kv") if k.split("/")[4] == cluster]
    finally:
        db.close()


def test_terminators_come_from_the_type_and_what_it_extends(server: Server) -> None:
    name, ws = make(server, "extterm")
    assert ws["status"]["terminators"] == [CHILD, BASE]
    _, lc, _ = server.request("GET", f"/clusters/root:{name}{LC}")
    assert lc["spec"]["terminators"] == lc["status"]["terminators"] == [CHILD, BASE]
    assert lc["metadata"]["finalizers"] == ["core.kcp.io/logicalcluster-deletion", "kcp.io/has-terminators"]
    hashed = sorted(k for k in lc["metadata"]["labels"] if k.startswith("terminator.internal.kcp.io/"))
    assert len(hashed) == 2, lc["metadata"]["labels"]


def test_deletion_waits_for_every_terminator_with_the_content_kept(server: Server) -> None:
    name, ws = make(server, "extterm")
    cluster = ws["spec"]["cluster"]
    cm = f"/clusters/root:{name}/api/v1/namespaces/default/configmaps"
    assert server.request("POST", cm, {"metadata": {"name": "kept"}})[0] == 201
    code, marked, _ = server.request("DELETE", f"/clusters/root{WS}/{name}")
    assert code in (200, 202) and marked["status"]["phase"] == "Terminating", marked
    lc = wait_for(server, f"/clusters/{cluster}{LC}", lambda c, b: b["status"].get("phase") == "Terminating")
    assert lc["metadata"]["deletionTimestamp"] and lc["metadata"]["labels"]["tenancy.kcp.io/phase"] == (
        "Terminating"
    )
    time.sleep(1.0)  # the controller has had its chance: the content waits for the terminators
    assert server.request("GET", f"{cm}/kept")[0] == 200
    _, ws, _ = server.request("GET", f"/clusters/root{WS}/{name}")
    assert ws["status"]["phase"] == "Terminating" and ws["status"]["terminators"] == [CHILD, BASE]
    code, lc, _ = server.request(
        "PATCH", f"/clusters/{cluster}{LC}/status", {"status": {"terminators": [BASE]}}, content_type=MERGE
    )
    assert code == 200 and lc["status"]["phase"] == "Terminating", lc
    wait_for(
        server,
        f"/clusters/root{WS}/{name}",
        lambda c, b: b["status"].get("terminators") == [BASE],
    )
    code, lc, _ = server.request(
        "PATCH", f"/clusters/{cluster}{LC}/status", {"status": {"terminators": None}}, content_type=MERGE
    )
    assert code == 200 and lc["status"]["phase"] == "Deleting", lc
    assert "kcp.io/has-terminators" not in lc["metadata"]["finalizers"]
    wait_for(server, f"/clusters/root{WS}/{name}", lambda c, b: c == 404, timeout=30)
    assert keys_of(server, cluster) == []


def test_a_workspace_admin_cannot_hold_a_deletion_with_a_terminator_of_its_own(server: Server) -> None:
    user = {u["name"]: u["user"] for u in server.config()["users"]}["user"]["token"]
    wait_for(server, f"/clusters/root{WS}/~", lambda c, b: c == 200)  # the user's home, made on first use
    deadline = time.monotonic() + 10
    while server.request("GET", f"/clusters/root{WS}/~", token=user)[0] != 200:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    code, body, _ = server.request(
        "PATCH",
        f"/clusters/user:user{LC}/status",
        {"status": {"terminators": ["root:mine"]}},
        token=user,
        content_type=MERGE,
    )
    assert code == 403 and body["message"].endswith("status.terminators must not grow"), body
