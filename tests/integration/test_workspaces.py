"""Workspaces against a real server: the tree, type rules, ownership, access, isolation and deletion."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support.server import Server, running

WS = "/apis/tenancy.kcp.io/v1alpha1/workspaces"
RBAC = "rbac.authorization.k8s.io"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("tenancy") / "root", "--batteries-included=+user") as srv:
        yield srv


def token_of(server: Server, user: str) -> str:
    return str({u["name"]: u["user"] for u in server.config()["users"]}[user]["token"])


def workspace(name: str, type_name: str | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "tenancy.kcp.io/v1alpha1",
        "kind": "Workspace",
        "metadata": {"name": name},
        "spec": {},
    }
    if type_name:
        obj["spec"]["type"] = {"name": type_name}
    return obj


def create_ready(
    server: Server, parent: str, name: str, type_name: str | None = None, token: str | None = None
) -> dict[str, Any]:
    code, body, _ = server.request("POST", f"/clusters/{parent}{WS}", workspace(name, type_name), token=token)
    assert code == 201, body
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        code, body, _ = server.request("GET", f"/clusters/{parent}{WS}/{name}")
        if body.get("status", {}).get("phase") == "Ready":
            return dict(body)
        time.sleep(0.05)
    raise AssertionError(f"workspace {parent}:{name} did not become Ready: {body}")


def wait_for_home(server: Server, token: str) -> None:
    """The user's home workspace (user:<name>), made on first use."""
    deadline = time.monotonic() + 10
    while server.request("GET", f"/clusters/root{WS}/~", token=token)[0] != 200:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_three_level_tree(server: Server) -> None:
    org = unique("org")
    ws = create_ready(server, "root", org)
    assert ws["spec"]["type"] == {"name": "organization", "path": "root"}
    assert len(ws["spec"]["cluster"]) == 16 and ws["spec"]["URL"].endswith(f"/clusters/root:{org}")
    team = create_ready(server, f"root:{org}", "team-a", "team")
    leaf = create_ready(server, f"root:{org}:team-a", "leaf")
    assert leaf["spec"]["type"]["name"] == "universal"
    code, lc, _ = server.request(
        "GET", f"/clusters/root:{org}:team-a/apis/core.kcp.io/v1alpha1/logicalclusters/cluster"
    )
    assert code == 200 and lc["metadata"]["annotations"]["kcp.io/path"] == f"root:{org}:team-a"
    assert lc["spec"]["createdBy"] == {
        "username": "kcp-admin",
        "groups": ["system:kcp:admin", "system:authenticated"],
    }
    by_name = f"/clusters/{team['spec']['cluster']}/api/v1/namespaces"
    by_path = f"/clusters/root:{org}:team-a/api/v1/namespaces"
    names = {i["metadata"]["name"] for i in server.request("GET", by_name)[1]["items"]}
    assert names == {"default", "kube-system"}
    assert server.request("GET", by_path)[1]["items"] == server.request("GET", by_name)[1]["items"]


def test_type_rules(server: Server) -> None:
    """kcp's 403 words: what a side allows and the other implements, `none`, and missing types."""
    org = unique("org")
    create_ready(server, "root", org)
    code, body, _ = server.request("POST", f"/clusters/root:{org}{WS}", workspace("nested", "organization"))
    assert code == 403 and body["kind"] == "Status"
    refused = {
        "team": "workspace type root:team only allows [root:organization root:team] parent workspaces, "
        "but parent type root:root only implements [root:root root:universal]",
        "home": "workspace type root:home cannot have any parent",
        "nosuchtype": 'workspace type "nosuchtype" cannot be resolved',
    }
    for type_name, why in refused.items():
        name = unique("x")
        code, body, _ = server.request("POST", f"/clusters/root{WS}", workspace(name, type_name))
        assert (code, body["message"]) == (403, f'workspaces.tenancy.kcp.io "{name}" is forbidden: {why}')
    sent = workspace(unique("x"), "nosuch")
    sent["spec"]["type"]["path"] = "root"
    code, body, _ = server.request("POST", f"/clusters/root{WS}", sent)
    assert code == 403 and body["message"].endswith(
        ': Internal error occurred: workspacetypes.tenancy.kcp.io "root:nosuch" not found'
    ), body


