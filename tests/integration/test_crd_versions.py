"""A CRD with several versions against a real server: stored versions pin spec.versions, objects are
converted to and from the storage version, deprecated versions warn."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from typing import Any

import orjson

from tests.support.server import Server

CRDS = "/clusters/root/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
JSON_PATCH = "application/json-patch+json"
REPLICAS_ONLY = {
    "type": "object",
    "properties": {"spec": {"type": "object", "properties": {"replicas": {"type": "integer"}}}},
}


def version(name: str, storage: bool, schema: dict[str, Any] = REPLICAS_ONLY, **extra: Any) -> dict[str, Any]:
    return {"name": name, "served": True, "storage": storage, "schema": {"openAPIV3Schema": schema}, **extra}


def create_crd(server: Server, *versions: dict[str, Any]) -> str:
    """A fresh group each time: tests share the server, never a CRD."""
    group = f"g{uuid.uuid4().hex[:8]}.example.com"
    body = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": list(versions),
        },
    }
    code, created, _ = server.request("POST", CRDS, body)
    assert code == 201, created
    return group


def test_a_version_still_stored_cannot_leave_spec_versions(kcp_server: Server) -> None:
    group = create_crd(kcp_server, version("v1", True), version("v1beta1", False))
    path = f"{CRDS}/widgets.{group}"
    switch = [
        {"op": "replace", "path": "/spec/versions/0/storage", "value": False},
        {"op": "replace", "path": "/spec/versions/1/storage", "value": True},
    ]
    code, crd, _ = kcp_server.request("PATCH", path, switch, content_type=JSON_PATCH)
    assert code == 200, crd
    assert crd["status"]["storedVersions"] == ["v1", "v1beta1"]

    remove = [{"op": "remove", "path": "/spec/versions/0"}]
    code, status, _ = kcp_server.request("PATCH", path, remove, content_type=JSON_PATCH)
    assert code == 422, status
    detail = (
        'Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, and must '
        "remain in spec.versions until a storage migration ensures no data remains persisted in v1 and "
        "removes v1 from status.storedVersions"
    )
    assert status["reason"] == "Invalid"
    assert status["details"]["causes"] == [
        {"reason": "FieldValueInvalid", "message": detail, "field": "status.storedVersions[0]"}
    ]
    assert status["message"] == (
        f'CustomResourceDefinition.apiextensions.k8s.io "widgets.{group}" is invalid: '
        f"status.storedVersions[0]: {detail}"
    )
    code, after, _ = kcp_server.request("GET", path)
    assert code == 200 and after == crd


SCALABLE = {
    "type": "object",
    "properties": {
        "spec": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
        "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
    },
}
SPEC_KEEPS_ANY = {
    "type": "object",
    "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
}
SCALE = {"scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}}
MERGE_PATCH = "application/merge-patch+json"


def test_conversion_prunes_with_the_target_versions_schema(kcp_server: Server, namespace: str) -> None:
    group = create_crd(
        kcp_server,
        version("v1", True, SCALABLE, subresources=SCALE),
        version("v1beta1", False, SPEC_KEEPS_ANY, subresources=SCALE),
    )
    base = f"/clusters/root/apis/{group}/%s/namespaces/{namespace}/widgets"
    body = {
        "apiVersion": f"{group}/v1beta1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"replicas": 1, "extra": "yes"},
    }
    code, created, headers = kcp_server.request("POST", base % "v1beta1" + "?fieldValidation=Warn", body)
    assert code == 201, created
    assert created["spec"] == {"replicas": 1} and "Warning" not in headers  # stored in v1, without extra
    for v in ("v1", "v1beta1"):
        code, read, _ = kcp_server.request("GET", f"{base % v}/w")
        assert code == 200 and read["apiVersion"] == f"{group}/{v}" and read["spec"] == {"replicas": 1}
    for v in ("v1", "v1beta1"):
        patch = {"spec": {"replicas": 2}}
        url = f"{base % v}/w/scale?fieldValidation=Warn"
        code, scale, headers = kcp_server.request("PATCH", url, patch, content_type=MERGE_PATCH)
        assert code == 200 and scale["spec"] == {"replicas": 2}, scale
        assert "Warning" not in headers, headers


def warnings_of(server: Server, method: str, path: str, body: Any = None) -> tuple[int, list[str]]:
    """Every Warning header of the answer, in order (Server.request keeps one)."""
    data = orjson.dumps(body) if body is not None else None
    req = urllib.request.Request(server.base_url + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {server.token}")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, context=server.ssl_context(), timeout=30) as resp:
            resp.read()
            return resp.status, resp.headers.get_all("Warning") or []
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get_all("Warning") or []


def test_requests_to_a_deprecated_version_are_warned(kcp_server: Server, namespace: str) -> None:
    group = create_crd(
        kcp_server,
        version("v1", True),
        version("v1beta1", False, deprecated=True),
        version("v1alpha1", False, deprecated=True, deprecationWarning="v1alpha1 is gone in 2.0"),
    )
    base = f"/clusters/root/apis/{group}/%s/namespaces/{namespace}/widgets"
    default = f'299 - "{group}/v1beta1 Widget is deprecated; use {group}/v1 Widget"'
    body = {"apiVersion": f"{group}/v1beta1", "kind": "Widget", "metadata": {"name": "w"}}
    created = warnings_of(kcp_server, "POST", base % "v1beta1" + "?fieldValidation=Warn", body | {"bogus": 1})
    assert created == (201, [default, '299 - "unknown field \\"bogus\\""'])
    assert warnings_of(kcp_server, "GET", f"{base % 'v1beta1'}/w") == (200, [default])
    assert warnings_of(kcp_server, "GET", f"{base % 'v1beta1'}/missing") == (404, [default])
    assert warnings_of(kcp_server, "GET", f"{base % 'v1beta1'}?watch=1&timeoutSeconds=1") == (200, [default])
    assert warnings_of(kcp_server, "GET", base % "v1alpha1") == (200, ['299 - "v1alpha1 is gone in 2.0"'])
    assert warnings_of(kcp_server, "GET", f"{base % 'v1'}/w") == (200, [])
