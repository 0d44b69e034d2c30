"""The swagger 2.0 document: kube's definition names and operations, shapes kubectl's parser accepts,
and CRD schemas converted the way kube's CRD builder converts them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kcp.apimachinery.resources import APIResource
from kcp.schema import builtin
from kcp.schema.openapi_routes import routes
from kcp.schema.openapi_v2 import build_v2, content_hash, to_v2

META = "io.k8s.apimachinery.pkg.apis.meta.v1"
REVIEW = ("create",)
WIDGET: dict[str, Any] = {
    "type": "object",
    "description": "A widget.",
    "example": {"spec": {}},
    "properties": {
        "metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20}}},
        "spec": {
            "type": "object",
            "required": ["size", "note"],
            "properties": {
                "size": {"type": "integer", "minimum": 1, "default": 1},
                "note": {"type": "string", "nullable": True},
                "port": {
                    "x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                },
                "extra": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "properties": {"a": {"type": "string"}},
                },
                "raw": {
                    "type": "array",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "items": {"type": "string"},
                },
                "template": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                },
                "ports": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": {"type": "string"}},
                    },
                },
            },
            "externalDocs": {"url": "https://example.com"},
        },
    },
}


def resource(group: str, resource: str, kind: str, namespaced: bool, **kw: Any) -> APIResource:
    return APIResource(group, "v1", resource, kind, namespaced, **kw)


def served() -> list[tuple[APIResource, dict[str, Any]]]:
    """A workspace's worth of resources: built-ins of several shapes and one custom resource."""
    authz, crds = "authorization.k8s.io", "apiextensions.k8s.io"
    builtins = [
        resource("", "configmaps", "ConfigMap", True),
        resource("", "namespaces", "Namespace", False, subresources=("status", "finalize")),
        resource("", "serviceaccounts", "ServiceAccount", True, subresources=("token",)),
        resource("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", False),
        resource(
            "certificates.k8s.io",
            "certificatesigningrequests",
            "CertificateSigningRequest",
            False,
            subresources=("approval", "status"),
        ),
        resource(authz, "selfsubjectaccessreviews", "SelfSubjectAccessReview", False, verbs=REVIEW),
        resource(authz, "localsubjectaccessreviews", "LocalSubjectAccessReview", True, verbs=REVIEW),
        resource(
            crds, "customresourcedefinitions", "CustomResourceDefinition", False, subresources=("status",)
        ),
    ]
    out = [(r, dict(builtin.index()[(r.group, r.version, r.kind)])) for r in builtins]
    widgets = resource("example.com", "widgets", "Widget", True, subresources=("status", "scale", "proxy"))
    return [*out, (widgets, copy.deepcopy(WIDGET))]


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_v2(served())


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [*([node["$ref"]] if "$ref" in node else []), *(r for v in node.values() for r in _refs(v))]
    return [r for v in node for r in _refs(v)] if isinstance(node, list) else []


def kubectl_parses(schema: dict[str, Any], definitions: dict[str, Any], path: str) -> None:
    """kube-openapi's proto.ParseSchema, which kubectl runs over every definition it downloads."""
    if "$ref" in schema:
        assert "type" not in schema and not schema.get("properties"), path
        assert schema["$ref"].removeprefix("#/definitions/") in definitions, path
        return
    types = schema.get("type")
    types = [types] if isinstance(types, str) else types or []
    assert len(types) <= 1, path
    if types == ["array"]:
        assert isinstance(schema.get("items"), dict), f"{path}: an array needs one item schema"
        kubectl_parses(schema["items"], definitions, f"{path}[]")
    elif types in (["object"], []):
        for name, sub in schema.get("properties", {}).items():
            kubectl_parses(sub, definitions, f"{path}.{name}")
        if isinstance(schema.get("additionalProperties"), dict):
            kubectl_parses(schema["additionalProperties"], definitions, f"{path}{{}}")
    else:
        assert types[0] in ("string", "number", "integer", "boolean"), path


