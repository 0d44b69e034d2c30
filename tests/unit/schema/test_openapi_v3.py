"""OpenAPI v3: the index, and per-group-version documents that satisfy kubectl explain's template and
its server-side field validation check."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kcp.apimachinery.resources import APIResource
from kcp.schema import builtin
from kcp.schema.openapi_v3 import build_v3_gv, build_v3_index, gv_path

META = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1"
WIDGET: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "description": "Desired state.",
            "required": ["size"],
            "properties": {
                "size": {"type": "integer", "minimum": 1, "default": 1},
                "note": {"type": "string", "nullable": True},
                "port": {
                    "x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                },
                "selector": {"type": "object", "properties": {"app": {"type": "string"}}},
            },
        },
    },
}


def core() -> list[tuple[APIResource, dict[str, Any]]]:
    rs = [
        APIResource("", "v1", "configmaps", "ConfigMap", True),
        APIResource("", "v1", "namespaces", "Namespace", False, subresources=("status",)),
        APIResource("", "v1", "serviceaccounts", "ServiceAccount", True, subresources=("token",)),
    ]
    return [(r, dict(builtin.index()[(r.group, r.version, r.kind)])) for r in rs]


def widgets() -> list[tuple[APIResource, dict[str, Any]]]:
    r = APIResource("example.com", "v1", "widgets", "Widget", True, subresources=("status",))
    return [(r, copy.deepcopy(WIDGET))]


def _resolve(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    assert isinstance(node, dict)
    return node


def explain(doc: dict[str, Any], group: str, version: str, resource: str, *fields: str) -> dict[str, Any]:
    """What kubectl explain's plaintext template does: the kind from an operation on the resource's
    paths, the schema whose group-version-kind list holds it, then the field path through refs."""
    prefix = f"/apis/{group}" if group else "/api"
    candidates = [
        f"{prefix}/{version}/{resource}",
        f"{prefix}/{version}/{resource}/{{name}}",
        f"{prefix}/{version}/namespaces/{{namespace}}/{resource}",
        f"{prefix}/{version}/namespaces/{{namespace}}/{resource}/{{name}}",
    ]
    gvk = next(
        doc["paths"][p][m]["x-kubernetes-group-version-kind"]
        for p in candidates
        if p in doc["paths"]
        for m in ("get", "post", "put", "patch", "delete")
        if m in doc["paths"][p]
    )
    schema: dict[str, Any] = next(
        s
        for s in doc["components"]["schemas"].values()
        if gvk in s.get("x-kubernetes-group-version-kind", [])
    )
    for field in fields:
        schema = schema["properties"][field]
        ref = schema.get("$ref") or (
            schema["allOf"][0]["$ref"] if len(schema.get("allOf", [])) == 1 else None
        )
        if ref:
            schema = _resolve(doc, ref)
    return schema


def supports_field_validation(doc: dict[str, Any], gvk: dict[str, str]) -> bool:
    """cli-runtime's v3 query-param verifier: a PATCH carrying the kind lists fieldValidation."""
    for item in doc["paths"].values():
        patch = item.get("patch")
        if patch and patch.get("x-kubernetes-group-version-kind") == gvk:
            return any(p["name"] == "fieldValidation" for p in patch.get("parameters", []))
    return False


def test_index_points_at_each_group_version() -> None:
    index = build_v3_index(["v1", "example.com/v1", "v1"], {"v1": "ABC"})
    assert index == {
        "paths": {
            "api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=ABC"},
            "apis/example.com/v1": {"serverRelativeURL": "/openapi/v3/apis/example.com/v1"},
        }
    }
    assert build_v3_index([]) == {"paths": {}}
    assert gv_path("rbac.authorization.k8s.io/v1") == "apis/rbac.authorization.k8s.io/v1"


@pytest.fixture(scope="module")
def core_doc() -> dict[str, Any]:
    return build_v3_gv(core())


def test_explain_finds_built_in_kinds_and_fields(core_doc: dict[str, Any]) -> None:
    cm = explain(core_doc, "", "v1", "configmaps")
    assert cm["x-kubernetes-group-version-kind"] == [{"group": "", "kind": "ConfigMap", "version": "v1"}]
    assert cm["properties"]["metadata"] == {
        "description": "Standard object metadata.",
        "allOf": [{"$ref": f"{META}.ObjectMeta"}],
    }
    assert "ownerReferences" in explain(core_doc, "", "v1", "configmaps", "metadata")["properties"]
    assert explain(core_doc, "", "v1", "namespaces", "status")["properties"]["phase"]["enum"] == [
        "Active",
        "Terminating",
    ]
    token = core_doc["components"]["schemas"]["io.k8s.api.authentication.v1.TokenRequest"]
    assert token["x-kubernetes-group-version-kind"][0]["kind"] == "TokenRequest"


