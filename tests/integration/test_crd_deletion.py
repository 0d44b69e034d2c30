"""Deleting a CRD deletes its objects first, letting their finalizers run, as kube's CRD finalizer does."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from tests.support.registry import schemaless_crd
from tests.support.server import Server

CRDS = "/clusters/root/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def crd(group: str) -> dict[str, Any]:
    return schemaless_crd(group, "gizmos", "Gizmo")


def gizmo(group: str, name: str, finalizers: list[str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if finalizers:
        meta["finalizers"] = finalizers
    return {"apiVersion": f"{group}/v1", "kind": "Gizmo", "metadata": meta, "spec": {"size": 1}}


def until(check: Any, what: str, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def terminating(body: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in body["status"]["conditions"] if c["type"] == "Terminating")


def test_deleting_a_crd_deletes_its_objects_and_waits_for_their_finalizers(
    kcp_server: Server, namespace: str
) -> None:
    group = f"g{uuid.uuid4().hex[:8]}.example.com"
    assert kcp_server.request("POST", CRDS, crd(group))[0] == 201
    objects = f"/clusters/root/apis/{group}/v1/namespaces/{namespace}/gizmos"
    until(lambda: kcp_server.request("POST", objects, gizmo(group, "free"))[0] == 201, "the CRD to be served")
    assert kcp_server.request("POST", objects, gizmo(group, "held", ["example.com/hold"]))[0] == 201

    code, body, _ = kcp_server.request("DELETE", f"{CRDS}/gizmos.{group}")
    assert code == 200 and body["metadata"]["deletionTimestamp"], body
    assert "customresourcecleanup.apiextensions.k8s.io" in body["metadata"]["finalizers"]
    assert terminating(body)["status"] == "True"

    code, body, _ = kcp_server.request("POST", objects, gizmo(group, "late"))
    assert (
        code == 405
        and body["message"] == "create not allowed while custom resource definition is terminating"
    )
    until(lambda: kcp_server.request("GET", f"{objects}/free")[0] == 404, "the free object to go")
    held = until(
        lambda: (
            (b := kcp_server.request("GET", f"{objects}/held")[1])
            .get("metadata", {})
            .get("deletionTimestamp")
            and b
        ),
        "the held object to be marked",
    )
    code, body, _ = kcp_server.request("GET", f"{CRDS}/gizmos.{group}")
    assert code == 200 and terminating(body)["reason"] in (
        "InstanceDeletionInProgress",
        "InstanceDeletionCheck",
    )

    code, body, _ = kcp_server.request(  # its controller finishes: the last object goes, then the CRD
        "PATCH",
        f"{objects}/held",
        {"metadata": {"finalizers": None, "resourceVersion": held["metadata"]["resourceVersion"]}},
        content_type="application/merge-patch+json",
    )
    assert code == 200, body
    until(lambda: kcp_server.request("GET", f"{CRDS}/gizmos.{group}")[0] == 404, "the CRD to go")

    assert kcp_server.request("POST", CRDS, crd(group))[0] == 201  # the same CRD again starts empty
    listing = until(
        lambda: (r := kcp_server.request("GET", objects))[0] == 200 and r[1], "the new CRD to be served"
    )
    assert listing["items"] == []


def test_a_watch_on_a_deleted_crds_resource_ends(kcp_server: Server, namespace: str) -> None:
    """kube tears a deleted CRD's storage down, which closes the watches on it: a client's watch
    loop learns the resource is gone instead of waiting, silent, for its timeout."""
    group = f"g{uuid.uuid4().hex[:8]}.example.com"
    assert kcp_server.request("POST", CRDS, crd(group))[0] == 201
    objects = f"/clusters/root/apis/{group}/v1/namespaces/{namespace}/gizmos"
    until(lambda: kcp_server.request("POST", objects, gizmo(group, "one"))[0] == 201, "the CRD to be served")

    def delete_soon() -> None:
        time.sleep(0.5)
        kcp_server.request("DELETE", f"{CRDS}/gizmos.{group}")

    deleter = threading.Thread(target=delete_soon)
    started = time.monotonic()
    deleter.start()
    code, stream, _ = kcp_server.request("GET", f"{objects}?watch=1&timeoutSeconds=25")
    deleter.join()
    assert code == 200 and '"DELETED"' in str(stream), stream
    assert time.monotonic() - started < 15, "the watch outlived its CRD"
