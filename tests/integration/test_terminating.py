"""Terminators against a real server: a workspace whose type has them waits for them before it goes."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from kcp.apimachinery.errors import AlreadyExists
from kcp.sdk import GVR, Client, Controller, Informer, ObjectKey, Result
from tests.support.server import Server, running

LOGICALCLUSTERS = GVR("core.kcp.io", "v1alpha1", "logicalclusters")
CONFIGMAPS = GVR("", "v1", "configmaps")

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
    return [k for k in server.live_keys() if k.split("/")[4] == cluster]


def test_terminators_come_from_the_type_and_what_it_extends(server: Server) -> None:
    name, ws = make(server, "extterm")
    assert ws["status"]["terminators"] == [BASE, CHILD]  # kcp's order: what a type extends first
    _, lc, _ = server.request("GET", f"/clusters/root:{name}{LC}")
    assert lc["spec"]["terminators"] == lc["status"]["terminators"] == [BASE, CHILD]
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
    assert ws["status"]["phase"] == "Terminating" and ws["status"]["terminators"] == [BASE, CHILD]
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


class ReadThenRelease:
    """A provider's terminator: note what each going workspace held, then let it go."""

    def __init__(self, client: Client, admin: Client) -> None:
        self.client, self.admin = client, admin
        self.informer = Informer(client.cluster("*"), LOGICALCLUSTERS)
        self.controller = Controller("read-then-release", self.reconcile)
        self.controller.watch(self.informer)

    async def reconcile(self, key: ObjectKey) -> Result:
        if self.informer.get(key) is None:
            return Result()
        cluster = self.client.cluster(key.cluster)
        held = await cluster.list(CONFIGMAPS, "default")
        note = {
            "metadata": {"name": f"seen-{key.cluster}"},
            "data": {"held": ",".join(sorted(c["metadata"]["name"] for c in held["items"]))},
        }
        with contextlib.suppress(AlreadyExists):
            await self.admin.cluster("root").create(CONFIGMAPS, note, "default")
        lc = await cluster.get(LOGICALCLUSTERS, "cluster")
        left = [t for t in lc["status"]["terminators"] if t != BASE]
        await cluster.patch(
            LOGICALCLUSTERS,
            "cluster",
            [
                {
                    "op": "test",
                    "path": "/metadata/resourceVersion",
                    "value": lc["metadata"]["resourceVersion"],
                },
                {"op": "replace", "path": "/status/terminators", "value": left},
            ],
            subresource="status",
            content_type="application/json-patch+json",
        )
        return Result()


async def test_an_sdk_terminator_reads_the_content_then_releases_it(server: Server) -> None:
    name, ws = make(server, "withterm")
    cluster = ws["spec"]["cluster"]
    cm = f"/clusters/root:{name}/api/v1/namespaces/default/configmaps"
    assert server.request("POST", cm, {"metadata": {"name": "precious"}})[0] == 201
    assert server.request("DELETE", f"/clusters/root{WS}/{name}")[0] in (200, 202)
    ca = server.root / "ca.crt"
    client = Client(
        f"{server.base_url}/services/terminatingworkspaces/{BASE}", token=server.token, ca_file=ca
    )
    admin = Client(server.base_url, token=server.token, ca_file=ca)
    terminator = ReadThenRelease(client, admin)
    terminator.controller.start()
    try:
        await asyncio.to_thread(wait_for, server, f"/clusters/root{WS}/{name}", lambda c, b: c == 404, 30)
    finally:
        await terminator.controller.stop()
        await client.close()
        await admin.close()
    _, note, _ = server.request("GET", f"/clusters/root/api/v1/namespaces/default/configmaps/seen-{cluster}")
    assert note["data"]["held"] == "kube-root-ca.crt,precious", note
    assert keys_of(server, cluster) == []


def test_the_view_needs_terminate_on_the_type(server: Server) -> None:
    users = {u["name"]: u["user"] for u in server.config()["users"]}
    token = users["user"]["token"]
    path = f"/services/terminatingworkspaces/{BASE}/clusters/*/apis/core.kcp.io/v1alpha1/logicalclusters"
    code, body, _ = server.request("GET", path, token=token)
    assert (code, body["message"]) == (  # kcp's view: kube's 403 for the request, after its SAR
        403,
        'logicalclusters.core.kcp.io is forbidden: User "user" cannot list resource "logicalclusters" '
        'in API group "core.kcp.io" at the cluster scope',
    ), body
    rbac = "/clusters/root/apis/rbac.authorization.k8s.io/v1"
    role = f"terminate-{uuid.uuid4().hex[:6]}"
    rule = {"apiGroups": ["tenancy.kcp.io"], "resources": ["workspacetypes"], "verbs": ["terminate"]}
    assert (
        server.request(
            "POST",
            f"{rbac}/clusterroles",
            {"metadata": {"name": role}, "rules": [{**rule, "resourceNames": ["withterm"]}]},
        )[0]
        == 201
    )
    binding = {
        "metadata": {"name": role},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "user"}],
    }
    assert server.request("POST", f"{rbac}/clusterrolebindings", binding)[0] == 201
    wait_for(server, path, lambda c, b: server.request("GET", path, token=token)[0] == 200)
    other = f"/services/terminatingworkspaces/{CHILD}/clusters/*/apis/core.kcp.io/v1alpha1/logicalclusters"
    assert server.request("GET", other, token=token)[0] == 403  # the grant names one type