def test_every_reference_resolves(core_doc: dict[str, Any]) -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [*([node["$ref"]] if "$ref" in node else []), *(r for v in node.values() for r in refs(v))]
        return [r for v in node for r in refs(v)] if isinstance(node, list) else []

    for doc in (core_doc, build_v3_gv(widgets())):
        for ref in refs(doc):
            assert ref.startswith("#/components/schemas/")
            _resolve(doc, ref)


def test_kubectl_sees_server_side_field_validation(core_doc: dict[str, Any]) -> None:
    assert supports_field_validation(core_doc, {"group": "", "kind": "Namespace", "version": "v1"})
    assert supports_field_validation(core_doc, {"group": "", "kind": "ConfigMap", "version": "v1"})
    doc = build_v3_gv(widgets())
    assert supports_field_validation(doc, {"group": "example.com", "kind": "Widget", "version": "v1"})


def test_operations_carry_bodies_and_responses(core_doc: dict[str, Any]) -> None:
    item = core_doc["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]
    patch = item["patch"]
    assert patch["operationId"] == "patchCoreV1NamespacedConfigMap"
    assert patch["requestBody"]["required"] is True
    assert set(patch["requestBody"]["content"]) == {
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
    }
    assert patch["requestBody"]["content"]["application/apply-patch+yaml"]["schema"] == {
        "$ref": f"{META}.Patch"
    }
    ok = patch["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/io.k8s.api.core.v1.ConfigMap"}
    params = {p["name"]: p for p in patch["parameters"]}
    assert params["fieldValidation"] == {
        "name": "fieldValidation",
        "in": "query",
        "description": params["fieldValidation"]["description"],
        "schema": {"type": "string", "uniqueItems": True},
    }
    assert [p["name"] for p in item["parameters"]] == ["name", "namespace", "pretty"]
    assert item["parameters"][0]["required"] is True
    assert "requestBody" not in item["get"]
    delete = item["delete"]
    assert "required" not in delete["requestBody"]
    assert delete["requestBody"]["content"]["*/*"]["schema"] == {"$ref": f"{META}.DeleteOptions"}
    watch = core_doc["paths"]["/api/v1/watch/namespaces/{namespace}/configmaps"]["get"]
    assert watch["responses"]["200"]["content"]["application/json;stream=watch"]["schema"] == {
        "$ref": f"{META}.WatchEvent"
    }


def test_custom_resources_keep_their_validations() -> None:
    doc = build_v3_gv(widgets())
    assert sorted(doc["components"]["schemas"]) == sorted(
        [
            "com.example.v1.Widget",
            "com.example.v1.WidgetList",
            *(f"io.k8s.apimachinery.pkg.apis.meta.v1.{t}" for t in (
                "DeleteOptions", "ListMeta", "ManagedFieldsEntry", "ObjectMeta", "OwnerReference", "Patch",
                "Preconditions", "Status", "StatusCause", "StatusDetails", "WatchEvent")),
        ]
    )  # fmt: skip
    spec = explain(doc, "example.com", "v1", "widgets", "spec")
    assert spec["required"] == ["size"]
    assert spec["properties"]["size"] == {"type": "integer", "minimum": 1, "default": 1}
    assert spec["properties"]["note"]["nullable"] is True
    assert spec["properties"]["port"]["anyOf"] == [{"type": "integer"}, {"type": "string"}]
    widget = explain(doc, "example.com", "v1", "widgets")
    assert widget["properties"]["metadata"]["allOf"] == [{"$ref": f"{META}.ObjectMeta"}]
    patch = doc["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]["patch"]
    assert "application/strategic-merge-patch+json" not in patch["requestBody"]["content"]
    status = doc["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/status"]
    assert {m: op["operationId"] for m, op in status.items() if m != "parameters"} == {
        "get": "readExampleComV1NamespacedWidgetStatus",
        "put": "replaceExampleComV1NamespacedWidgetStatus",
        "patch": "patchExampleComV1NamespacedWidgetStatus",
    }


def test_free_form_custom_resource_is_explainable() -> None:
    r = APIResource("example.com", "v1", "blobs", "Blob", False)
    doc = build_v3_gv([(r, {"type": "object", "x-kubernetes-preserve-unknown-fields": True})])
    blob = explain(doc, "example.com", "v1", "blobs")
    assert blob["x-kubernetes-preserve-unknown-fields"] is True
    assert {"apiVersion", "kind", "metadata"} == blob["properties"].keys()


def test_document_shape(core_doc: dict[str, Any]) -> None:
    assert core_doc["openapi"] == "3.0.0"
    assert core_doc["components"]["securitySchemes"]["BearerToken"]["type"] == "apiKey"
    assert list(core_doc["paths"]) == sorted(core_doc["paths"])
    assert build_v3_gv(core()) == core_doc
