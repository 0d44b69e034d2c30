"""Owner-reference garbage collection against a real server: background, orphan, foreground, scopes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.polling import eventually
from tests.support.registry import ref, schemaless_crd
from tests.support.server import Server

WS = "/apis/tenancy.kcp.io/v1alpha1/workspaces"
CRD = schemaless_crd("gc.example.com", "apps", "App")


@pytest.fixture
def workspaces(kcp_server: Server) -> Iterator[Callable[[], str]]:
    """Fresh Ready workspaces, deleted after the test: the server is shared, the state is not."""
    made: list[str] = []

    def make() -> str:
        made.append(ready_workspace(kcp_server))
        return made[-1]

    yield make
    for path in made:
        kcp_server.request("DELETE", f"/clusters/root{WS}/{path.removeprefix('root:')}")


@pytest.fixture
def ws(workspaces: Callable[[], str]) -> str:
    return workspaces()


def ready_workspace(server: Server) -> str:
    name = f"gc-{uuid.uuid4().hex[:8]}"
    body = {"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace", "metadata": {"name": name}}
    code, created, _ = server.request("POST", f"/clusters/root{WS}", body)
    assert code == 201, created

    def ready() -> bool:
        got = server.request("GET", f"/clusters/root{WS}/{name}")[1]
        return bool(got.get("status", {}).get("phase") == "Ready")

    eventually(ready, what=f"workspace {name} Ready")
    return f"root:{name}"


class Objects:
    """ConfigMaps and friends in one workspace's default namespace."""

    def __init__(self, server: Server, ws: str) -> None:
        self.server, self.ws = server, ws
        self.cms = f"/clusters/{ws}/api/v1/namespaces/default/configmaps"

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        code, obj, _ = self.server.request("POST", path, body)
        assert code == 201, obj
        return dict(obj)

    def cm(self, name: str, *owners: dict[str, Any], **meta: Any) -> dict[str, Any]:
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, **meta},
            "data": {"k": "v"},
        }
        if owners:
            body["metadata"]["ownerReferences"] = list(owners)
        return self.create(self.cms, body)

    def get(self, name: str) -> dict[str, Any] | None:
        code, obj, _ = self.server.request("GET", f"{self.cms}/{name}")
        assert code in (200, 404), obj
        return dict(obj) if code == 200 else None

    def delete(self, path: str, policy: str = "") -> dict[str, Any]:
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": policy} if policy else None
        code, obj, _ = self.server.request("DELETE", path, body)
        assert code in (200, 202), obj
        return dict(obj)

    def gone(self, *names: str) -> Callable[[], bool]:
        return lambda: all(self.get(n) is None for n in names)


def test_background_cascade_from_a_configmap(kcp_server: Server, ws: str) -> None:
    o = Objects(kcp_server, ws)
    owner = o.cm("owner")
    child = o.cm("child", ref(owner))
    o.cm("grandchild", ref(child))
    o.cm("bystander")
    o.delete(f"{o.cms}/owner")
    eventually(o.gone("child", "grandchild"), what="cascade")
    assert o.get("bystander") is not None


