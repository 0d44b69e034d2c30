"""Hostile names never reach storage and never cost a 5xx (reliability.md §5.10).

Each name of the corpus is tried as an object name, a namespace, a workspace and a cluster path, in
URLs and in bodies; every answer must be a Status or a normal reply below 500. Afterwards every key in
the store must follow the key grammar: `/registry/<group>/<resource>/<cluster>/[<namespace>/]<name>`.
"""

from __future__ import annotations

import re
import urllib.parse

import orjson

from tests.support.server import Server

CORPUS = [
    "..",
    ".",
    "a/b",
    "a%2Fb",
    "%2e%2e",
    "%252e%252e",
    "A",
    "-a",
    "a-",
    "a" * 64,
    "a" * 254,
    "a" * 300,
    "root:..:x",
    "root::x",
    "root:",
    ":root",
    "system:admin",
    "*",
    "a\x00b",
    "a\nb",
    "\u0455ystem",  # Cyrillic dze: looks like "system"
    "a\uff1ab",  # fullwidth colon
    "a.",
    "a b",
    "",
    "~",
    "a..b",
]
CM = "/clusters/root/api/v1/namespaces/default/configmaps"
SEGMENT = r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?"
KEY = re.compile(rf"/registry/[a-z0-9.-]+/[a-z0-9.-]+/{SEGMENT}(:{SEGMENT})*(/{SEGMENT})?/[^/\x00\s]+")


def attempts(name: str) -> list[tuple[str, str, dict[str, object] | None]]:
    q = urllib.parse.quote(name, safe="")
    meta = {"metadata": {"name": name}}
    return [
        ("POST", CM, {"apiVersion": "v1", "kind": "ConfigMap", **meta}),
        ("PUT", f"{CM}/{q}", {"apiVersion": "v1", "kind": "ConfigMap", **meta}),
        ("PATCH", f"{CM}/{q}", {"data": {"k": "v"}}),
        ("GET", f"{CM}/{q}", None),
        ("DELETE", f"{CM}/{q}", None),
        ("GET", f"/clusters/root/api/v1/namespaces/{q}/configmaps/x", None),
        ("POST", "/clusters/root/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", **meta}),
        ("POST", "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces", meta),
        ("GET", f"/clusters/{q}/api/v1/namespaces", None),
        ("GET", f"/clusters/root:{q}/api/v1/namespaces", None),
    ]


def test_hostile_names_get_client_errors_and_leave_no_stray_keys(kcp_server: Server) -> None:
    failures = []
    for name in CORPUS:
        for method, path, body in attempts(name):
            if method == "PATCH":
                code, reply, _ = kcp_server.request(
                    method,
                    path,
                    raw=orjson.dumps(body),
                    content_type="application/merge-patch+json",
                )
            else:
                code, reply, _ = kcp_server.request(method, path, body)
            if code >= 500 or (
                code >= 400 and not (isinstance(reply, dict) and reply.get("kind") == "Status")
            ):
                failures.append((name, method, path, code, str(reply)[:120]))
    assert not failures, failures[:5]
    stray = [k for k in kcp_server.live_keys() if not KEY.fullmatch(k)]
    assert not stray, stray[:5]


def test_write_verbs_only_where_kube_serves_them(kcp_server: Server) -> None:
    """PUT and PATCH need an object's path, POST its collection's, and subresources take only their
    verbs: 405 otherwise, never a 5xx."""
    sa_token = "/clusters/root/api/v1/namespaces/default/serviceaccounts/default/token"
    finalize = "/clusters/root/api/v1/namespaces/default/finalize"
    for method, path in [
        ("PUT", CM),
        ("PATCH", f"{CM}/"),
        ("POST", f"{CM}/x"),
        ("PATCH", sa_token),
        ("GET", sa_token),
        ("PATCH", finalize),
    ]:
        code, reply, _ = kcp_server.request(
            method, path, raw=b"{}", content_type="application/merge-patch+json"
        )
        assert code == 405 and reply["reason"] == "MethodNotAllowed", (method, path, reply)


def test_a_subresource_takes_only_its_verbs_and_the_object_stays(kcp_server: Server, namespace: str) -> None:
    """kube routes GET, PUT and PATCH on `status` and PUT alone on `finalize`: a DELETE or POST there is a
    405, and the namespace is still there afterwards (it used to fall through to the object's delete)."""
    ns = f"/clusters/root/api/v1/namespaces/{namespace}"
    for method, path in [("DELETE", f"{ns}/status"), ("POST", f"{ns}/status"), ("DELETE", f"{ns}/finalize")]:
        code, reply, _ = kcp_server.request(method, path, raw=b"{}")
        assert (code, reply["reason"]) == (405, "MethodNotAllowed"), (method, path, reply)
        assert reply["message"] == "the server does not allow this method on the requested resource"
    code, got, _ = kcp_server.request("GET", ns)
    assert code == 200 and "deletionTimestamp" not in got["metadata"], got


def test_review_routes_are_kubes_post_on_the_collection_only(kcp_server: Server) -> None:
    """Reviews have one route, POST on the collection (namespaced for local access reviews): another
    method there is kube's generic 405, any other path its 404."""
    authn, authz = (
        "/clusters/root/apis/authentication.k8s.io/v1",
        "/clusters/root/apis/authorization.k8s.io/v1",
    )
    for method, path, want in [
        ("GET", f"{authn}/tokenreviews", 405),
        ("DELETE", f"{authn}/tokenreviews", 405),
        ("GET", f"{authz}/namespaces/default/localsubjectaccessreviews", 405),
        ("GET", f"{authn}/selfsubjectreviews/x", 404),
        ("POST", f"{authn}/tokenreviews/x", 404),
        ("GET", f"{authz}/localsubjectaccessreviews", 404),
        ("POST", f"{authz}/namespaces/default/selfsubjectaccessreviews", 404),
    ]:
        code, reply, _ = kcp_server.request(method, path, raw=b"{}")
        assert code == want, (method, path, reply)
        assert reply["message"] == (
            "the server does not allow this method on the requested resource"
            if want == 405
            else "the server could not find the requested resource"
        ), (method, path, reply)
