"""An initializer controller written with kcp.sdk, working through the initializing virtual workspace."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from kcp.apimachinery.errors import AlreadyExists, Invalid
from kcp.sdk import GVR, Client, Controller, Informer, ObjectKey, Result
from tests.support.server import Server, running

LOGICALCLUSTERS = GVR("core.kcp.io", "v1alpha1", "logicalclusters")
NAMESPACES = GVR("", "v1", "namespaces")
CONFIGMAPS = GVR("", "v1", "configmaps")
WS = "/apis/tenancy.kcp.io/v1alpha1/workspaces"
INITIALIZER = "root:withcm"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("init") / "root", "--batteries-included=+user") as srv:
        code, body, _ = srv.request(
            "POST",
            "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspacetypes",
            {
                "apiVersion": "tenancy.kcp.io/v1alpha1",
                "kind": "WorkspaceType",
                "metadata": {"name": "withcm"},
                "spec": {"initializer": True, "extend": {"with": [{"name": "universal", "path": "root"}]}},
            },
        )
        assert code == 201, body
        yield srv


class AddConfigMap:
    """The provider's initializer: put a ConfigMap into each new workspace, then let it go."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.informer = Informer(client.cluster("*"), LOGICALCLUSTERS)
        self.controller = Controller("add-configmap", self.reconcile)
        self.controller.watch(self.informer)

    async def reconcile(self, key: ObjectKey) -> Result:
        if self.informer.get(key) is None:
            return Result()
        cluster = self.client.cluster(key.cluster)
        with contextlib.suppress(AlreadyExists):
            await cluster.create(
                NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "setup"}}
            )
        with contextlib.suppress(AlreadyExists):
            await cluster.create(
                CONFIGMAPS,
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "initialized"},
                    "data": {"by": INITIALIZER},
                },
                namespace="setup",
            )
        lc = await cluster.get(LOGICALCLUSTERS, "cluster")
        remaining = [i for i in lc["status"]["initializers"] if i != INITIALIZER]
        try:
            await cluster.patch(
                LOGICALCLUSTERS,
                "cluster",
                [
                    {
                        "op": "test",
                        "path": "/metadata/resourceVersion",
                        "value": lc["metadata"]["resourceVersion"],
                    },
                    {"op": "replace", "path": "/status/initializers", "value": remaining},
                ],
                subresource="status",
                content_type="application/json-patch+json",
            )
        except Invalid:
            return Result(requeue_after=0.05)  # someone else changed it first: look again
        return Result()


OWNER = "experimental.tenancy.kcp.io/owner"