def test_a_bare_type_name_is_found_in_root_from_a_home_tree(server: Server) -> None:
    """kcp looks a type without path up the workspace's ancestors and last in root, so a home
    workspace (`user:<name>`, no root above it) may ask for `universal` or `team` by name."""
    user = token_of(server, "user")
    wait_for_home(server, user)
    made = create_ready(server, "user:user", unique("h"), "universal", token=user)
    assert made["spec"]["type"] == {"name": "universal", "path": "root"}
    for path in ("user:user", made["spec"]["URL"].rpartition("/")[2]):  # kcp's spec.createdBy, home too
        lc = server.request("GET", f"/clusters/{path}/apis/core.kcp.io/v1alpha1/logicalclusters/cluster")[1]
        assert lc["spec"]["createdBy"] == {"username": "user", "groups": ["system:authenticated"]}, lc
    name = unique("t")
    code, body, _ = server.request("POST", f"/clusters/user:user{WS}", workspace(name, "team"), token=user)
    assert code == 403 and body["message"].endswith(
        "workspace type root:team only allows [root:organization root:team] parent workspaces, "
        "but parent type root:home only implements [root:home root:universal]"
    ), body


def test_unknown_and_invalid_paths(server: Server) -> None:
    assert server.request("GET", "/clusters/root:nope/api/v1/namespaces")[0] == 404
    assert server.request("GET", "/clusters/root::x/api/v1/namespaces")[0] == 400


def test_owner_is_admin_and_others_need_access(server: Server) -> None:
    admin, user = server.token, token_of(server, "user")
    rbac = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
    server.request(
        "POST",
        f"/clusters/root{rbac}",
        {
            "metadata": {"name": "user-creates-workspaces"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "ws-creator"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "user"}],
        },
    )
    server.request(
        "POST",
        "/clusters/root/apis/rbac.authorization.k8s.io/v1/clusterroles",
        {
            "metadata": {"name": "ws-creator"},
            "rules": [
                {
                    "apiGroups": ["tenancy.kcp.io"],
                    "resources": ["workspaces"],
                    "verbs": ["create", "get", "list"],
                }
            ],
        },
    )
    mine = unique("mine")
    create_ready(server, "root", mine, token=user)
    code, crb, _ = server.request("GET", f"/clusters/root:{mine}{rbac}/workspace-admin")
    assert code == 200 and crb["subjects"][0]["name"] == "user" and crb["roleRef"]["name"] == "cluster-admin"
    code, _, _ = server.request(
        "POST",
        f"/clusters/root:{mine}/api/v1/namespaces/default/configmaps",
        {"metadata": {"name": "c"}},
        token=user,
    )
    assert code == 201
    theirs = unique("theirs")
    create_ready(server, "root", theirs, token=admin)
    code, body, _ = server.request("GET", f"/clusters/root:{theirs}/api", token=user)
    assert code == 403 and "access" in body["message"]


def test_isolation_of_names_and_crds(server: Server) -> None:
    a, b = unique("a"), unique("b")
    create_ready(server, "root", a)
    create_ready(server, "root", b)
    for ws, value in ((a, "A"), (b, "B")):
        code, _, _ = server.request(
            "POST",
            f"/clusters/root:{ws}/api/v1/namespaces/default/configmaps",
            {"metadata": {"name": "same"}, "data": {"v": value}},
        )
        assert code == 201
    assert server.request("GET", f"/clusters/root:{a}/api/v1/namespaces/default/configmaps/same")[1][
        "data"
    ] == {"v": "A"}
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Cluster",
            "names": {"plural": "things", "kind": "Thing"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                }
            ],
        },
    }
    assert (
        server.request(
            "POST", f"/clusters/root:{a}/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd
        )[0]
        == 201
    )
    assert server.request("GET", f"/clusters/root:{a}/apis/example.com/v1/things")[0] == 200
    assert server.request("GET", f"/clusters/root:{b}/apis/example.com/v1/things")[0] == 404


