"""Custom resources' `status` and `scale` subresources against a real server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.server import Server

ROOT = "/clusters/root"
GROUP = "scaling.example.com"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"


def crd(plural: str, kind: str, subresources: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": subresources,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {
                                        "replicas": {"type": "integer", "minimum": 0},
                                        "size": {"type": "integer"},
                                    },
                                },
                                "status": {
                                    "type": "object",
                                    "properties": {
                                        "replicas": {"type": "integer"},
                                        "selector": {"type": "string"},
                                        "phase": {"type": "string"},
                                    },
                                },
                            },
                        }
                    },
                }
            ],
        },
    }


SCALE = {
    "specReplicasPath": ".spec.replicas",
    "statusReplicasPath": ".status.replicas",
    "labelSelectorPath": ".status.selector",
}


@pytest.fixture(scope="module")
def kinds(kcp_server: Server) -> None:
    """Three kinds: scalable (with status), status only, and scale-only without a selector path."""
    for body in (
        crd("scalers", "Scaler", {"status": {}, "scale": SCALE}),
        crd("plains", "Plain", {"status": {}}),
        crd(
            "bares",
            "Bare",
            {"scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
        ),
    ):
        code, created, _ = kcp_server.request(
            "POST", f"{ROOT}/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body
        )
        assert code == 201, created


def base(namespace: str, plural: str = "scalers") -> str:
    return f"{ROOT}/apis/{GROUP}/v1/namespaces/{namespace}/{plural}"


def create(
    server: Server, namespace: str, name: str, spec: dict[str, Any], plural: str = "scalers"
) -> dict[str, Any]:
    kind = {"scalers": "Scaler", "plains": "Plain", "bares": "Bare"}[plural]
    code, obj, _ = server.request(
        "POST",
        base(namespace, plural),
        {"apiVersion": f"{GROUP}/v1", "kind": kind, "metadata": {"name": name}, "spec": spec},
    )
    assert code == 201, obj
    return dict(obj)


def set_status(server: Server, namespace: str, name: str, status: dict[str, Any]) -> dict[str, Any]:
    code, obj, _ = server.request(
        "PATCH", f"{base(namespace)}/{name}/status", {"status": status}, content_type=MERGE_PATCH
    )
    assert code == 200, obj
    return dict(obj)


@pytest.mark.usefixtures("kinds")
def test_get_scale_reads_the_declared_paths(kcp_server: Server, namespace: str) -> None:
    create(kcp_server, namespace, "w1", {"replicas": 2})
    obj = set_status(kcp_server, namespace, "w1", {"replicas": 1, "selector": "app=w1"})
    code, scale, _ = kcp_server.request("GET", f"{base(namespace)}/w1/scale")
    assert code == 200, scale
    meta = obj["metadata"]
    assert scale == {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": "w1",
            "namespace": namespace,
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": 2},
        "status": {"replicas": 1, "selector": "app=w1"},
    }


@pytest.mark.usefixtures("kinds")
def test_missing_status_and_selector_read_as_zero_and_empty(kcp_server: Server, namespace: str) -> None:
    create(kcp_server, namespace, "b1", {"replicas": 4}, plural="bares")
    code, scale, _ = kcp_server.request("GET", f"{base(namespace, 'bares')}/b1/scale")
    assert code == 200, scale
    assert scale["spec"] == {"replicas": 4} and scale["status"] == {"replicas": 0}


@pytest.mark.usefixtures("kinds")
def test_get_and_patch_show_the_same_status_replicas(kcp_server: Server, namespace: str) -> None:
    """status.replicas has no omitempty in autoscaling/v1: 0 is shown, whether status is absent or
    only lacks replicas, by a read as by a write."""
    create(kcp_server, namespace, "w1", {"replicas": 1})
    for status in (None, {"phase": "Ready"}, {"replicas": 0}):
        if status is not None:
            set_status(kcp_server, namespace, "w1", status)
        code, read, _ = kcp_server.request("GET", f"{base(namespace)}/w1/scale")
        assert code == 200 and read["status"] == {"replicas": 0}, read
        patch = {"spec": {"replicas": 2}}
        url = f"{base(namespace)}/w1/scale"
        code, written, _ = kcp_server.request("PATCH", url, patch, content_type=MERGE_PATCH)
        assert code == 200 and written["status"] == read["status"], written


@pytest.mark.usefixtures("kinds")
def test_put_scale_sets_spec_replicas_with_a_precondition(kcp_server: Server, namespace: str) -> None:
    create(kcp_server, namespace, "w1", {"replicas": 1, "size": 7})
    set_status(kcp_server, namespace, "w1", {"replicas": 1, "phase": "Ready"})
    _, scale, _ = kcp_server.request("GET", f"{base(namespace)}/w1/scale")
    stale_rv = scale["metadata"]["resourceVersion"]
    scale["spec"]["replicas"] = 3
    code, updated, _ = kcp_server.request("PUT", f"{base(namespace)}/w1/scale", scale)
    assert code == 200, updated
    assert updated["kind"] == "Scale" and updated["spec"] == {"replicas": 3}
    assert int(updated["metadata"]["resourceVersion"]) > int(stale_rv)
    _, obj, _ = kcp_server.request("GET", f"{base(namespace)}/w1")
    assert obj["spec"] == {"replicas": 3, "size": 7}
    assert obj["status"] == {"replicas": 1, "phase": "Ready"}
    assert obj["metadata"]["generation"] == 2
    assert obj["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]
    managers = {(m["manager"], m.get("subresource", "")) for m in obj["metadata"]["managedFields"]}
    assert any(sub == "scale" for _, sub in managers)

    code, conflict, _ = kcp_server.request("PUT", f"{base(namespace)}/w1/scale", scale)
    assert code == 409 and conflict["reason"] == "Conflict", conflict
    assert "the object has been modified" in conflict["message"]

    unconditional = {"apiVersion": "autoscaling/v1", "kind": "Scale", "spec": {"replicas": 0}}
    code, zero, _ = kcp_server.request("PUT", f"{base(namespace)}/w1/scale", unconditional)
    assert code == 200, zero
    assert zero["spec"] == {}  # replicas is omitempty, as in kube
    _, obj, _ = kcp_server.request("GET", f"{base(namespace)}/w1")
    assert obj["spec"]["replicas"] == 0


@pytest.mark.usefixtures("kinds")
def test_patch_scale_merge_json_and_strategic(kcp_server: Server, namespace: str) -> None:
    create(kcp_server, namespace, "w1", {"replicas": 1})
    url = f"{base(namespace)}/w1/scale"
    code, scale, _ = kcp_server.request("PATCH", url, {"spec": {"replicas": 5}}, content_type=MERGE_PATCH)
    assert code == 200 and scale["spec"] == {"replicas": 5}, scale
    ops = [
        {"op": "test", "path": "/spec/replicas", "value": 5},
        {"op": "replace", "path": "/spec/replicas", "value": 6},
    ]
    code, scale, _ = kcp_server.request("PATCH", url, ops, content_type=JSON_PATCH)
    assert code == 200 and scale["spec"] == {"replicas": 6}, scale
    code, failed, _ = kcp_server.request(
        "PATCH", url, [{"op": "test", "path": "/spec/replicas", "value": 5}], content_type=JSON_PATCH
    )
    assert code == 422, failed
    code, scale, _ = kcp_server.request(  # as on the custom resource itself: no strategic merge
        "PATCH", url, {"spec": {"replicas": 2}}, content_type="application/strategic-merge-patch+json"
    )
    assert code == 415 and "application/json-patch+json, application/merge-patch+json, " in scale["message"]
    applied = b"apiVersion: autoscaling/v1\nkind: Scale\nmetadata: {name: w1}\nspec: {replicas: 2}\n"
    code, scale, _ = kcp_server.request(
        "PATCH",
        f"{url}?fieldManager=hpa&force=true",
        raw=applied,
        content_type="application/apply-patch+yaml",
    )
    assert code == 200 and scale["spec"] == {"replicas": 2}, scale
    code, stale, _ = kcp_server.request(
        "PATCH",
        url,
        {"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 9}},
        content_type=MERGE_PATCH,
    )
    assert code == 409 and stale["reason"] == "Conflict", stale
    code, not_a_scale, _ = kcp_server.request(
        "PATCH",
        f"{url}?fieldManager=hpa",
        raw=b"spec: {replicas: 3}",
        content_type="application/apply-patch+yaml",
    )
    assert code == 400 and not_a_scale["reason"] == "BadRequest", not_a_scale
    _, obj, _ = kcp_server.request("GET", f"{base(namespace)}/w1")
    assert obj["spec"]["replicas"] == 2


@pytest.mark.usefixtures("kinds")
def test_dry_run_scale_writes_nothing(kcp_server: Server, namespace: str) -> None:
    created = create(kcp_server, namespace, "w1", {"replicas": 1})
    code, scale, _ = kcp_server.request(
        "PATCH", f"{base(namespace)}/w1/scale?dryRun=All", {"spec": {"replicas": 8}}, content_type=MERGE_PATCH
    )
    assert code == 200 and scale["spec"] == {"replicas": 8}, scale
    _, obj, _ = kcp_server.request("GET", f"{base(namespace)}/w1")
    assert obj["spec"]["replicas"] == 1
    assert obj["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


@pytest.mark.usefixtures("kinds")
def test_missing_spec_replicas_gives_kubes_errors(kcp_server: Server, namespace: str) -> None:
    create(kcp_server, namespace, "empty", {"size": 1})
    url = f"{base(namespace)}/empty/scale"
    code, status, _ = kcp_server.request("GET", url)
    assert code == 500 and status["reason"] == "InternalError", status
    assert 'the spec replicas field ".spec.replicas" does not exist' in status["message"]
    code, status, _ = kcp_server.request(
        "PATCH", url, {"metadata": {"labels": {"a": "b"}}}, content_type=MERGE_PATCH
    )
    assert code == 400 and status["reason"] == "BadRequest", status
    assert status["message"] == 'the spec replicas field ".spec.replicas" cannot be empty'
    code, scale, _ = kcp_server.request("PATCH", url, {"spec": {"replicas": 2}}, content_type=MERGE_PATCH)
    assert code == 200 and scale["spec"] == {"replicas": 2}, scale
    _, obj, _ = kcp_server.request("GET", f"{base(namespace)}/empty")
    assert obj["spec"] == {"size": 1, "replicas": 2}


@pytest.mark.usefixtures("kinds")
def test_invalid_scale_requests(kcp_server: Server, namespace: str) -> None:
    create(kcp_server, namespace, "w1", {"replicas": 1})
    url = f"{base(namespace)}/w1/scale"
    code, status, _ = kcp_server.request("PATCH", url, {"spec": {"replicas": -2}}, content_type=MERGE_PATCH)
    assert code == 422 and status["reason"] == "Invalid", status  # the CRD's minimum, as kube checks it
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": "Invalid value: -2: spec.replicas in body should be greater than or equal to 0",
            "field": "spec.replicas",
        }
    ]
    for replicas in ("3", 2**31, 1.5):
        code, status, _ = kcp_server.request(
            "PATCH", url, {"spec": {"replicas": replicas}}, content_type=MERGE_PATCH
        )
        assert code == 400 and status["reason"] == "BadRequest", (replicas, status)
    code, status, _ = kcp_server.request("PUT", url, {"kind": "Scaler", "spec": {"replicas": 2}})
    assert code == 400, status
    applied = b'{"apiVersion": "autoscaling/v1", "kind": "Scale", "spec": "x"}'
    code, status, _ = kcp_server.request(
        "PATCH", f"{url}?fieldManager=t", raw=applied, content_type="application/apply-patch+yaml"
    )
    assert code == 400, status
    code, status, _ = kcp_server.request("PUT", url, {"metadata": {"name": "other"}, "spec": {"replicas": 2}})
    assert code == 400 and "does not match the name on the URL" in status["message"], status
    code, status, _ = kcp_server.request("POST", url, {"spec": {"replicas": 2}})
    assert code == 405, status
    code, status, _ = kcp_server.request("GET", f"{base(namespace)}/missing/scale")
    assert code == 404 and status["reason"] == "NotFound", status
    _, obj, _ = kcp_server.request("GET", f"{base(namespace)}/w1")
    assert obj["spec"]["replicas"] == 1


@pytest.mark.usefixtures("kinds")
def test_scale_is_served_only_where_declared(kcp_server: Server, namespace: str) -> None:
    create(kcp_server, namespace, "p1", {"replicas": 1}, plural="plains")
    code, status, _ = kcp_server.request("GET", f"{base(namespace, 'plains')}/p1/scale")
    assert code == 404 and status["reason"] == "NotFound", status
    code, discovery, _ = kcp_server.request("GET", f"{ROOT}/apis/{GROUP}/v1")
    assert code == 200, discovery
    by_name = {r["name"]: r for r in discovery["resources"]}
    assert by_name["scalers/scale"]["kind"] == "Scale"
    assert "plains/scale" not in by_name and "plains/status" in by_name


@pytest.mark.usefixtures("kinds")
def test_status_subresource_splits_spec_from_status(kcp_server: Server, namespace: str) -> None:
    created = create(kcp_server, namespace, "s1", {"replicas": 1}, plural="plains")
    url = f"{base(namespace, 'plains')}/s1"
    code, obj, _ = kcp_server.request(
        "PUT", f"{url}/status", {**created, "spec": {"replicas": 9}, "status": {"phase": "Ready"}}
    )
    assert code == 200, obj
    assert obj["status"] == {"phase": "Ready"} and obj["spec"] == {"replicas": 1}
    assert obj["metadata"]["generation"] == 1
    code, obj, _ = kcp_server.request(
        "PUT", url, {**obj, "spec": {"replicas": 2}, "status": {"phase": "Lost"}}
    )
    assert code == 200, obj
    assert obj["status"] == {"phase": "Ready"} and obj["spec"] == {"replicas": 2}
    assert obj["metadata"]["generation"] == 2
    code, obj, _ = kcp_server.request(
        "PATCH", f"{url}/status", {"status": {"phase": "Done"}}, content_type=MERGE_PATCH
    )
    assert code == 200 and obj["status"] == {"phase": "Done"}, obj
    code, fetched, _ = kcp_server.request("GET", f"{url}/status")
    assert code == 200 and fetched == obj
    code, stale, _ = kcp_server.request("PUT", f"{url}/status", {**created, "status": {"phase": "Old"}})
    assert code == 409 and stale["reason"] == "Conflict", stale