def test_background_cascade_from_a_custom_resource(kcp_server: Server, ws: str) -> None:
    o = Objects(kcp_server, ws)
    o.create(f"/clusters/{ws}/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)
    apps = f"/clusters/{ws}/apis/gc.example.com/v1/namespaces/default/apps"
    app = o.create(apps, {"apiVersion": "gc.example.com/v1", "kind": "App", "metadata": {"name": "a"}})
    o.cm("config", ref(app, controller=True, blockOwnerDeletion=True))
    o.delete(f"{apps}/a")
    eventually(o.gone("config"), what="dependent of the custom resource deleted")


def test_multiple_owners(kcp_server: Server, ws: str) -> None:
    o = Objects(kcp_server, ws)
    first, second = o.cm("first"), o.cm("second")
    o.cm("shared", ref(first), ref(second))
    o.delete(f"{o.cms}/first")

    def only_second() -> bool:
        shared = o.get("shared")
        assert shared is not None, "deleted although another owner exists"
        return [r["name"] for r in shared["metadata"].get("ownerReferences", [])] == ["second"]

    eventually(only_second, what="reference to the deleted owner removed")
    o.delete(f"{o.cms}/second")
    eventually(o.gone("shared"), what="dependent deleted with its last owner")


def test_orphan(kcp_server: Server, ws: str) -> None:
    o = Objects(kcp_server, ws)
    owner = o.cm("owner")
    o.cm("child", ref(owner))
    marked = o.delete(f"{o.cms}/owner", "Orphan")
    assert marked["metadata"]["finalizers"] == ["orphan"] and marked["metadata"]["deletionTimestamp"]
    eventually(o.gone("owner"), what="orphaning owner released")
    child = o.get("child")
    assert child is not None and "ownerReferences" not in child["metadata"]


def test_foreground(kcp_server: Server, ws: str) -> None:
    o = Objects(kcp_server, ws)
    owner = o.cm("owner")
    held = o.cm("held", ref(owner, blockOwnerDeletion=True), finalizers=["example.com/hold"])
    o.cm("held-child", ref(held, blockOwnerDeletion=True))
    o.cm("free", ref(owner))
    marked = o.delete(f"{o.cms}/owner", "Foreground")
    assert marked["metadata"]["finalizers"] == ["foregroundDeletion"]

    def dependents_going() -> bool:
        dep = o.get("held")
        return (
            dep is not None
            and bool(dep["metadata"].get("deletionTimestamp"))
            and o.gone("free", "held-child")()
        )

    eventually(dependents_going, what="dependents deleted first")
    time.sleep(0.5)  # the owner must keep waiting for its blocking dependent, not just be slow
    assert o.get("owner") is not None
    dep = o.get("held")
    assert dep is not None
    dep["metadata"]["finalizers"] = [f for f in dep["metadata"]["finalizers"] if f != "example.com/hold"]
    code, body, _ = kcp_server.request("PUT", f"{o.cms}/held", dep)
    assert code == 200, body
    eventually(o.gone("owner", "held"), what="owner deleted after its dependents")


def test_cluster_scoped_owner_of_namespaced_dependent(kcp_server: Server, ws: str) -> None:
    o = Objects(kcp_server, ws)
    ns = o.create(
        f"/clusters/{ws}/api/v1/namespaces",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}},
    )
    roles = f"/clusters/{ws}/apis/rbac.authorization.k8s.io/v1/clusterroles"
    role = o.create(
        roles,
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}},
    )
    o.cm("by-role", ref(role))
    other = f"/clusters/{ws}/api/v1/namespaces/x/configmaps"
    o.create(
        other,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "by-ns", "ownerReferences": [ref(ns)]},
        },
    )
    o.delete(f"{roles}/r")
    eventually(o.gone("by-role"), what="namespaced dependent of a cluster-scoped owner")
    assert kcp_server.request("GET", f"{other}/by-ns")[0] == 200


def test_workspaces_are_isolated(kcp_server: Server, workspaces: Callable[[], str]) -> None:
    a, b = Objects(kcp_server, workspaces()), Objects(kcp_server, workspaces())
    owner = a.cm("owner")
    a.cm("child", ref(owner))
    b_owner = b.cm("owner")
    b.cm("child", ref(b_owner))  # the same names in another logical cluster
    a.delete(f"{a.cms}/owner")
    eventually(a.gone("child"), what="cascade in the owner's workspace")
    time.sleep(0.3)  # a leak would show within a pass or two
    child = b.get("child")
    assert child is not None and child["metadata"]["ownerReferences"][0]["uid"] == b_owner["metadata"]["uid"]


def test_dependent_of_an_owner_that_does_not_exist_is_collected(kcp_server: Server, ws: str) -> None:
    o = Objects(kcp_server, ws)
    owner = o.cm("owner")
    o.cm("orphan", {**ref(owner), "uid": "0f0f0f0f-0000-0000-0000-000000000000"})
    eventually(o.gone("orphan"), what="dependent whose only owner is absent")
    assert o.get("owner") is not None


def test_deprecated_orphan_dependents_flag(kcp_server: Server, ws: str) -> None:
    o = Objects(kcp_server, ws)
    kept_owner, dropped_owner = o.cm("kept-owner"), o.cm("dropped-owner")
    o.cm("kept", ref(kept_owner))
    o.cm("dropped", ref(dropped_owner))
    both = {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "orphanDependents": True,
        "propagationPolicy": "Orphan",
    }
    code, status, _ = kcp_server.request("DELETE", f"{o.cms}/kept-owner", both)
    assert code == 422 and status["details"]["causes"][0]["field"] == "propagationPolicy"
    for name, orphan in (("kept-owner", True), ("dropped-owner", False)):
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "orphanDependents": orphan}
        code, _, _ = kcp_server.request("DELETE", f"{o.cms}/{name}", body)
        assert code in (200, 202)
    eventually(
        o.gone("kept-owner", "dropped-owner", "dropped"), what="owners gone, Background dependent collected"
    )
    kept = o.get("kept")
    assert kept is not None and not kept["metadata"].get("ownerReferences")