def test_deleting_a_subtree_leaves_no_keys(server: Server) -> None:
    org = unique("gone")
    top = create_ready(server, "root", org)
    child = create_ready(server, f"root:{org}", "child", "team")
    server.request(
        "POST",
        f"/clusters/root:{org}:child/api/v1/namespaces/default/configmaps",
        {"metadata": {"name": "c"}},
    )
    clusters = {top["spec"]["cluster"], child["spec"]["cluster"]}
    code, _, _ = server.request("DELETE", f"/clusters/root{WS}/{org}")
    assert code in (200, 202)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.request("GET", f"/clusters/root{WS}/{org}")[0] != 404:
        time.sleep(0.1)
    assert server.request("GET", f"/clusters/root{WS}/{org}")[0] == 404
    assert [k for k in server.live_keys() if k.split("/")[4] in clusters] == []


def test_a_workspace_being_deleted_says_deleting(server: Server) -> None:
    name = unique("going")
    create_ready(server, "root", name)
    held = f"/clusters/root:{name}/api/v1/namespaces/default/configmaps"
    server.request("POST", held, {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}})
    code, marked, _ = server.request("DELETE", f"/clusters/root{WS}/{name}")
    assert code in (200, 202) and marked["status"]["phase"] == "Deleting", marked  # from the start
    deadline, ws = time.monotonic() + 10, {}
    while time.monotonic() < deadline and ws.get("status", {}).get("phase") != "Deleting":
        ws = server.request("GET", f"/clusters/root{WS}/{name}")[1]
        time.sleep(0.05)
    assert (
        ws["status"]["phase"] == "Deleting" and ws["metadata"]["labels"]["tenancy.kcp.io/phase"] == "Deleting"
    )
    server.request(
        "PATCH",
        f"{held}/held",
        {"metadata": {"finalizers": None}},
        content_type="application/merge-patch+json",
    )
    while time.monotonic() < deadline + 20 and server.request("GET", f"/clusters/root{WS}/{name}")[0] != 404:
        time.sleep(0.1)
    assert server.request("GET", f"/clusters/root{WS}/{name}")[0] == 404


def test_system_namespaces_stay_until_their_workspace_goes(server: Server) -> None:
    name = unique("keeps")
    create_ready(server, "root", name)
    for path, ns in ((f"root:{name}", "default"), (f"root:{name}", "kube-system"), ("root", "kube-public")):
        code, body, _ = server.request("DELETE", f"/clusters/{path}/api/v1/namespaces/{ns}")
        assert code == 403 and body["reason"] == "Forbidden", body
        assert body["message"] == f'namespaces "{ns}" is forbidden: this namespace may not be deleted'
        kept = server.request("GET", f"/clusters/{path}/api/v1/namespaces/{ns}")[1]
        assert kept["status"]["phase"] == "Active"
    mine = f"/clusters/root:{name}/api/v1/namespaces"
    assert server.request("POST", mine, {"metadata": {"name": "mine"}})[0] == 201
    assert server.request("DELETE", f"{mine}/mine")[0] == 200
    server.request("DELETE", f"/clusters/root{WS}/{name}")  # its namespaces go with it
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.request("GET", f"/clusters/root{WS}/{name}")[0] != 404:
        time.sleep(0.1)
    assert server.request("GET", f"/clusters/root{WS}/{name}")[0] == 404


def _keys_of_clusters(server: Server) -> dict[str, list[str]]:
    """Every stored key, by the logical cluster it belongs to."""
    out: dict[str, list[str]] = {}
    for key in server.live_keys():
        out.setdefault(key.split("/")[4], []).append(key)
    return out