def test_every_definition_parses_and_every_reference_resolves(doc: dict[str, Any]) -> None:
    definitions = doc["definitions"]
    for name, schema in definitions.items():
        kubectl_parses(schema, definitions, name)
    for ref in _refs(doc):
        assert ref.startswith("#/definitions/") and ref.removeprefix("#/definitions/") in definitions, ref


def test_definitions_are_named_like_kube_and_carry_their_kind(doc: dict[str, Any]) -> None:
    definitions = doc["definitions"]
    for name, gvk in {
        "io.k8s.api.core.v1.ConfigMap": ("", "v1", "ConfigMap"),
        "io.k8s.api.core.v1.ConfigMapList": ("", "v1", "ConfigMapList"),
        "io.k8s.api.authentication.v1.TokenRequest": ("authentication.k8s.io", "v1", "TokenRequest"),
        "io.k8s.api.autoscaling.v1.Scale": ("autoscaling", "v1", "Scale"),
        "com.example.v1.Widget": ("example.com", "v1", "Widget"),
        "com.example.v1.WidgetList": ("example.com", "v1", "WidgetList"),
    }.items():
        expected = [{"group": gvk[0], "kind": gvk[2], "version": gvk[1]}]
        assert definitions[name]["x-kubernetes-group-version-kind"] == expected
    # Nested built-in types are definitions of their own, referenced with the field's description.
    assert definitions["io.k8s.api.core.v1.ConfigMap"]["properties"]["metadata"] == {
        "$ref": f"#/definitions/{META}.ObjectMeta",
        "description": "Standard object metadata.",
    }
    rules = definitions["io.k8s.api.rbac.v1.ClusterRole"]["properties"]["rules"]
    assert rules["items"] == {"$ref": "#/definitions/io.k8s.api.rbac.v1.PolicyRule"}
    assert rules["x-kubernetes-list-type"] == "atomic"
    owners = definitions[f"{META}.ObjectMeta"]["properties"]["ownerReferences"]
    assert owners["x-kubernetes-patch-merge-key"] == "uid"
    assert owners["items"] == {"$ref": f"#/definitions/{META}.OwnerReference"}
    # A type published by two groups keeps its own group's name.
    crd = definitions["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.WebhookConversion"]
    assert crd["properties"]["clientConfig"]["$ref"].endswith("apiextensions.v1.WebhookClientConfig")
    assert definitions["io.k8s.api.core.v1.NamespaceList"]["required"] == ["items"]
    assert "io.k8s.api.authorization.v1.SelfSubjectAccessReviewList" not in definitions  # create-only


def test_crd_schema_is_reduced_like_kubes_v2_builder(doc: dict[str, Any]) -> None:
    widget = doc["definitions"]["com.example.v1.Widget"]
    assert "example" not in widget
    assert widget["properties"]["metadata"]["$ref"] == f"#/definitions/{META}.ObjectMeta"
    assert {"apiVersion", "kind"} <= widget["properties"].keys()
    spec = widget["properties"]["spec"]
    assert "externalDocs" not in spec
    assert spec["required"] == ["size"]  # nullable fields are not required in v2
    props = spec["properties"]
    assert props["size"] == {"type": "integer", "minimum": 1}  # defaults pruned, validations kept
    assert props["note"] == {}  # nullable: untyped
    assert props["port"] == {"x-kubernetes-int-or-string": True}  # anyOf dropped
    assert props["extra"] == {"x-kubernetes-preserve-unknown-fields": True}
    assert props["raw"] == {"x-kubernetes-preserve-unknown-fields": True}
    template = props["template"]
    assert {"apiVersion", "kind", "metadata", "spec"} == template["properties"].keys()
    assert template["required"] == ["kind", "apiVersion"]
    assert props["ports"]["x-kubernetes-list-map-keys"] == ["name"]


