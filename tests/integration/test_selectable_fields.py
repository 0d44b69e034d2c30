"""CRD selectableFields: lists and watches filter on them; a CRD naming bad ones is refused as kube does."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import orjson

from tests.support.server import Server

CRDS = "/clusters/root/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
SPEC_SCHEMA = {
    "type": "object",
    "properties": {
        "color": {"type": "string"},
        "size": {"type": "integer"},
        "shiny": {"type": "boolean"},
        "note": {"type": "string"},
    },
}


def crd(group: str, selectable: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": {"spec": SPEC_SCHEMA}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                    "selectableFields": [{"jsonPath": p} for p in selectable],
                }
            ],
        },
    }


def widget(group: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": name}, "spec": spec}


def names(server: Server, base: str, selector: str) -> list[str] | tuple[int, str]:
    code, body, _ = server.request("GET", f"{base}?fieldSelector={quote(selector)}")
    if code != 200:
        return code, body["message"]
    return [item["metadata"]["name"] for item in body["items"]]


def test_lists_and_watches_select_on_a_crds_selectable_fields(kcp_server: Server, namespace: str) -> None:
    group = f"g{uuid.uuid4().hex[:8]}.example.com"
    code, body, _ = kcp_server.request("POST", CRDS, crd(group, [".spec.color", ".spec.size", ".spec.shiny"]))
    assert code == 201, body
    base = f"/clusters/root/apis/{group}/v1/namespaces/{namespace}/widgets"
    start = kcp_server.request("GET", base)[1]["metadata"]["resourceVersion"]
    for name, spec in (
        ("a", {"color": "blue", "size": 3, "shiny": True}),
        ("b", {"color": "red", "size": 3}),
        ("c", {"color": "blue", "note": "x"}),
    ):
        code, body, _ = kcp_server.request("POST", base, widget(group, name, spec))
        assert code == 201, body

    assert names(kcp_server, base, "spec.color=blue") == ["a", "c"]
    assert names(kcp_server, base, "spec.color!=blue") == ["b"]
    assert names(kcp_server, base, "spec.size=3,spec.shiny=true") == ["a"]
    assert names(kcp_server, base, "spec.shiny=") == ["b", "c"]  # absent reads as ""
    assert names(kcp_server, base, "metadata.name=b,spec.color=red") == ["b"]
    assert names(kcp_server, base, "spec.note=x") == (400, "field label not supported: spec.note")
    across = f"/clusters/root/apis/{group}/v1/widgets"  # kubectl get wd -A
    assert names(kcp_server, across, "spec.color=blue") == ["a", "c"]

    patch = {"spec": {"color": "red"}}
    kcp_server.request("PATCH", f"{base}/c", patch, content_type="application/merge-patch+json")
    patch = {"spec": {"color": "blue"}}
    kcp_server.request("PATCH", f"{base}/b", patch, content_type="application/merge-patch+json")
    code, stream, _ = kcp_server.request(
        "GET", f"{base}?watch=1&resourceVersion={start}&timeoutSeconds=1&fieldSelector=spec.color%3Dblue"
    )
    assert code == 200
    lines = stream if isinstance(stream, str) else orjson.dumps(stream).decode()
    events = [orjson.loads(line) for line in lines.splitlines() if line]
    seen = [(e["type"], e["object"]["metadata"]["name"]) for e in events]
    assert seen == [("ADDED", "a"), ("ADDED", "c"), ("DELETED", "c"), ("ADDED", "b")]


def test_a_crd_naming_fields_it_cannot_select_on_is_invalid(kcp_server: Server) -> None:
    group = f"g{uuid.uuid4().hex[:8]}.example.com"
    bad = [".spec.color", ".spec", ".spec.nope", ".spec.color", *(f".spec.x{i}" for i in range(6))]
    code, body, _ = kcp_server.request("POST", CRDS, crd(group, bad))
    assert (code, body["reason"]) == (422, "Invalid"), body
    at = "spec.versions[0].selectableFields"
    must = (
        "must point to a field of type string, boolean or integer. "
        "Enum string fields and strings with formats are allowed."
    )
    nowhere = "is an invalid path: does not refer to a valid field"
    assert [(c["field"], c["message"]) for c in body["details"]["causes"]] == [
        (f"{at}[1].jsonPath", f'Invalid value: ".spec": {must}'),
        (f"{at}[2].jsonPath", f'Invalid value: ".spec.nope": {nowhere}'),
        (f"{at}[3].jsonPath", 'Duplicate value: ".spec.color"'),
        *((f"{at}[{i}].jsonPath", f'Invalid value: ".spec.x{i - 4}": {nowhere}') for i in range(4, 10)),
    ]
    good = crd(group, [".spec.color"])
    code, made, _ = kcp_server.request("POST", CRDS, good)
    assert code == 201, made
    made["spec"]["versions"][0]["selectableFields"] = [{"jsonPath": ".spec.size"}, {"jsonPath": ".spec.size"}]
    code, body, _ = kcp_server.request("PUT", f"{CRDS}/widgets.{group}", made)  # updates are checked too
    assert (code, body["details"]["causes"]) == (
        422,
        [
            {
                "reason": "FieldValueDuplicate",
                "message": 'Duplicate value: ".spec.size"',
                "field": f"{at}[1].jsonPath",
            }
        ],
    ), body