def test_create_answers_with_a_ready_workspace_and_its_cluster(server: Server) -> None:
    name = unique("now")
    code, ws, _ = server.request("POST", f"/clusters/root{WS}", workspace(name))
    assert code == 201, ws
    cluster = ws["spec"]["cluster"]
    conditions = ws["status"].pop("conditions")
    assert ws["status"] == {"phase": "Ready"} and ws["metadata"]["labels"]["tenancy.kcp.io/phase"] == "Ready"
    assert [(c["type"], c["status"]) for c in conditions] == [
        ("WorkspaceInitialized", "True"),
        ("WorkspaceScheduled", "True"),
    ]
    assert ws["spec"]["URL"] == f"{server.base_url}/clusters/root:{name}"
    assert ws["metadata"]["finalizers"] == ["core.kcp.io/logicalcluster"]
    code, lc, _ = server.request(
        "GET", f"/clusters/root:{name}/apis/core.kcp.io/v1alpha1/logicalclusters/cluster"
    )
    assert code == 200 and lc["status"]["phase"] == "Ready" and lc["status"]["URL"] == ws["spec"]["URL"]
    assert lc["metadata"]["labels"]["tenancy.kcp.io/phase"] == "Ready"  # as kcp labels it
    owner = '{"username":"kcp-admin"}'  # all kcp keeps of the owner once Ready
    assert ws["metadata"]["annotations"]["experimental.tenancy.kcp.io/owner"] == owner
    assert lc["metadata"]["annotations"]["experimental.tenancy.kcp.io/owner"] == owner
    assert lc["spec"]["initializers"] == ["root:universal"] and lc["status"]["initializers"] == []
    assert lc["spec"]["owner"]["uid"] == ws["metadata"]["uid"]
    code, nss, _ = server.request("GET", f"/clusters/{cluster}/api/v1/namespaces")
    assert {n["metadata"]["name"] for n in nss["items"]} == {"default", "kube-system"}


def test_a_location_no_shard_matches_leaves_it_unschedulable(server: Server) -> None:
    name = unique("far")
    body = workspace(name)
    body["spec"]["location"] = {"selector": {"matchLabels": {"region": "mars"}}}
    before = set(_keys_of_clusters(server))
    code, ws, _ = server.request("POST", f"/clusters/root{WS}", body)
    assert code == 201, ws
    assert ws["status"]["phase"] == "Scheduling" and "cluster" not in ws["spec"]
    (scheduled,) = ws["status"]["conditions"]
    assert {k: v for k, v in scheduled.items() if k != "lastTransitionTime"} == {
        "type": "WorkspaceScheduled",
        "status": "False",
        "severity": "Error",
        "reason": "Unschedulable",
        "message": "No available shards to schedule the workspace.",
    }
    assert set(_keys_of_clusters(server)) == before  # no cluster was made for it
    assert server.request("GET", f"/clusters/root:{name}/api/v1/namespaces")[0] == 404
    assert server.request("DELETE", f"/clusters/root{WS}/{name}")[0] == 200
    assert server.request("GET", f"/clusters/root{WS}/{name}")[0] == 404
    for selector in ({}, {"matchLabels": {"name": "root"}}):  # every shard; the shard named root
        body = workspace(unique("near"))
        body["spec"]["location"] = {"selector": selector}
        code, ws, _ = server.request("POST", f"/clusters/root{WS}", body)
        assert code == 201 and ws["status"]["phase"] == "Ready", ws


def test_same_name_created_at_once_leaves_one_cluster(server: Server) -> None:
    name = unique("race")
    before = set(_keys_of_clusters(server))
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda _: server.request("POST", f"/clusters/root{WS}", workspace(name)), range(8))
        )
    codes = sorted(code for code, _, _ in results)
    assert codes.count(201) == 1 and set(codes) <= {201, 409}, codes
    assert all(body["reason"] == "AlreadyExists" for code, body, _ in results if code == 409)
    winner = next(body for code, body, _ in results if code == 201)
    new = set(_keys_of_clusters(server)) - before
    keys = _keys_of_clusters(server)
    assert new == {winner["spec"]["cluster"]}, {c: keys[c] for c in new}  # no loser left a cluster


