"""Isolation matrix: 3 users x 4 workspaces x get/list/create/delete, with no leak in any cell."""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from kcp.server.pki import ensure_pki
from tests.support.server import Server, running

WS = "/apis/tenancy.kcp.io/v1alpha1/workspaces"
USERS = ("alice", "bob", "carol")
# who is bound to cluster-admin in which workspace (carol nowhere)
GRANTS = {"w1": {"alice"}, "w2": {"alice", "bob"}, "w3": {"bob"}, "w4": set()}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("iso") / "root") as srv:
        yield srv


def user_context(server: Server, name: str, tmp: Path) -> ssl.SSLContext:
    cert, key = ensure_pki(server.root, []).issue_client_cert(name, ("system:authenticated",))
    (tmp / f"{name}.crt").write_bytes(cert)
    (tmp / f"{name}.key").write_bytes(key)
    ctx = server.ssl_context()
    ctx.load_cert_chain(tmp / f"{name}.crt", tmp / f"{name}.key")
    return ctx


def call(server: Server, ctx: ssl.SSLContext, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    req = urllib.request.Request(
        server.base_url + path, method=method, data=orjson.dumps(body) if body is not None else None
    )
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as resp:
            return resp.status, orjson.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, orjson.loads(e.read())


def test_isolation_matrix(server: Server, tmp_path: Path) -> None:
    suffix = uuid.uuid4().hex[:6]
    clusters: dict[str, str] = {}
    for ws in GRANTS:
        name = f"{ws}-{suffix}"
        assert server.request("POST", f"/clusters/root{WS}", {"metadata": {"name": name}})[0] == 201
        deadline, body = time.monotonic() + 15, {}
        while time.monotonic() < deadline and body.get("status", {}).get("phase") != "Ready":
            time.sleep(0.05)
            _, body, _ = server.request("GET", f"/clusters/root{WS}/{name}")
        clusters[ws] = body["spec"]["cluster"]
        base = f"/clusters/root:{name}"
        code, _, _ = server.request(
            "POST",
            f"{base}/api/v1/namespaces/default/configmaps",
            {"metadata": {"name": "secret-of-" + ws}, "data": {"owner": ws}},
        )
        assert code == 201
        for user in GRANTS[ws]:
            code, _, _ = server.request(
                "POST",
                f"{base}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                {
                    "metadata": {"name": f"admin-{user}"},
                    "roleRef": {
                        "apiGroup": "rbac.authorization.k8s.io",
                        "kind": "ClusterRole",
                        "name": "cluster-admin",
                    },
                    "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
                },
            )
            assert code == 201
    contexts = {u: user_context(server, u, tmp_path) for u in USERS}
    cells = 0
    for user in USERS:
        for ws, granted in GRANTS.items():
            allowed = user in granted
            for path_form in (f"root:{ws}-{suffix}", clusters[ws]):
                cms = f"/clusters/{path_form}/api/v1/namespaces/default/configmaps"
                code, body = call(server, contexts[user], "GET", f"{cms}/secret-of-{ws}")
                assert (code == 200) == allowed and code in (200, 403), (user, ws, code)
                code, body = call(server, contexts[user], "GET", cms)
                assert (code == 200) == allowed and code in (200, 403), (user, ws, code)
                if allowed:
                    owners = {i["data"]["owner"] for i in body["items"] if "owner" in i.get("data", {})}
                    assert owners <= {ws}, (user, ws, owners)
                    assert {i["metadata"]["annotations"]["kcp.io/cluster"] for i in body["items"]} == {
                        clusters[ws]
                    }
                name = f"{user}-{uuid.uuid4().hex[:4]}"
                code, _ = call(server, contexts[user], "POST", cms, {"metadata": {"name": name}})
                assert (code == 201) == allowed and code in (201, 403), (user, ws, code)
                code, _ = call(
                    server, contexts[user], "DELETE", f"{cms}/{name if allowed else 'secret-of-' + ws}"
                )
                assert (code == 200) == allowed and code in (200, 403), (user, ws, code)
                cells += 4
    assert cells == len(USERS) * len(GRANTS) * 2 * 4
    for ws in GRANTS:  # nothing an outsider tried changed anyone's data
        code, body, _ = server.request(
            "GET", f"/clusters/{clusters[ws]}/api/v1/namespaces/default/configmaps/secret-of-{ws}"
        )
        assert code == 200 and body["data"] == {"owner": ws}
