"""Home workspaces against a real server: `workspaces/~`, `user:<name>` paths, creator groups, the flags.

Most tests act as a fresh user (the admin impersonating `home-<random>`), so each sees its home
created from nothing although the server is shared; the `user` battery is the non-admin identity.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import pytest

from kcp.registry.tenancy.paths import home_cluster_name
from tests.support.server import Server, running

WS = "/apis/tenancy.kcp.io/v1alpha1/workspaces"
HOME = f"{WS}/~"
LC = "/apis/core.kcp.io/v1alpha1/logicalclusters/cluster"
FORBIDDEN = (
    'workspaces.tenancy.kcp.io "~" is forbidden: User "{user}" cannot create resource "workspaces" '
    'in API group "tenancy.kcp.io" at the cluster scope: workspace access not permitted'
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("home") / "root", "--batteries-included=+user") as srv:
        yield srv


def token_of(server: Server, user: str) -> str:
    return str({u["name"]: u["user"] for u in server.config()["users"]}[user]["token"])


def as_user(
    server: Server, method: str, path: str, user: str, *groups: str
) -> tuple[int, Any, dict[str, str]]:
    """A request by `user` in `groups` (plus system:authenticated, as impersonation adds it)."""
    req = urllib.request.Request(server.base_url + path, method=method)
    req.add_header("Authorization", f"Bearer {server.token}")
    req.add_header("Accept", "application/json")
    req.add_header("Impersonate-User", user)
    for group in groups:
        req.add_header("Impersonate-Group", group)
    try:
        with urllib.request.urlopen(req, context=server.ssl_context(), timeout=30) as resp:
            return resp.status, orjson.loads(resp.read()), dict(resp.headers)
    except urllib.error.HTTPError as e:
        return e.code, orjson.loads(e.read()), dict(e.headers)


def wait_home(fetch: Any, timeout: float = 15) -> dict[str, Any]:
    """Retry while the server answers 429 (what client-go does with Retry-After)."""
    deadline = time.monotonic() + timeout
    while True:
        code, body, headers = fetch()
        if code != 429:
            assert code == 200, body
            return dict(body)
        assert headers.get("Retry-After") == "1", headers
        assert body["message"] == "Creating the home workspace"
        assert time.monotonic() < deadline, "home workspace did not become ready"
        time.sleep(0.05)


def fresh_user() -> str:
    return f"home-{uuid.uuid4().hex[:8]}"


def test_first_access_creates_home(server: Server) -> None:
    user = fresh_user()
    code, home, _ = as_user(server, "GET", f"/clusters/root{HOME}", user)
    assert code == 200, home  # made Ready by the request itself: kcp answers 429 until it is
    cluster = home_cluster_name(user)
    assert home["apiVersion"] == "tenancy.kcp.io/v1alpha1" and home["kind"] == "Workspace"
    assert home["metadata"]["name"] == "cluster" and home["metadata"]["creationTimestamp"]  # kcp's: the LC's
    assert home["spec"] == {
        "cluster": cluster,
        "URL": f"{server.base_url}/clusters/user:{user}",
    }
    assert home["status"] == {"phase": "Ready"}

    code, lc, _ = server.request("GET", f"/clusters/{cluster}{LC}")
    assert code == 200, lc
    annotations = lc["metadata"]["annotations"]
    assert annotations["kcp.io/path"] == f"user:{user}"
    assert annotations["internal.tenancy.kcp.io/type"] == "root:home"
    assert f'"username":"{user}"' in annotations["experimental.tenancy.kcp.io/owner"]
    assert "owner" not in lc["spec"]  # rootless: no Workspace points at it
    assert lc["spec"]["initializers"] == ["root:universal"]
    assert lc["status"]["phase"] == "Ready" and lc["status"]["initializers"] == []
    # the universal initializer ran in the home, and the owner is its cluster-admin
    code, namespaces, _ = server.request("GET", f"/clusters/user:{user}/api/v1/namespaces")
    assert {n["metadata"]["name"] for n in namespaces["items"]} == {"default", "kube-system"}
    code, crb, _ = server.request(
        "GET", f"/clusters/{cluster}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/workspace-admin"
    )
    assert code == 200 and crb["roleRef"]["name"] == "cluster-admin"
    assert crb["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}]
    # the same home on every later access
    again = as_user(server, "GET", f"/clusters/root{HOME}", user)[1]
    assert again == home


def test_home_is_answered_in_root_only(server: Server) -> None:
    """kcp's home filter looks at root alone; elsewhere `~` names no Workspace."""
    token = token_of(server, "user")
    wait_home(lambda: server.request("GET", f"/clusters/root{HOME}", token=token))
    code, body, _ = server.request("GET", f"/clusters/user:user{HOME}", token=token)
    assert (code, body["message"]) == (404, 'workspaces.tenancy.kcp.io "~" not found'), body
    code, body, _ = server.request("GET", f"/clusters/root:missing-{uuid.uuid4().hex[:6]}{HOME}", token=token)
    assert code == 404, body  # an unknown workspace, for one who may enter its parent