def test_dry_run_create_makes_nothing(server: Server) -> None:
    name = unique("dry")
    before = _keys_of_clusters(server)
    code, ws, _ = server.request("POST", f"/clusters/root{WS}?dryRun=All", workspace(name))
    assert code == 201 and not ws["spec"].get("cluster"), ws
    assert _keys_of_clusters(server) == before
    assert server.request("GET", f"/clusters/root{WS}/{name}")[0] == 404


def test_kube_default_roles_are_bindable_in_a_workspace_without_copies(server: Server) -> None:
    """As in kcp, admin/edit/view come from the global policy: a workspace stores no copies."""
    name, user = unique("roles"), token_of(server, "user")
    create_ready(server, "root", name)
    rbac = f"/clusters/root:{name}/apis/rbac.authorization.k8s.io/v1"
    code, roles, _ = server.request("GET", f"{rbac}/clusterroles")
    assert code == 200 and roles["items"] == []
    access = {
        "metadata": {"name": "user-access"},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "system:kcp:workspace:access"},
        "subjects": [{"apiGroup": RBAC, "kind": "User", "name": "user"}],
    }
    assert server.request("POST", f"{rbac}/clusterrolebindings", access)[0] == 201
    view = {
        "metadata": {"name": "user-views", "namespace": "default"},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "view"},
        "subjects": [{"apiGroup": RBAC, "kind": "User", "name": "user"}],
    }
    assert server.request("POST", f"{rbac}/namespaces/default/rolebindings", view)[0] == 201
    cms = f"/clusters/root:{name}/api/v1/namespaces/default/configmaps"
    assert server.request("GET", cms, token=user)[0] == 200
    code, body, _ = server.request("POST", cms, {"metadata": {"name": "c"}}, token=user)
    assert code == 403, body
    view["metadata"]["name"], view["roleRef"]["name"] = "user-edits", "edit"
    assert server.request("POST", f"{rbac}/namespaces/default/rolebindings", view)[0] == 201
    assert server.request("POST", cms, {"metadata": {"name": "c"}}, token=user)[0] == 201


def _workspace_type(name: str, extends: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "tenancy.kcp.io/v1alpha1",
        "kind": "WorkspaceType",
        "metadata": {"name": name},
        "spec": {"extend": {"with": [{"name": e, "path": "root"} for e in extends]}},
    }


def test_extended_types_need_use_too_and_may_not_loop(server: Server) -> None:
    """kcp checks `use` on a type and on everything it extends, and refuses extension cycles."""
    types = "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspacetypes"
    alpha, multi, one, two = (unique(p) for p in ("alpha", "multi", "cyc", "cyc"))
    for name, extends in ((alpha, ["universal"]), (multi, [alpha]), (one, [two]), (two, [one])):
        assert server.request("POST", types, _workspace_type(name, extends))[0] == 201
    code, body, _ = server.request("POST", f"/clusters/root{WS}", workspace(unique("c"), one))
    assert code == 403 and body["message"].endswith(
        f"circular dependency detected in workspace type root:{one}: root:{one} -> root:{two}"
    ), body
    user = token_of(server, "user")
    role = {
        "metadata": {"name": multi},
        "rules": [
            {
                "apiGroups": ["tenancy.kcp.io"],
                "resources": ["workspacetypes"],
                "resourceNames": [multi],
                "verbs": ["use"],
            }
        ],
    }
    bind = {
        "metadata": {"name": multi},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": multi},
        "subjects": [{"apiGroup": RBAC, "kind": "User", "name": "user"}],
    }
    assert server.request("POST", f"/clusters/root/apis/{RBAC}/v1/clusterroles", role)[0] == 201
    assert server.request("POST", f"/clusters/root/apis/{RBAC}/v1/clusterrolebindings", bind)[0] == 201
    wait_for_home(server, user)
    sent = workspace(unique("u"), multi)
    sent["spec"]["type"]["path"] = "root"
    code, body, _ = server.request("POST", f"/clusters/user:user{WS}", sent, token=user)
    assert code == 403 and body["message"].endswith(
        f"unable to use workspace type root:{alpha}: missing verb='use' permission on workspacetype"
    ), body