def test_free_form_crd_kind_is_published_untyped() -> None:
    widgets = resource("example.com", "widgets", "Widget", True)
    free = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    definitions = build_v2([(widgets, free)])["definitions"]
    assert definitions["com.example.v1.Widget"] == {
        "type": "object",
        "x-kubernetes-group-version-kind": [{"group": "example.com", "kind": "Widget", "version": "v1"}],
    }


def test_to_v2_drops_what_swagger_cannot_say() -> None:
    node = {
        "type": "object",
        "required": ["a", "b"],
        "properties": {"a": {"type": "string", "nullable": True}, "b": {"oneOf": [{"type": "string"}]}},
        "additionalProperties": False,
    }
    assert to_v2(node) == {
        "type": "object",
        "required": ["b"],
        "properties": {"a": {}, "b": {}},
        "additionalProperties": False,
    }
    assert to_v2(
        {"type": "object", "additionalProperties": {"type": "string", "nullable": True}, "required": ["x"]}
    ) == {
        "type": "object",
        "additionalProperties": {},
    }


def _ops(doc: dict[str, Any], path: str) -> dict[str, Any]:
    return {k: v for k, v in doc["paths"][path].items() if k != "parameters"}


def test_operations_of_a_namespaced_built_in(doc: dict[str, Any]) -> None:
    base = "/api/v1/namespaces/{namespace}/configmaps"
    collection, item = _ops(doc, base), _ops(doc, base + "/{name}")
    assert {m: o["operationId"] for m, o in collection.items()} == {
        "get": "listCoreV1NamespacedConfigMap",
        "post": "createCoreV1NamespacedConfigMap",
        "delete": "deleteCoreV1CollectionNamespacedConfigMap",
    }
    assert {m: o["x-kubernetes-action"] for m, o in item.items()} == {
        "get": "get",
        "put": "put",
        "patch": "patch",
        "delete": "delete",
    }
    assert _ops(doc, "/api/v1/configmaps")["get"]["operationId"] == "listCoreV1ConfigMapForAllNamespaces"
    assert (
        _ops(doc, "/api/v1/watch/namespaces/{namespace}/configmaps")["get"]["x-kubernetes-action"]
        == "watchlist"
    )
    patch = item["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "", "kind": "ConfigMap", "version": "v1"}
    params = {p["name"]: p for p in patch["parameters"]}
    assert params["body"] == {
        "name": "body",
        "in": "body",
        "required": True,
        "schema": {"$ref": f"#/definitions/{META}.Patch"},
    }
    assert {"dryRun", "fieldManager", "fieldValidation", "force"} <= params.keys()
    assert params["fieldValidation"]["in"] == "query" and params["fieldValidation"]["type"] == "string"
    assert "application/strategic-merge-patch+json" in patch["consumes"]
    assert item["get"]["responses"]["200"]["schema"] == {"$ref": "#/definitions/io.k8s.api.core.v1.ConfigMap"}
    assert collection["get"]["responses"]["200"]["schema"]["$ref"].endswith("ConfigMapList")
    assert item["delete"]["responses"]["200"]["schema"]["$ref"].endswith("meta.v1.Status")
    assert [p["name"] for p in doc["paths"][base + "/{name}"]["parameters"]] == [
        "name",
        "namespace",
        "pretty",
    ]
    assert {p["name"] for p in collection["post"]["parameters"]} == {
        "body",
        "dryRun",
        "fieldManager",
        "fieldValidation",
    }
    assert collection["get"]["tags"] == ["core_v1"]


def test_operations_of_reviews_subresources_and_custom_resources(doc: dict[str, Any]) -> None:
    review = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    assert list(_ops(doc, review)) == ["post"]
    assert _ops(doc, review)["post"]["operationId"] == "createAuthorizationV1SelfSubjectAccessReview"
    local = "/apis/authorization.k8s.io/v1/namespaces/{namespace}/localsubjectaccessreviews"
    assert (
        _ops(doc, local)["post"]["operationId"] == "createAuthorizationV1NamespacedLocalSubjectAccessReview"
    )
    assert not any(p.startswith(review + "/") for p in doc["paths"])
    token = _ops(doc, "/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token")["post"]
    assert token["operationId"] == "createCoreV1NamespacedServiceAccountToken"
    assert token["x-kubernetes-group-version-kind"]["kind"] == "TokenRequest"
    assert token["parameters"][0]["schema"] == {
        "$ref": "#/definitions/io.k8s.api.authentication.v1.TokenRequest"
    }
    status = _ops(doc, "/api/v1/namespaces/{name}/status")
    assert {o["operationId"] for o in status.values()} == {
        "readCoreV1NamespaceStatus",
        "replaceCoreV1NamespaceStatus",
        "patchCoreV1NamespaceStatus",
    }
    assert list(_ops(doc, "/api/v1/namespaces/{name}/finalize")) == ["put"]
    approval = _ops(doc, "/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/approval")
    assert approval["put"]["operationId"] == "replaceCertificatesV1CertificateSigningRequestApproval"
    base = "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"
    scale = _ops(doc, base + "/scale")["get"]
    assert scale["operationId"] == "readExampleComV1NamespacedWidgetScale"
    assert scale["x-kubernetes-group-version-kind"] == {
        "group": "autoscaling",
        "kind": "Scale",
        "version": "v1",
    }
    assert base + "/proxy" not in doc["paths"]
    assert "application/strategic-merge-patch+json" not in _ops(doc, base)["patch"]["consumes"]
    assert _ops(doc, "/apis/example.com/v1/widgets")["get"]["tags"] == ["exampleCom_v1"]
    crds = _ops(doc, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
    assert crds["get"]["operationId"] == "listApiextensionsV1CustomResourceDefinition"
    rbac = _ops(doc, "/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}")
    assert rbac["get"]["operationId"] == "readRbacAuthorizationV1ClusterRole"


def supports_field_validation(doc: dict[str, Any], gvk: dict[str, str]) -> bool | None:
    """cli-runtime's v2 query-param verifier: the first PATCH carrying the kind decides (None: no PATCH)."""
    for item in doc["paths"].values():
        if item.get("patch", {}).get("x-kubernetes-group-version-kind") == gvk:
            return any(p["name"] == "fieldValidation" for p in item["patch"]["parameters"])
    return None


def test_kubectl_detects_server_side_field_validation(doc: dict[str, Any]) -> None:
    for gvk in ({"group": "", "kind": "ConfigMap", "version": "v1"},
                {"group": "", "kind": "Namespace", "version": "v1"},
                {"group": "example.com", "kind": "Widget", "version": "v1"}):  # fmt: skip
        assert supports_field_validation(doc, gvk) is True


def test_only_the_verbs_served_are_published() -> None:
    read_only = resource("", "events", "Event", True, verbs=("get", "list"))
    paths = {
        route.path: [op.method for op in route.operations] for route in routes(read_only, strategic=True)
    }
    assert paths == {
        "/api/v1/namespaces/{namespace}/events": ["get"],
        "/api/v1/namespaces/{namespace}/events/{name}": ["get"],
        "/api/v1/events": ["get"],
    }


def test_document_is_deterministic_and_hash_ignores_order() -> None:
    pairs = served()
    assert build_v2(pairs) == build_v2(list(reversed(pairs)))
    assert content_hash(pairs) == content_hash(list(reversed(pairs)))
    changed = copy.deepcopy(pairs)
    changed[-1][1]["properties"]["spec"]["properties"]["size"]["maximum"] = 5
    assert content_hash(changed) != content_hash(pairs)
    assert content_hash(pairs[:-1]) != content_hash(pairs)


def test_empty_cluster_has_an_empty_document() -> None:
    doc = build_v2([])
    assert (doc["swagger"], doc["paths"], doc["definitions"]) == ("2.0", {}, {})