def test_the_view_serves_only_clusters_going_and_guards_their_status(server: Server) -> None:
    view = f"/services/terminatingworkspaces/{BASE}/clusters"
    name, ws = make(server, "extterm")
    cluster = ws["spec"]["cluster"]
    lc = f"{view}/{cluster}{LC}"
    code, body, _ = server.request("GET", lc)  # not marked yet: kcp's view filters it out, its proxy refuses
    assert (code, body["message"]) == (404, 'logicalclusters.core.kcp.io "cluster" not found'), body
    code, body, _ = server.request("GET", f"{view}/{cluster}/api/v1/namespaces")
    assert (code, body["message"]) == (403, f'terminator "{BASE}" cannot access this workspace'), body
    assert server.request("DELETE", f"/clusters/root{WS}/{name}")[0] in (200, 202)
    wait_for(server, lc, lambda c, b: c == 200)
    listed = server.request("GET", f"{view}/*/apis/core.kcp.io/v1alpha1/logicalclusters")[1]
    assert cluster in [i["metadata"]["annotations"]["kcp.io/cluster"] for i in listed["items"]]
    assert all(i["metadata"].get("deletionTimestamp") for i in listed["items"]), listed
    assert server.request("GET", f"{view}/{cluster}/api/v1/namespaces/default/configmaps")[0] == 200
    unchanged = {"status": {"terminators": [BASE, CHILD]}}
    code, body, _ = server.request("PATCH", f"{lc}/status", unchanged, content_type=MERGE)
    assert code == 422 and body["details"]["causes"][0]["field"] == "status.terminators", body
    code, body, _ = server.request(
        "PATCH", f"{lc}/status", {"status": {"terminators": [BASE]}}, content_type=MERGE
    )
    assert code == 422 and f'only removing the "{BASE}" terminator' in body["message"], body
    code, body, _ = server.request(
        "PATCH", f"{lc}/status", {"status": {"terminators": [CHILD], "phase": "Ready"}}, content_type=MERGE
    )
    assert code == 403, body
    assert server.request("PATCH", lc, {"metadata": {"labels": {"x": "y"}}}, content_type=MERGE)[0] == 405
    assert server.request("DELETE", lc)[0] == 403
    code, body, _ = server.request(
        "PATCH", f"{lc}/status", {"status": {"terminators": [CHILD]}}, content_type=MERGE
    )
    assert code == 200 and body["status"]["terminators"] == [CHILD], body
    assert server.request("GET", lc)[0] == 404  # done here: the view lets go of it
    _, going, _ = server.request("GET", f"/clusters/root{WS}/{name}")
    assert going["status"]["phase"] == "Terminating"  # the other terminator still holds it
    server.request(
        "PATCH", f"/clusters/{cluster}{LC}/status", {"status": {"terminators": None}}, content_type=MERGE
    )
    wait_for(server, f"/clusters/root{WS}/{name}", lambda c, b: c == 404, timeout=30)


def test_the_view_across_clusters_serves_discovery(server: Server) -> None:
    base = f"/services/terminatingworkspaces/{BASE}/clusters/*"
    code, resources, _ = server.request("GET", f"{base}/apis/core.kcp.io/v1alpha1")
    assert code == 200 and [(r["name"], r["verbs"]) for r in resources["resources"]] == [
        ("logicalclusters", ["list", "watch"])
    ]
    code, body, _ = server.request("POST", f"{base}/apis/core.kcp.io/v1alpha1/logicalclusters", {})
    assert code == 405, body


def test_a_type_lists_its_views_and_is_ready(server: Server) -> None:
    wt = wait_for(server, f"{WST}/withterm", lambda c, b: bool(b.get("status", {}).get("virtualWorkspaces")))
    assert wt["status"]["virtualWorkspaces"] == [
        {"url": f"{server.base_url}/services/initializingworkspaces/{BASE}", "type": "initializing"},
        {"url": f"{server.base_url}/services/terminatingworkspaces/{BASE}", "type": "terminating"},
    ]
    assert [(c["type"], c["status"]) for c in wt["status"]["conditions"]] == [
        ("Ready", "True"),
        ("VirtualWorkspaceURLsReady", "True"),
    ]


def test_a_type_in_a_child_workspace_is_named_by_its_logical_cluster(server: Server) -> None:
    """kcp's TerminatorForType: `<logical cluster name>:<type>`, not the workspace's path."""
    org, made = make(server, "universal")
    body = {"metadata": {"name": "nested"}, "spec": {"terminator": True}}
    types = f"/clusters/root:{org}/apis/tenancy.kcp.io/v1alpha1/workspacetypes"
    assert server.request("POST", types, body)[0] == 201
    wt = wait_for(server, f"{types}/nested", lambda c, b: bool(b.get("status", {}).get("virtualWorkspaces")))
    terminator = f"{made['spec']['cluster']}:nested"
    assert wt["status"]["virtualWorkspaces"][1]["url"] == (
        f"{server.base_url}/services/terminatingworkspaces/{terminator}"
    )
    sent = {"metadata": {"name": "child"}, "spec": {"type": {"name": "nested"}}}
    code, child, _ = server.request("POST", f"/clusters/root:{org}{WS}", sent)
    assert code == 201 and child["status"]["terminators"] == [terminator], child