def test_a_type_defaults_its_children_to_universal_as_kcps_schema_does(server: Server) -> None:
    """kcp's WorkspaceType schema defaults spec.defaultChildWorkspaceType to root:universal, so a
    workspace of a custom type takes children without a type; a type without spec gets no default."""
    types = "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspacetypes"
    custom, bare = unique("custom"), unique("bare")
    code, made, _ = server.request("POST", types, _workspace_type(custom, ["universal"]))
    assert code == 201 and made["spec"]["defaultChildWorkspaceType"] == {"name": "universal", "path": "root"}
    code, made, _ = server.request("POST", types, {"metadata": {"name": bare}})
    assert code == 201 and "spec" not in made, made
    parent = unique("p")
    create_ready(server, "root", parent, custom)
    child = create_ready(server, f"root:{parent}", "child")
    assert child["spec"]["type"] == {"name": "universal", "path": "root"}


def test_a_type_stamps_its_labels_on_new_workspaces_without_overriding_the_creators(server: Server) -> None:
    type_name = unique("labelled")
    types = "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspacetypes"
    labels = {"team": "a", "tier": "gold"}
    spec = {"extend": {"with": [{"name": "universal", "path": "root"}]}, "additionalWorkspaceLabels": labels}
    assert server.request("POST", types, {"metadata": {"name": type_name}, "spec": spec})[0] == 201
    name = unique("stamped")
    body = workspace(name)
    body["spec"]["type"] = {"name": type_name, "path": "root"}
    body["metadata"]["labels"] = {"tier": "silver"}
    code, made, _ = server.request("POST", f"/clusters/root{WS}", body)
    assert code == 201, made
    assert made["metadata"]["labels"]["team"] == "a" and made["metadata"]["labels"]["tier"] == "silver"
    bad = {"metadata": {"name": unique("badlabels")}, "spec": {"additionalWorkspaceLabels": {"-x": "y"}}}
    code, body, _ = server.request("POST", types, bad)
    assert code == 422 and body["details"]["causes"][0]["field"] == "spec.additionalWorkspaceLabels", body


def test_the_servers_own_clusters_carry_their_url(server: Server) -> None:
    """kcp's status.URL on root's and system:admin's LogicalCluster, as on every other one."""
    for cluster in ("root", "system:admin"):
        code, lc, _ = server.request(
            "GET", f"/clusters/{cluster}/apis/core.kcp.io/v1alpha1/logicalclusters/cluster"
        )
        assert code == 200 and lc["status"]["URL"] == f"{server.base_url}/clusters/{cluster}"


