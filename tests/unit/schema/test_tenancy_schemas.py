"""kcp's tenancy kinds (Workspace, WorkspaceType, LogicalCluster) have schemas: fields as in kcp, every
one described, nothing the tenancy controllers write pruned, and OpenAPI documents kubectl can read."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kcp.apimachinery.resources import APIResource
from kcp.registry.tenancy.bootstrap import workspace_types
from kcp.registry.tenancy.kinds import LOGICALCLUSTERS, WORKSPACES, WORKSPACETYPES
from kcp.schema import builtin, compile_schema
from kcp.schema.openapi_proto import encode_v2_protobuf
from kcp.schema.openapi_v2 import build_v2
from kcp.schema.openapi_v3 import build_v3_gv

WS = ("tenancy.kcp.io", "v1alpha1", "Workspace")
WT = ("tenancy.kcp.io", "v1alpha1", "WorkspaceType")
LC = ("core.kcp.io", "v1alpha1", "LogicalCluster")
KINDS = (WS, WT, LC)

# (kind, dotted path, type) as in kcp's Go types; `[]` steps into list items
FIELDS = [
    (WS, "spec.type", "object"),
    (WS, "spec.type.name", "string"),
    (WS, "spec.type.path", "string"),
    (WS, "spec.cluster", "string"),
    (WS, "spec.URL", "string"),
    (WS, "spec.location.selector.matchLabels", "object"),
    (WS, "spec.mount.ref.kind", "string"),
    (WS, "status.phase", "string"),
    (WS, "status.conditions[].type", "string"),
    (WS, "status.conditions[].severity", "string"),
    (WS, "status.conditions[].lastTransitionTime", "string"),
    (WS, "status.initializers[]", "string"),
    (WS, "status.terminators[]", "string"),
    (WT, "spec.initializer", "boolean"),
    (WT, "spec.terminator", "boolean"),
    (WT, "spec.extend.with[].name", "string"),
    (WT, "spec.extend.with[].path", "string"),
    (WT, "spec.defaultChildWorkspaceType.name", "string"),
    (WT, "spec.limitAllowedChildren.none", "boolean"),
    (WT, "spec.limitAllowedChildren.types[].name", "string"),
    (WT, "spec.limitAllowedParents.none", "boolean"),
    (WT, "spec.limitAllowedParents.types[].path", "string"),
    (WT, "spec.additionalWorkspaceLabels", "object"),
    (WT, "spec.defaultAPIBindings[].path", "string"),
    (WT, "spec.defaultAPIBindings[].export", "string"),
    (WT, "spec.defaultAPIBindingLifecycle", "string"),
    (WT, "spec.initializerPermissions[].verbs", "array"),
    (WT, "status.conditions[].status", "string"),
    (WT, "status.virtualWorkspaces[].url", "string"),
    (LC, "spec.directlyDeletable", "boolean"),
    (LC, "spec.owner.cluster", "string"),
    (LC, "spec.owner.uid", "string"),
    (LC, "spec.initializers[]", "string"),
    (LC, "spec.terminators[]", "string"),
    (LC, "status.URL", "string"),
    (LC, "status.phase", "string"),
    (LC, "status.conditions[].reason", "string"),
    (LC, "status.initializers[]", "string"),
    (LC, "status.terminators[]", "string"),
]


def _at(gvk: tuple[str, str, str], path: str) -> dict[str, Any]:
    schema = builtin.schema_for(*gvk)
    assert schema is not None
    node: dict[str, Any] = schema
    for step in path.replace("[]", ".[]").split("."):
        node = node["items"] if step == "[]" else node["properties"][step]
    return node


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(n for v in node.values() for n in _walk(v))]
    if isinstance(node, list):
        return [n for v in node for n in _walk(v)]
    return []


@pytest.mark.parametrize(("gvk", "path", "kind"), FIELDS, ids=[f"{g[2]}.{p}" for g, p, _ in FIELDS])
def test_fields_follow_kcp(gvk: tuple[str, str, str], path: str, kind: str) -> None:
    assert _at(gvk, path)["type"] == kind


@pytest.mark.parametrize("gvk", KINDS, ids=lambda g: g[2])
def test_kinds_are_inline_typed_and_described(gvk: tuple[str, str, str]) -> None:
    schema = builtin.schema_for(*gvk)
    assert schema is not None and schema is builtin.kcp_index()[gvk]
    assert gvk not in builtin.index()  # kube's index is what the official client's models check
    assert schema["x-kubernetes-group-version-kind"] == [{"group": gvk[0], "kind": gvk[2], "version": gvk[1]}]
    assert not any("$ref" in n for n in _walk(schema))
    for prop in (n for node in _walk(schema) for n in node.get("properties", {}).values()):
        assert prop.get("type") in ("string", "integer", "boolean", "object", "array"), prop
        assert prop.get("description"), prop


def test_enums_and_names() -> None:
    phases = ["Scheduling", "Initializing", "Ready", "Unavailable", "Inactive", "Terminating", "Deleting"]
    assert _at(WS, "status.phase")["enum"] == phases == _at(LC, "status.phase")["enum"]
    assert _at(WT, "spec.defaultAPIBindingLifecycle")["enum"] == ["InitializeOnly", "Maintain"]
    assert _at(WS, "spec.type")["required"] == ["name"]
    assert builtin.definition_name(*LC) == "io.kcp.core.v1alpha1.LogicalCluster"
    assert builtin.definition_name(*WT) == "io.kcp.tenancy.v1alpha1.WorkspaceType"


def _workspace() -> dict[str, Any]:
    """A Workspace as admission and the workspace controller leave it."""
    return {
        "apiVersion": "tenancy.kcp.io/v1alpha1",
        "kind": "Workspace",
        "metadata": {
            "name": "org",
            "annotations": {"experimental.tenancy.kcp.io/owner": '{"username":"u"}'},
            "labels": {"tenancy.kcp.io/phase": "Initializing"},
            "finalizers": ["core.kcp.io/logicalcluster"],
        },
        "spec": {
            "type": {"name": "organization", "path": "root"},
            "cluster": "0123456789abcdef",
            "URL": "https://127.0.0.1:6443/clusters/root:org",
            "location": {"selector": {"matchLabels": {"region": "eu"}}},
        },
        "status": {
            "phase": "Initializing",
            "initializers": ["root:universal"],
            "conditions": [
                {
                    "type": "WorkspaceScheduled",
                    "status": "True",
                    "lastTransitionTime": "2025-01-01T00:00:00Z",
                }
            ],
        },
    }


def _logical_cluster() -> dict[str, Any]:
    """A LogicalCluster as the workspace controller creates and patches it."""
    return {
        "apiVersion": "core.kcp.io/v1alpha1",
        "kind": "LogicalCluster",
        "metadata": {"name": "cluster", "annotations": {"kcp.io/path": "root:org"}},
        "spec": {
            "owner": {
                "apiVersion": "tenancy.kcp.io/v1alpha1",
                "resource": "workspaces",
                "name": "org",
                "cluster": "root",
                "uid": "u-1",
            },
            "initializers": ["root:universal"],
            "directlyDeletable": False,
        },
        "status": {
            "phase": "Initializing",
            "initializers": ["root:universal"],
            "URL": "https://x/clusters/a",
        },
    }


def _objects() -> list[tuple[tuple[str, str, str], dict[str, Any]]]:
    shipped = [(WT, t) for t in workspace_types(with_batteries=True)]
    return [(WS, _workspace()), (LC, _logical_cluster()), *shipped]


@pytest.mark.parametrize(
    ("gvk", "obj"), _objects(), ids=[f"{g[2]}-{o['metadata']['name']}" for g, o in _objects()]
)
def test_pruning_keeps_what_the_system_writes(gvk: tuple[str, str, str], obj: dict[str, Any]) -> None:
    schema = builtin.schema_for(*gvk)
    assert schema is not None
    pruned = copy.deepcopy(obj)
    assert compile_schema(schema).prune(pruned) == []
    assert pruned == obj


def test_pruning_reports_unknown_fields() -> None:
    schema = builtin.schema_for(*WS)
    assert schema is not None
    obj = _workspace()
    obj["spec"]["bogus"] = 1
    obj["spec"]["type"]["extra"] = "x"
    obj["status"]["conditions"][0]["nope"] = True
    unknown = compile_schema(schema).prune(obj)
    assert sorted(unknown) == ["spec.bogus", "spec.type.extra", "status.conditions[0].nope"]
    assert obj == _workspace()


def _served() -> list[tuple[APIResource, dict[str, Any]]]:
    out = []
    for res in (WORKSPACES, WORKSPACETYPES, LOGICALCLUSTERS):
        schema = builtin.schema_for(res.group, res.version, res.kind)
        assert schema is not None
        out.append((res, schema))
    return out


def test_openapi_v2_has_the_kinds_and_kubectl_can_decode_it() -> None:
    doc = build_v2(_served())
    ws = doc["definitions"]["io.kcp.tenancy.v1alpha1.Workspace"]
    assert ws["x-kubernetes-group-version-kind"] == [{"group": WS[0], "kind": WS[2], "version": WS[1]}]
    assert ws["properties"]["spec"]["properties"]["type"]["required"] == ["name"]
    assert "io.kcp.core.v1alpha1.LogicalClusterList" in doc["definitions"]
    patch = doc["paths"]["/apis/tenancy.kcp.io/v1alpha1/workspaces/{name}"]["patch"]
    assert any(p["name"] == "fieldValidation" for p in patch["parameters"])
    assert encode_v2_protobuf(doc)


def test_openapi_v3_lets_kubectl_explain_and_validate_server_side() -> None:
    doc = build_v3_gv([(r, s) for r, s in _served() if r.group == "tenancy.kcp.io"])
    schemas = doc["components"]["schemas"]
    wt = schemas["io.kcp.tenancy.v1alpha1.WorkspaceType"]["properties"]["spec"]["properties"]
    assert wt["limitAllowedParents"]["properties"]["types"]["items"]["required"] == ["name"]
    gvk = {"group": WS[0], "kind": WS[2], "version": WS[1]}
    patches = [
        item["patch"]
        for item in doc["paths"].values()
        if item.get("patch", {}).get("x-kubernetes-group-version-kind") == gvk
    ]
    assert patches and all(any(p["name"] == "fieldValidation" for p in op["parameters"]) for op in patches)
