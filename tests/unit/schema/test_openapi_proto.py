"""The gnostic protobuf form of the v2 document: gnostic's field numbers on the wire, a lossless round
trip through the same descriptors, and (when kubectl is installed) the real kubectl decoding it, and
reading the v3 documents next to it."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import yaml

from kcp.apimachinery.resources import APIResource
from kcp.schema import builtin
from kcp.schema.openapi_proto import CONTENT_TYPE, DOCUMENT, encode_v2_protobuf, to_yaml
from kcp.schema.openapi_v2 import build_v2, content_hash
from kcp.schema.openapi_v3 import build_v3_gv, build_v3_index, gv_path

_ONEOF_WRAPPERS = {"ResponseValue", "ParametersItem", "Parameter", "NonBodyParameter", "SchemaItem",
                   "SecurityDefinitionsItem"}  # fmt: skip


def decode(message: Any) -> Any:
    """The swagger JSON a gnostic Document stands for: the inverse of encode_v2_protobuf."""
    name = message.DESCRIPTOR.name
    if name == "Any":
        return yaml.safe_load(message.yaml)
    if name in _ONEOF_WRAPPERS:
        return decode(getattr(message, message.WhichOneof("oneof")))
    if name == "AdditionalPropertiesItem":
        return message.boolean if message.WhichOneof("oneof") == "boolean" else decode(message.schema)
    if name in ("Definitions", "Properties", "SecurityDefinitions"):
        return {e.name: decode(e.value) for e in message.additional_properties}
    if name == "SecurityRequirement":
        return {e.name: list(e.value.value) for e in message.additional_properties}
    if name == "TypeItem":
        return message.value[0] if len(message.value) == 1 else list(message.value)
    if name == "ItemsItem":
        return decode(message.schema[0]) if len(message.schema) == 1 else [decode(s) for s in message.schema]
    out: dict[str, Any] = {}
    if name in ("Paths", "Responses"):
        out = {e.name: decode(e.value) for e in (message.path if name == "Paths" else message.response_code)}
    for fd, value in message.ListFields():
        if fd.name == "vendor_extension":
            out.update({e.name: yaml.safe_load(e.value.yaml) for e in value})
        elif fd.name not in ("path", "response_code"):
            key = "$ref" if fd.name == "_ref" else fd.camelcase_name
            if fd.type != fd.TYPE_MESSAGE:
                out[key] = list(value) if fd.is_repeated else value
            else:
                out[key] = [decode(v) for v in value] if fd.is_repeated else decode(value)
    return out


def resources() -> list[tuple[APIResource, dict[str, Any]]]:
    widget = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "size": {"type": "integer", "maximum": 10, "enum": [1, 2]},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "empty": {"type": "object", "properties": {}},
                    "closed": {"type": "object", "additionalProperties": False},
                },
            }
        },
    }
    pairs = [
        (APIResource("", "v1", "configmaps", "ConfigMap", True), ("", "v1", "ConfigMap")),
        (
            APIResource("", "v1", "namespaces", "Namespace", False, subresources=("status",)),
            ("", "v1", "Namespace"),
        ),
        (
            APIResource("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
            ("rbac.authorization.k8s.io", "v1", "RoleBinding"),
        ),
    ]
    out = [(r, dict(builtin.index()[gvk])) for r, gvk in pairs]
    return [*out, (APIResource("example.com", "v1", "widgets", "Widget", True), widget)]


def test_round_trip_is_lossless() -> None:
    doc = build_v2(resources())
    decoded = decode(DOCUMENT.FromString(encode_v2_protobuf(doc)))
    assert json.loads(json.dumps(decoded)) == json.loads(json.dumps(doc))


def _ld(number: int, payload: bytes) -> bytes:
    """A length-delimited field, as the protobuf wire format writes it."""

    def varint(n: int) -> bytes:
        out = b""
        while n > 0x7F:
            out, n = out + bytes([n & 0x7F | 0x80]), n >> 7
        return out + bytes([n])

    return varint(number << 3 | 2) + varint(len(payload)) + payload


def test_field_numbers_are_gnostics() -> None:
    assert encode_v2_protobuf({"swagger": "2.0"}) == _ld(1, b"2.0")
    schema = {"type": "object", "x-kubernetes-map-type": "atomic"}
    # Document.definitions=9 > Definitions.additional_properties=1 > NamedSchema{name=1, value=2} >
    # Schema{type=22 > TypeItem.value=1, vendor_extension=31 > NamedAny{name=1, value=2 > Any.yaml=2}}
    extension = _ld(31, _ld(1, b"x-kubernetes-map-type") + _ld(2, _ld(2, b"atomic\n")))
    expected = _ld(9, _ld(1, _ld(1, b"A") + _ld(2, _ld(22, _ld(1, b"object")) + extension)))
    assert encode_v2_protobuf({"definitions": {"A": schema}}) == expected
    # Document.paths=8 > Paths.path=2 > NamedPathItem > PathItem.patch=8 > Operation.parameters=8 >
    # ParametersItem.parameter=1 > Parameter.non_body_parameter=2 > NonBodyParameter.query...=3 > name=4
    param = {"name": "fieldValidation", "in": "query"}
    query = _ld(3, _ld(2, b"query") + _ld(4, b"fieldValidation"))
    path = _ld(1, b"/p") + _ld(2, _ld(8, _ld(8, _ld(1, _ld(2, query)))))
    assert encode_v2_protobuf({"paths": {"/p": {"patch": {"parameters": [param]}}}}) == _ld(8, _ld(2, path))


def test_extensions_are_yaml_kubectl_reads() -> None:
    gvk = [{"group": "", "kind": "ConfigMap", "version": "v1"}]
    text = to_yaml(gvk)
    assert yaml.safe_load(text) == gvk  # the empty group stays a string, not null
    assert to_yaml("merge") == "merge\n"
    assert to_yaml(True) == "true\n"
    assert to_yaml("yes") != "yes\n"  # quoted: YAML 1.1 readers would take it for a boolean


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="nullable"):
        encode_v2_protobuf({"definitions": {"A": {"type": "string", "nullable": True}}})
    with pytest.raises(ValueError, match="parameter location"):
        encode_v2_protobuf({"paths": {"/p": {"get": {"parameters": [{"name": "x", "in": "cookie"}]}}}})


def test_encoding_is_deterministic() -> None:
    doc = build_v2(resources())
    assert encode_v2_protobuf(doc) == encode_v2_protobuf(copy.deepcopy(doc))


# --- the real kubectl, against a throwaway server on loopback ------------------------------------------


def _strip_field_validation(doc: dict[str, Any]) -> dict[str, Any]:
    """As a server without server-side field validation publishes it: kubectl then validates itself."""
    for item in doc["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "parameters" in op:
                op["parameters"] = [p for p in op["parameters"] if p["name"] != "fieldValidation"]
    return doc


class _Handler(BaseHTTPRequestHandler):
    """Discovery, /openapi/v2 (protobuf) and /openapi/v3: just what kubectl reads before a request."""

    bodies: dict[str, bytes] = {}

    def log_message(self, *args: Any) -> None:
        """Quiet: the test reads kubectl's output, not the server's."""

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/openapi/v2" and "protobuf" in (self.headers.get("Accept") or ""):
            self._reply(200, self.bodies[path], CONTENT_TYPE)
        elif path in self.bodies and path != "/openapi/v2":
            self._reply(200, self.bodies[path], "application/json")
        else:
            status = {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "reason": "NotFound",
                "code": 404,
            }
            self._reply(404, json.dumps(status).encode(), "application/json")

    def _reply(self, code: int, body: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _bodies() -> dict[str, bytes]:
    served = resources()
    by_gv: dict[str, list[tuple[APIResource, dict[str, Any]]]] = {}
    for r, schema in served:
        by_gv.setdefault(r.group_version, []).append((r, schema))
    groups = sorted({r.group for r, _ in served if r.group})
    out: dict[str, Any] = {
        "/version": {"major": "1", "minor": "32", "gitVersion": "v1.32.0"},
        "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []},
        "/apis": {
            "kind": "APIGroupList",
            "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/v1", "version": "v1"}]} for g in groups
            ],
        },
        "/openapi/v3": build_v3_index(list(by_gv), {gv: content_hash(rs) for gv, rs in by_gv.items()}),
    }
    for gv, rs in by_gv.items():
        listed = [
            {"name": r.resource, "namespaced": r.namespaced, "kind": r.kind, "verbs": list(r.verbs)}
            for r, _ in rs
        ]
        out[f"/{gv_path(gv)}"] = {"kind": "APIResourceList", "groupVersion": gv, "resources": listed}
        out[f"/openapi/v3/{gv_path(gv)}"] = _strip_field_validation(build_v3_gv(rs))
    bodies = {path: json.dumps(body).encode() for path, body in out.items()}
    return bodies | {"/openapi/v2": encode_v2_protobuf(_strip_field_validation(build_v2(served)))}


@pytest.fixture(scope="module")
def kubectl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"bodies": _bodies()}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    cache = tmp_path_factory.mktemp("kubectl-cache")
    try:
        yield ["kubectl", f"--server=http://127.0.0.1:{server.server_address[1]}", f"--cache-dir={cache}"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _run(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBECONFIG": os.devnull}
    return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=60, env=env, check=False)


def test_kubectl_decodes_the_v2_document(kubectl: list[str]) -> None:
    out = _run([*kubectl, "explain", "configmaps.metadata.ownerReferences", "--output=plaintext-openapiv2"])
    assert out.returncode == 0, out.stderr
    assert "RESOURCE: ownerReferences <[]Object>" in out.stdout
    assert "uid\t<string> -required-" in out.stdout


def test_kubectl_validates_against_the_v2_document(kubectl: list[str]) -> None:
    good = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\ndata: {k: v}\n"
    created = _run([*kubectl, "create", "--dry-run=client", "-o", "name", "-f", "-"], good)
    assert (created.returncode, created.stdout.strip()) == (0, "configmap/a"), created.stderr
    refused = _run([*kubectl, "create", "--dry-run=client", "-o", "name", "-f", "-"], good + "bogus: 1\n")
    assert refused.returncode != 0
    assert 'unknown field "bogus" in io.k8s.api.core.v1.ConfigMap' in refused.stderr


def test_kubectl_explains_from_the_v3_documents(kubectl: list[str]) -> None:
    out = _run([*kubectl, "explain", "widgets.spec"])
    assert out.returncode == 0, out.stderr
    assert "KIND:       Widget" in out.stdout and "size\t<integer>" in out.stdout
    out = _run([*kubectl, "explain", "rolebindings.roleRef"])
    assert out.returncode == 0, out.stderr
    assert "FIELD: roleRef <RoleRef>" in out.stdout and "name\t<string> -required-" in out.stdout