def test_spec_rules_answer_in_kcps_words(server: Server) -> None:
    """The schema's CEL rules (422, value shown as its type) first, then kcp's admission (403)."""
    name, user = unique("rules"), token_of(server, "user")
    create_ready(server, "root", name)
    path = f"/clusters/root{WS}/{name}"
    merge = "application/merge-patch+json"
    refused = {
        '{"spec":{"type":{"name":"team","path":"root"}}}': (
            422,
            'spec.type: Invalid value: "object": name is immutable',
        ),
        '{"spec":{"type":{"path":"root:x"}}}': (422, 'spec.type: Invalid value: "object": path is immutable'),
        '{"spec":{"cluster":"abc"}}': (422, 'spec.cluster: Invalid value: "string": cluster is immutable'),
        '{"spec":{"URL":null}}': (422, 'spec: Invalid value: "object": URL cannot be unset'),
        '{"spec":{"URL":"https://elsewhere"}}': (
            403,
            "spec.URL can only be changed by system privileged users",
        ),
        '{"spec":{"type":null}}': (403, 'spec.type: Invalid value: "null": field is immutable'),
    }
    for patch, (code, why) in refused.items():
        got, body, _ = server.request("PATCH", path, raw=patch.encode(), content_type=merge)
        forbidden = f'workspaces.tenancy.kcp.io "{name}" is forbidden: {why}'
        invalid = f'Workspace.tenancy.kcp.io "{name}" is invalid: {why}'
        assert (got, body["message"]) == (code, forbidden if code == 403 else invalid), (patch, body)
    wait_for_home(server, user)
    sent = workspace(unique("set"))
    sent["spec"]["cluster"] = "mine"
    code, body, _ = server.request("POST", f"/clusters/user:user{WS}", sent, token=user)
    assert code == 403 and body["message"].endswith(
        "is forbidden: spec.Cluster can only be set by system privileged users"
    ), body


def test_type_references_are_checked_as_kcp_checks_them(server: Server) -> None:
    """A WorkspaceType is held to kcp's schema (422); a Workspace's type is resolved by admission
    before any pattern is checked, so a name no type can have is a 403, and a missing one defaults."""
    types = "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspacetypes"
    bad = {
        "defaultChildWorkspaceType": {"name": "Bad_Name"},
        "limitAllowedChildren": {"none": True, "types": [{"name": "x"}]},
        "limitAllowedParents": {"types": []},
    }
    code, body, _ = server.request("POST", types, {"metadata": {"name": unique("bad")}, "spec": bad})
    assert code == 422, body
    assert [(c["field"], c["message"]) for c in body["details"]["causes"]] == [
        (
            "spec.defaultChildWorkspaceType.name",
            'Invalid value: "Bad_Name": spec.defaultChildWorkspaceType.name in body should match '
            "'^[a-z]([a-z0-9-]{0,61}[a-z0-9])?'",
        ),
        (
            "<nil>",
            'Invalid value: "": "spec.limitAllowedChildren" must validate one and only one schema '
            "(oneOf). Found 2 valid alternatives",
        ),
        (
            "spec.limitAllowedParents.types",
            "Invalid value: 0: spec.limitAllowedParents.types in body should have at least 1 items",
        ),
    ]
    for ref, why in (
        ({"name": "Bad_Name"}, 'workspace type "Bad_Name" cannot be resolved'),
        (
            {"name": "a/b", "path": "root"},
            'Internal error occurred: workspacetypes.tenancy.kcp.io "root:a/b" not found',
        ),
    ):
        sent = workspace(unique("x"))
        sent["spec"]["type"] = ref
        code, body, _ = server.request("POST", f"/clusters/root{WS}", sent)
        assert code == 403 and body["message"].endswith(f"is forbidden: {why}"), body
    sent = workspace(unique("x"))
    sent["spec"]["type"] = {"path": "root"}  # no name: the parent's default child type
    code, body, _ = server.request("POST", f"/clusters/root{WS}", sent)
    assert code == 201 and body["spec"]["type"] == {"name": "organization", "path": "root"}, body


def test_root_holds_kcps_bootstrap_rbac_by_its_names(server: Server) -> None:
    """What an admin looks for (or deletes to revoke) in root: kcp's config/root objects."""
    rbac = f"/clusters/root/apis/{RBAC}/v1"
    code, role, _ = server.request("GET", f"{rbac}/clusterroles/system:kcp:universal-workspacetype-use")
    assert code == 200 and role["rules"][0]["resourceNames"] == ["universal", "organization", "team"], role
    bindings = {
        "system:kcp:authenticated:universal-workspacetype-use": "system:kcp:universal-workspacetype-use",
        "system:kcp:tenancy:authenticated:access": "system:kcp:workspace:access",
        "system:kcp:authenticated:tenancy:reader": "system:kcp:tenancy:reader",
    }
    for name, role_name in bindings.items():
        code, binding, _ = server.request("GET", f"{rbac}/clusterrolebindings/{name}")
        assert code == 200 and binding["roleRef"]["name"] == role_name, binding
        assert binding["subjects"] == [{"apiGroup": RBAC, "kind": "Group", "name": "system:authenticated"}]


