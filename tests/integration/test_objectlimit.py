"""kcp's total object limit per logical cluster against a real server: the 403 with the count at the
limit, deletes and failed creates freeing slots, events exempt, concurrent creators held to the
limit, the annotation reserved to admins, and the shard-wide default."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import pytest

from tests.support.polling import eventually
from tests.support.server import Server, running

WS = "/apis/tenancy.kcp.io/v1alpha1/workspaces"
LC = "/apis/core.kcp.io/v1alpha1/logicalclusters/cluster"
ANNOTATION = "core.kcp.io/max-total-objects"
MERGE = "application/merge-patch+json"
_REACHED = re.compile(
    r'configmaps "(?P<name>[^"]+)" is forbidden: logical cluster "(?P<cluster>[^"]+)" has reached its '
    r"total object count limit \((?P<count>\d+)/(?P<limit>\d+) objects\); delete objects to free up capacity"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("objlimit") / "root"
    with running(
        root, "--batteries-included=+user", "--logical-cluster-object-count-scan-interval=1s"
    ) as srv:
        yield srv


def _workspace(server: Server) -> str:
    """A new Ready workspace under root: its path."""
    name = f"ol-{uuid.uuid4().hex[:8]}"
    body = {"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace", "metadata": {"name": name}}
    code, created, _ = server.request("POST", f"/clusters/root{WS}", body)
    assert code == 201, created
    eventually(
        lambda: (
            server.request("GET", f"/clusters/root{WS}/{name}")[1].get("status", {}).get("phase") == "Ready"
        ),
        f"workspace {name} Ready",
    )
    return f"root:{name}"


def _annotate(server: Server, path: str, value: str | None, token: str | None = None) -> tuple[int, Any]:
    patch = {"metadata": {"annotations": {ANNOTATION: value}}}
    code, body, _ = server.request(
        "PATCH", f"/clusters/{path}{LC}", raw=orjson.dumps(patch), content_type=MERGE, token=token
    )
    return code, body


def _configmap(server: Server, path: str, name: str) -> tuple[int, Any]:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
    code, obj, _ = server.request("POST", f"/clusters/{path}/api/v1/namespaces/default/configmaps", body)
    return code, obj


def _limit_above_base(server: Server, path: str, room: int) -> int:
    """Sets the limit `room` objects above what the workspace holds now (read from a refusal)."""
    assert _annotate(server, path, "1")[0] == 200
    code, status = _configmap(server, path, "probe")
    assert code == 403, status
    base = int(_REACHED.fullmatch(status["message"])["count"])  # type: ignore[index]
    assert _annotate(server, path, str(base + room))[0] == 200
    return base + room


def test_the_create_over_the_limit_gets_kcps_403_and_a_delete_frees_a_slot(server: Server) -> None:
    path = _workspace(server)
    limit = _limit_above_base(server, path, 3)
    assert [_configmap(server, path, f"c{i}")[0] for i in range(3)] == [201, 201, 201]
    code, status = _configmap(server, path, "over")
    assert code == 403, status
    assert status["reason"] == "Forbidden"
    assert status["details"] == {"name": "over", "kind": "configmaps"}
    reached = _REACHED.fullmatch(status["message"])
    assert reached is not None, status["message"]
    assert (int(reached["count"]), int(reached["limit"])) == (limit, limit)
    # the cluster name, as kcp reports it, not the path
    code, lc, _ = server.request("GET", f"/clusters/{path}{LC}")
    assert reached["cluster"] == lc["metadata"]["annotations"]["kcp.io/cluster"]

    ns_path = f"/clusters/{path}/api/v1/namespaces/default"
    assert server.request("DELETE", f"{ns_path}/configmaps/c0")[0] == 200  # deletes always go through
    assert _configmap(server, path, "again")[0] == 201
    assert _configmap(server, path, "again-over")[0] == 403


def test_events_are_neither_counted_nor_refused(server: Server) -> None:
    path = _workspace(server)
    _limit_above_base(server, path, 0)
    ns_path = f"/clusters/{path}/api/v1/namespaces/default"
    event = {"metadata": {"name": "e1"}, "involvedObject": {"kind": "ConfigMap", "name": "x"}, "reason": "R"}
    assert server.request("POST", f"{ns_path}/events", event)[0] == 201
    v1 = {
        "metadata": {"name": "e2"},
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "reportingController": "a/b",
        "reportingInstance": "i",
        "action": "A",
        "reason": "R",
        "type": "Normal",
    }
    code, body, _ = server.request(
        "POST", f"/clusters/{path}/apis/events.k8s.io/v1/namespaces/default/events", v1
    )
    assert code == 201, body
    assert _configmap(server, path, "still-over")[0] == 403


def test_a_failed_create_gives_its_slot_back(server: Server) -> None:
    path = _workspace(server)
    _limit_above_base(server, path, 2)
    assert _configmap(server, path, "x")[0] == 201
    for _ in range(3):
        assert _configmap(server, path, "x")[0] == 409  # AlreadyExists, after its charge
    assert _configmap(server, path, "y")[0] == 201
    assert _configmap(server, path, "z")[0] == 403


def test_concurrent_creators_stay_within_the_limit(server: Server) -> None:
    path = _workspace(server)
    limit = _limit_above_base(server, path, 100)
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda i: _configmap(server, path, f"cc-{i}")[0], range(160)))
    assert set(codes) <= {201, 403}, codes
    assert 100 <= codes.count(201) <= 100 + limit // 100  # reliability 5.9: overshoot <= 1% of N
    code, status = _configmap(server, path, "after")
    assert code == 403 and _REACHED.fullmatch(status["message"]), status


def test_only_admins_may_set_the_annotation(server: Server) -> None:
    path = _workspace(server)
    user = str({u["name"]: u["user"] for u in server.config()["users"]}["user"]["token"])
    binding = {
        "metadata": {"name": "user-is-admin"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "user"}],
    }
    rbac = f"/clusters/{path}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
    assert server.request("POST", rbac, binding)[0] == 201
    code, status = _annotate(server, path, "1000000", token=user)
    assert code == 403, status
    assert status["message"] == (
        'logicalclusters.core.kcp.io "cluster" is forbidden: modification of admin-reserved annotation: '
        f'"{ANNOTATION}"'
    )
    patch = {"metadata": {"annotations": {"example.com/note": "mine"}}}  # other annotations are theirs
    code, body, _ = server.request(
        "PATCH", f"/clusters/{path}{LC}", raw=orjson.dumps(patch), content_type=MERGE, token=user
    )
    assert code == 200, body
    assert _annotate(server, path, "5")[0] == 200  # the admin may, and lift it again
    assert _annotate(server, path, "7", token=user)[0] == 403
    assert _annotate(server, path, None, token=user)[0] == 403


@pytest.mark.parametrize("value", ["0", "-3", "many", ""])
def test_a_limit_of_zero_or_none_is_no_limit(server: Server, value: str) -> None:
    path = _workspace(server)
    _limit_above_base(server, path, 0)
    assert _annotate(server, path, value)[0] == 200
    assert _configmap(server, path, "free")[0] == 201


def test_the_shard_default_spares_root_and_yields_to_the_annotation(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("objlimit-default") / "root"
    with running(root, "--logical-cluster-total-object-limit=12") as srv:
        path = _workspace(srv)
        codes = [_configmap(srv, path, f"d{i}")[0] for i in range(12)]
        assert 201 in codes and codes[-1] == 403, codes
        code, status = _configmap(srv, path, "over")
        reached = _REACHED.fullmatch(status["message"])
        assert code == 403 and reached is not None and reached["limit"] == "12", status
        assert _configmap(srv, "root", f"r-{uuid.uuid4().hex[:6]}")[0] == 201  # root holds more than 12
        assert _annotate(srv, path, "0")[0] == 200
        assert _configmap(srv, path, "lifted")[0] == 201


def test_the_limit_waits_for_ready(server: Server) -> None:
    """Initialization is never refused: a limit set while a workspace initializes applies once Ready."""
    kind = f"slow-{uuid.uuid4().hex[:6]}"
    wst = {
        "apiVersion": "tenancy.kcp.io/v1alpha1",
        "kind": "WorkspaceType",
        "metadata": {"name": kind},
        "spec": {"initializer": True, "extend": {"with": [{"name": "universal", "path": "root"}]}},
    }
    code, body, _ = server.request("POST", "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspacetypes", wst)
    assert code == 201, body
    name = f"ol-{uuid.uuid4().hex[:8]}"
    ws = {"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace", "metadata": {"name": name}}
    ws["spec"] = {"type": {"name": kind, "path": "root"}}
    code, body, _ = server.request("POST", f"/clusters/root{WS}", ws)
    assert code == 201, body
    cluster = eventually(
        lambda: server.request("GET", f"/clusters/root{WS}/{name}")[1].get("spec", {}).get("cluster"),
        "the workspace's cluster",
    )
    eventually(lambda: server.request("GET", f"/clusters/{cluster}{LC}")[0] == 200, "its LogicalCluster")
    assert _annotate(server, cluster, "1")[0] == 200
    assert _configmap(server, cluster, "while-initializing")[0] == 201
    patch = [{"op": "replace", "path": "/status/initializers", "value": []}]
    code, body, _ = server.request(
        "PATCH",
        f"/clusters/{cluster}{LC}/status",
        raw=orjson.dumps(patch),
        content_type="application/json-patch+json",
    )
    assert code == 200, body
    eventually(
        lambda: server.request("GET", f"/clusters/{cluster}{LC}")[1]["status"]["phase"] == "Ready", "Ready"
    )
    code, status = _configmap(server, cluster, "when-ready")
    assert code == 403, status
    assert _REACHED.fullmatch(status["message"]), status