def wait_ready(server: Server, name: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        _, body, _ = server.request("GET", f"/clusters/root{WS}/{name}")
        if body.get("status", {}).get("phase") == "Ready":
            return body
        time.sleep(0.05)
    raise AssertionError(f"not Ready: {body}")


async def test_sdk_initializer_adds_content_then_releases(server: Server) -> None:
    name = f"init-{uuid.uuid4().hex[:6]}"
    code, body, _ = server.request(
        "POST",
        f"/clusters/root{WS}",
        {
            "apiVersion": "tenancy.kcp.io/v1alpha1",
            "kind": "Workspace",
            "metadata": {"name": name},
            "spec": {"type": {"name": "withcm", "path": "root"}},
        },
    )
    assert code == 201, body
    await asyncio.sleep(1.0)
    _, body, _ = server.request("GET", f"/clusters/root{WS}/{name}")
    assert body["status"]["phase"] == "Initializing" and INITIALIZER in body["status"]["initializers"]
    waiting = next(c for c in body["status"]["conditions"] if c["type"] == "WorkspaceInitialized")
    assert waiting["status"] == "False" and waiting["reason"] == "InitializerExists"
    assert waiting["severity"] == "Info" and INITIALIZER in waiting["message"]
    owner = '{"username":"kcp-admin","groups":["system:kcp:admin","system:authenticated"]}'
    assert body["metadata"]["annotations"][OWNER] == owner  # kcp's UserInfo JSON: no empty uid
    client = Client(
        f"{server.base_url}/services/initializingworkspaces/{INITIALIZER}",
        token=server.token,
        ca_file=server.root / "ca.crt",
    )
    initializer = AddConfigMap(client)
    initializer.controller.start()
    try:
        ws = await asyncio.to_thread(wait_ready, server, name)
    finally:
        await initializer.controller.stop()
        await client.close()
    code, cm, _ = server.request(
        "GET", f"/clusters/root:{name}/api/v1/namespaces/setup/configmaps/initialized"
    )
    assert code == 200 and cm["data"] == {"by": INITIALIZER}
    assert ws["spec"]["cluster"]
    done = next(c for c in ws["status"]["conditions"] if c["type"] == "WorkspaceInitialized")
    assert done["status"] == "True" and "reason" not in done
    lc_path = f"/clusters/root:{name}/apis/core.kcp.io/v1alpha1/logicalclusters/cluster"
    deadline = time.monotonic() + 5
    for path in (f"/clusters/root{WS}/{name}", lc_path):  # Ready: kcp keeps only the owner's name
        while (owner := server.request("GET", path)[1]["metadata"]["annotations"][OWNER]) != (
            '{"username":"kcp-admin"}'
        ):
            assert time.monotonic() < deadline, owner
            await asyncio.sleep(0.05)


def test_view_needs_initialize_and_guards_the_status(server: Server) -> None:
    user = {u["name"]: u["user"] for u in server.config()["users"]}["user"]["token"]
    path = (
        f"/services/initializingworkspaces/{INITIALIZER}/clusters/*/apis/core.kcp.io/v1alpha1/logicalclusters"
    )
    assert server.request("GET", path, token=user)[0] == 403
    assert server.request("GET", path)[0] == 200
    name = f"guard-{uuid.uuid4().hex[:6]}"
    _, ws, _ = server.request(
        "POST",
        f"/clusters/root{WS}",
        {
            "apiVersion": "tenancy.kcp.io/v1alpha1",
            "kind": "Workspace",
            "metadata": {"name": name},
            "spec": {"type": {"name": "withcm", "path": "root"}},
        },
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not ws.get("spec", {}).get("cluster"):
        time.sleep(0.05)
        _, ws, _ = server.request("GET", f"/clusters/root{WS}/{name}")
    lc_path = (
        f"/services/initializingworkspaces/{INITIALIZER}/clusters/{ws['spec']['cluster']}"
        "/apis/core.kcp.io/v1alpha1/logicalclusters/cluster/status"
    )
    lc_get = lc_path[: -len("/status")]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # wait until only our initializer is left (universal ran)
        code, lc, _ = server.request("GET", lc_get)
        if code == 200 and lc["status"].get("initializers") == [INITIALIZER]:
            break
        time.sleep(0.05)
    assert lc["status"]["initializers"] == [INITIALIZER]
    code, body, _ = server.request(
        "PATCH",
        lc_path,
        {"status": {"phase": "Ready", "initializers": []}},
        content_type="application/merge-patch+json",
    )
    assert code == 403, body
    code, body, _ = server.request(
        "PATCH",
        lc_path,
        {"status": {"initializers": [INITIALIZER, "root:other"]}},
        content_type="application/merge-patch+json",
    )
    assert code == 422 and body["details"]["causes"][0]["field"] == "status.initializers", body
    merge = "application/merge-patch+json"
    code, body, _ = server.request("PATCH", lc_get, {"metadata": {"labels": {"x": "y"}}}, content_type=merge)
    assert code == 405, body  # only the status is written here
    progress = [{"type": "Seeded", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}]
    code, body, _ = server.request("PATCH", lc_path, {"status": {"conditions": progress}}, content_type=merge)
    assert code == 200 and body["status"]["conditions"] == progress, body  # progress may be reported
    # a watch from now on sees only what this initializer has to do, the initial state included
    watched = server.request("GET", f"{path}?watch=1&timeoutSeconds=1")[1]
    lines = [watched] if isinstance(watched, dict) else [json.loads(x) for x in watched.splitlines() if x]
    events = [e for e in lines if e["type"] != "BOOKMARK"]
    assert events and all(
        INITIALIZER in e["object"]["status"]["initializers"]
        and e["object"]["status"]["phase"] == "Initializing"
        for e in events
    ), events
    code, body, _ = server.request(
        "PATCH", lc_path, {"status": {"initializers": []}}, content_type="application/merge-patch+json"
    )
    assert code == 200 and body["status"].get("initializers", []) == [], body
    assert wait_ready(server, name)["status"]["phase"] == "Ready"


def test_a_workspace_admin_may_neither_delete_nor_rewind_its_logical_cluster(server: Server) -> None:
    """kcp's logicalcluster admission: only the system deletes a cluster that is not directly deletable,
    and others may only move one forward."""
    user = {u["name"]: u["user"] for u in server.config()["users"]}["user"]["token"]
    deadline = time.monotonic() + 10
    while server.request("GET", f"/clusters/root{WS}/~", token=user)[0] != 200:  # made on first use
        assert time.monotonic() < deadline
        time.sleep(0.1)
    lc = "/clusters/user:user/apis/core.kcp.io/v1alpha1/logicalclusters/cluster"
    code, body, _ = server.request("DELETE", lc, token=user)
    assert code == 403 and body["message"] == (
        'logicalclusters.core.kcp.io "cluster" is forbidden: LogicalCluster cannot be deleted'
    ), body
    spec = server.request("GET", lc, token=user)[1]["spec"].get("initializers") or []
    code, body, _ = server.request(
        "PATCH",
        f"{lc}/status",
        {"status": {"phase": "Initializing", "initializers": spec}},
        token=user,
        content_type="application/merge-patch+json",
    )
    assert code == 403 and body["message"].endswith('cannot transition from "Ready" to "Initializing"'), body
    assert server.request("GET", lc, token=user)[1]["status"]["phase"] == "Ready"


def test_the_view_across_clusters_serves_discovery_for_kubectl(server: Server) -> None:
    base = f"/services/initializingworkspaces/{INITIALIZER}/clusters/*"
    code, groups, _ = server.request("GET", f"{base}/apis")
    assert code == 200 and [g["name"] for g in groups["groups"]] == ["core.kcp.io"], groups
    code, resources, _ = server.request("GET", f"{base}/apis/core.kcp.io/v1alpha1")
    assert code == 200 and [(r["name"], r["verbs"]) for r in resources["resources"]] == [
        ("logicalclusters", ["list", "watch"])
    ]
    assert server.request("GET", f"{base}/apis/apps/v1")[0] == 404
    user = {u["name"]: u["user"] for u in server.config()["users"]}["user"]["token"]
    assert server.request("GET", f"{base}/apis", token=user)[0] == 403  # initialize is still needed


def test_initializer_permissions_bound_what_the_initializer_may_do(server: Server) -> None:
    """kcp's initializerPermissions: the view refuses content requests no rule allows, in its words."""
    type_name = f"limited-{uuid.uuid4().hex[:6]}"
    rules = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "create"]}]
    universal = {"with": [{"name": "universal", "path": "root"}]}  # for the default namespace
    spec = {"initializer": True, "initializerPermissions": rules, "extend": universal}
    types = "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspacetypes"
    assert server.request("POST", types, {"metadata": {"name": type_name}, "spec": spec})[0] == 201
    name = f"lim-{uuid.uuid4().hex[:6]}"
    sent = {"metadata": {"name": name}, "spec": {"type": {"name": type_name, "path": "root"}}}
    code, ws, _ = server.request("POST", f"/clusters/root{WS}", sent)
    assert code == 201, ws
    content = f"/services/initializingworkspaces/root:{type_name}/clusters/{ws['spec']['cluster']}/api/v1"
    configmap = {"metadata": {"name": "seed", "namespace": "default"}}
    code, body, _ = server.request("POST", f"{content}/namespaces/default/configmaps", configmap)
    assert code == 201, body
    code, body, _ = server.request("GET", f"{content}/namespaces/default/secrets/x")
    assert (code, body["message"]) == (
        403,
        f'initializer "root:{type_name}" denied by initializerPermissions: '
        "no rule allows get on core/secrets (x) in namespace default",
    ), body