def test_kcps_kinds_are_served_as_custom_resources(server: Server) -> None:
    """kcp serves them from APIResourceSchemas: strategic merge patch is a 415 (so is a plain
    `kubectl patch`), and a field selector names metadata.name alone."""
    org = unique("org")
    create_ready(server, "root", org)
    for path in (
        f"/clusters/root{WS}/{org}",
        "/clusters/root/apis/core.kcp.io/v1alpha1/logicalclusters/cluster",
    ):
        code, body, _ = server.request(
            "PATCH",
            path,
            {"metadata": {"labels": {"a": "b"}}},
            content_type="application/strategic-merge-patch+json",
        )
        assert (code, body["message"]) == (
            415,
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        )
    code, doc, _ = server.request("GET", "/clusters/root/openapi/v3/apis/tenancy.kcp.io/v1alpha1")
    patch = doc["paths"]["/apis/tenancy.kcp.io/v1alpha1/workspaces/{name}"]["patch"]  # kubectl apply reads it
    assert "application/strategic-merge-patch+json" not in patch["requestBody"]["content"]
    code, body, _ = server.request("GET", f"/clusters/root{WS}?fieldSelector=status.phase%3DReady")
    assert (code, body["message"]) == (400, "field label not supported: status.phase")
    code, body, _ = server.request("GET", f"/clusters/root{WS}?fieldSelector=metadata.name%3D{org}")
    assert code == 200 and [i["metadata"]["name"] for i in body["items"]] == [org]


def test_names_and_type_references_are_checked_as_kcps_schemas_check_them(server: Server) -> None:
    """Custom resource names (DNS subdomains) narrowed by kcp's CRD schemas, in kube-openapi's words;
    reserved type names and new LogicalClusters are refused by kcp's admission."""
    code, body, _ = server.request("POST", f"/clusters/root{WS}", workspace("a.b"))
    pattern = "'^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'"
    assert (code, body["details"]["causes"]) == (
        422,
        [
            {
                "reason": "FieldValueInvalid",
                "message": f'Invalid value: "a.b": metadata.name in body should match {pattern}',
                "field": "metadata.name",
            }
        ],
    )
    code, body, _ = server.request("POST", f"/clusters/root{WS}", workspace("Bad"))
    subdomain, schema = (c["message"] for c in body["details"]["causes"])
    assert code == 422 and subdomain.startswith('Invalid value: "Bad": a lowercase RFC 1123 subdomain')
    assert schema == f'Invalid value: "Bad": metadata.name in body should match {pattern}'
    types = "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspacetypes"
    code, body, _ = server.request("POST", types, {"metadata": {"name": "system"}})
    assert (code, body["message"]) == (
        403,
        'workspacetypes.tenancy.kcp.io "system" is forbidden: '
        'metadata.name: Invalid value: "system": name is reserved',
    )
    lcs = "/clusters/root/apis/core.kcp.io/v1alpha1/logicalclusters"
    code, body, _ = server.request("POST", lcs, {"metadata": {"name": "other"}})
    assert (code, body["details"]["causes"][0]["message"]) == (
        422,
        'Unsupported value: "other": supported values: "cluster"',
    )
    code, body, _ = server.request("POST", lcs, {"metadata": {"name": "cluster"}})
    assert (code, body["message"]) == (
        403,
        'logicalclusters.core.kcp.io "cluster" is forbidden: LogicalCluster cannot be created',
    )