def test_owner_uses_home_others_do_not(server: Server) -> None:
    token = token_of(server, "user")
    wait_home(lambda: server.request("GET", f"/clusters/root{HOME}", token=token))
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "mine"}}
    code, body, _ = server.request("POST", "/clusters/user:user/api/v1/namespaces", ns, token=token)
    assert code in (201, 409), body
    code, body, _ = server.request("GET", "/clusters/user:user/api/v1/namespaces/mine", token=token)
    assert code == 200, body
    by_name = f"/clusters/{home_cluster_name('user')}/api/v1/namespaces/mine"
    assert server.request("GET", by_name, token=token)[0] == 200

    other = fresh_user()
    code, body, _ = as_user(server, "GET", "/clusters/user:user/api/v1/namespaces", other)
    assert code == 403, body
    assert (
        body["message"].endswith(": workspace access not permitted")
        and f'User "{other}" cannot' in body["message"]
    )
    code, body, _ = as_user(server, "GET", f"/clusters/{home_cluster_name('user')}/api/v1/namespaces", other)
    assert code == 403, body
    # and the other user's home is not the user's
    theirs = wait_home(lambda: as_user(server, "GET", f"/clusters/root{HOME}", other))
    assert theirs["spec"]["cluster"] == home_cluster_name(other) != home_cluster_name("user")
    code, body, _ = server.request("GET", f"/clusters/user:{other}/api/v1/namespaces", token=token)
    assert code == 403, body


def test_unknown_home_path_is_not_found(server: Server) -> None:
    code, body, _ = server.request("GET", f"/clusters/user:{fresh_user()}/api/v1/namespaces")
    assert code == 404, body
    assert body["details"] == {
        "name": body["details"]["name"],
        "group": "tenancy.kcp.io",
        "kind": "workspaces",
    }


def test_anonymous_gets_no_home(server: Server) -> None:
    code, body, _ = as_user(server, "GET", f"/clusters/root{HOME}", "system:anonymous")
    assert code == 403, body
    assert body["message"] == FORBIDDEN.format(user="system:anonymous")
    code, body, _ = server.request("GET", f"/clusters/{home_cluster_name('system:anonymous')}{LC}")
    assert code == 404, body


def test_child_workspace_in_home(server: Server) -> None:
    token = token_of(server, "user")
    wait_home(lambda: server.request("GET", f"/clusters/root{HOME}", token=token))
    name = f"child-{uuid.uuid4().hex[:6]}"
    body = {"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace", "metadata": {"name": name}}
    code, created, _ = server.request("POST", f"/clusters/user:user{WS}", body, token=token)
    assert code == 201, created
    assert created["spec"]["type"] == {"name": "universal", "path": "root"}
    deadline = time.monotonic() + 15
    while True:
        code, ws, _ = server.request("GET", f"/clusters/user:user{WS}/{name}", token=token)
        if ws.get("status", {}).get("phase") == "Ready":
            break
        assert time.monotonic() < deadline, ws
        time.sleep(0.05)
    assert ws["spec"]["URL"] == f"{server.base_url}/clusters/user:user:{name}"
    code, namespaces, _ = server.request("GET", f"/clusters/user:user:{name}/api/v1/namespaces", token=token)
    assert code == 200, namespaces
    assert {n["metadata"]["name"] for n in namespaces["items"]} == {"default", "kube-system"}


def test_table_for_kubectl_get(server: Server) -> None:
    token = token_of(server, "user")
    home = wait_home(lambda: server.request("GET", f"/clusters/root{HOME}", token=token))
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    code, table, _ = server.request("GET", f"/clusters/root{HOME}", token=token, accept=accept)
    assert code == 200 and table["kind"] == "Table", table
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name",
        "Type",
        "Region",
        "Phase",
        "URL",
        "Age",
    ]
    assert table["rows"][0]["cells"][:5] == ["cluster", None, None, "Ready", home["spec"]["URL"]]


def test_concurrent_first_access(server: Server) -> None:
    user = fresh_user()
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: as_user(server, "GET", f"/clusters/root{HOME}", user)[0], range(16)))
    assert set(codes) <= {200, 429}, codes
    home = wait_home(lambda: as_user(server, "GET", f"/clusters/root{HOME}", user))
    assert home["status"]["phase"] == "Ready"


def test_creator_groups_and_disabled(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("home-groups") / "root"
    with running(root, "--batteries-included=+user", "--home-workspaces-home-creator-groups=team-1") as srv:
        code, body, _ = srv.request("GET", f"/clusters/root{HOME}", token=token_of(srv, "user"))
        assert code == 403, body
        assert body["message"] == FORBIDDEN.format(user="user")
        member = fresh_user()
        home = wait_home(lambda: as_user(srv, "GET", f"/clusters/root{HOME}", member, "team-1"))
        assert home["spec"]["cluster"] == home_cluster_name(member)
        # an existing home is returned whoever may create one (kcp checks only on creation)
        assert as_user(srv, "GET", f"/clusters/root{HOME}", member)[0] == 200
    with running(tmp_path_factory.mktemp("home-off") / "root", "--enable-home-workspaces=false") as srv:
        code, body, _ = srv.request("GET", f"/clusters/root{HOME}")
        assert code == 404, body
        assert body["message"] == 'workspaces.tenancy.kcp.io "~" not found'
