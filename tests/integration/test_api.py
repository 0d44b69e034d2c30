"""The generic API machinery against a real `kcp start` process: CRUD, concurrency, errors, watch."""

from __future__ import annotations

import base64
import gzip
import json
import ssl
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import yaml

from tests.support.certificates import csr_object, csr_pem, forged, self_signed
from tests.support.registry import schemaless_crd
from tests.support.server import Server

ROOT = "/clusters/root"


def cm(name: str, data: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, **meta},
        "data": data or {"k": "v"},
    }


def test_fresh_cluster_has_default_namespaces(kcp_server: Server) -> None:
    code, body, _ = kcp_server.request("GET", f"{ROOT}/api/v1/namespaces")
    assert code == 200
    names = {i["metadata"]["name"] for i in body["items"]}
    assert {"default", "kube-system", "kube-public"} <= names
    default = next(i for i in body["items"] if i["metadata"]["name"] == "default")
    assert default["status"]["phase"] == "Active"
    assert default["metadata"]["annotations"]["kcp.io/cluster"] == "root"


def test_bare_api_path_is_root(kcp_server: Server) -> None:
    code, body, _ = kcp_server.request("GET", "/api/v1/namespaces/default")
    assert code == 200 and body["metadata"]["name"] == "default"


def test_create_get_update_conflict_delete(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    code, created, _ = kcp_server.request("POST", base, cm("a"))
    assert code == 201, created
    meta = created["metadata"]
    assert meta["uid"] and meta["resourceVersion"] and meta["creationTimestamp"]
    assert meta["namespace"] == namespace
    code, again, _ = kcp_server.request("POST", base, cm("a"))
    assert code == 409 and again["reason"] == "AlreadyExists"
    stale = dict(created, data={"k": "new"})
    code, updated, _ = kcp_server.request("PUT", f"{base}/a", stale)
    assert code == 200 and updated["data"] == {"k": "new"}
    assert int(updated["metadata"]["resourceVersion"]) > int(meta["resourceVersion"])
    code, conflict, _ = kcp_server.request("PUT", f"{base}/a", stale)
    assert code == 409 and conflict["reason"] == "Conflict"
    code, _, _ = kcp_server.request("DELETE", f"{base}/a")
    assert code == 200
    code, missing, _ = kcp_server.request("GET", f"{base}/a")
    assert code == 404 and missing["kind"] == "Status" and missing["reason"] == "NotFound"


def test_patch_kinds(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    kcp_server.request("POST", base, cm("p", {"a": "1"}))
    code, body, _ = kcp_server.request(
        "PATCH", f"{base}/p", {"data": {"b": "2"}}, content_type="application/merge-patch+json"
    )
    assert code == 200 and body["data"] == {"a": "1", "b": "2"}
    code, body, _ = kcp_server.request(
        "PATCH",
        f"{base}/p",
        [{"op": "remove", "path": "/data/a"}],
        content_type="application/json-patch+json",
    )
    assert code == 200 and body["data"] == {"b": "2"}
    code, body, _ = kcp_server.request(
        "PATCH",
        f"{base}/p",
        {"metadata": {"labels": {"x": "y"}}},
        content_type="application/strategic-merge-patch+json",
    )
    assert code == 200 and body["metadata"]["labels"] == {"x": "y"}
    code, body, _ = kcp_server.request("PATCH", f"{base}/p", {"data": {}}, content_type="text/plain")
    assert code == 415


def test_concurrent_writes_without_a_resource_version_all_succeed(kcp_server: Server, namespace: str) -> None:
    """A patch names no resourceVersion: losing a race to another write only means reading again, as
    kube's GuaranteedUpdate does, however many writers there are (16 tries were too few for 32)."""
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    kcp_server.request("POST", base, cm("busy"))

    def label(i: int) -> int:
        patch = {"metadata": {"labels": {f"l{i}": "x"}}, "data": {f"k{i}": str(i)}}
        code, body, _ = kcp_server.request(
            "PATCH", f"{base}/busy", patch, content_type="application/merge-patch+json"
        )
        assert code == 200, body
        return code

    with ThreadPoolExecutor(max_workers=32) as pool:
        assert list(pool.map(label, range(64))) == [200] * 64
    body = kcp_server.request("GET", f"{base}/busy")[1]
    assert len(body["metadata"]["labels"]) == 64 and len(body["data"]) == 65  # and the first "k"


def test_server_side_apply_and_conflicts(kcp_server: Server, namespace: str) -> None:
    path = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps/ssa"
    doc = json.dumps(cm("ssa", {"a": "1"})).encode()
    code, body, _ = kcp_server.request(
        "PATCH", f"{path}?fieldManager=one", raw=doc, content_type="application/apply-patch+yaml"
    )
    assert code == 201, body
    assert any(m["manager"] == "one" and m["operation"] == "Apply" for m in body["metadata"]["managedFields"])
    other = json.dumps(cm("ssa", {"a": "2"})).encode()
    code, body, _ = kcp_server.request(
        "PATCH", f"{path}?fieldManager=two", raw=other, content_type="application/apply-patch+yaml"
    )
    assert code == 409 and body["reason"] == "Conflict"
    code, body, _ = kcp_server.request(
        "PATCH", f"{path}?fieldManager=two&force=true", raw=other, content_type="application/apply-patch+yaml"
    )
    assert code == 200 and body["data"]["a"] == "2"


def test_server_side_apply_refuses_what_kube_refuses(kcp_server: Server, namespace: str) -> None:
    path = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps/ssa"

    def apply(body: dict[str, Any], query: str = "") -> tuple[int, Any]:
        code, answer, _ = kcp_server.request(
            "PATCH",
            f"{path}?fieldManager=tool{query}",
            raw=json.dumps(body).encode(),
            content_type="application/apply-patch+yaml",
        )
        return code, answer

    code, made = apply(cm("ssa", {"a": "1"}))
    assert code == 201, made
    live = made["metadata"]["resourceVersion"]
    # metadata.resourceVersion is a precondition, as in an update
    code, body = apply(cm("ssa", {"a": "2"}, resourceVersion=str(int(live) - 1)))
    assert code == 409 and body["reason"] == "Conflict", body
    assert body["message"] == (
        'Operation cannot be fulfilled on configmaps "ssa": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    code, body = apply(cm("ssa", {"a": "2"}, resourceVersion=live))
    assert code == 200 and body["data"] == {"a": "2"}, body
    # the applied type is checked first, against the served one exactly
    untyped = {"metadata": {"name": "ssa"}, "data": {"a": "3"}}
    code, body = apply(untyped)
    assert (
        code == 400 and body["reason"] == "BadRequest" and body["message"] == "invalid object type: /, Kind="
    )
    code, body = apply({**untyped, "apiVersion": "v1", "kind": "Secret"})
    assert code == 400 and body["message"] == "invalid object type: /v1, Kind=Secret", body
    bad = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: [1\n"
    code, body, _ = kcp_server.request(
        "PATCH", f"{path}?fieldManager=tool", raw=bad, content_type="application/apply-patch+yaml"
    )
    assert code == 400 and body["message"].startswith(
        "error decoding YAML: error converting YAML to JSON: yaml: line 6: "
    ), body
    # an undeclared field cannot be typed, whatever fieldValidation says (kube: 500 with this message)
    for query in ("", "&fieldValidation=Warn", "&fieldValidation=Strict", "&fieldValidation=Ignore"):
        code, body = apply({**cm("ssa", {"a": "4"}), "bogus": 1}, query)
        assert code == 400 and body["reason"] == "BadRequest", (query, body)
        assert body["message"] == (
            f"failed to create typed patch object ({namespace}/ssa; /v1, Kind=ConfigMap): "
            ".bogus: field not declared in schema"
        )
    code, body = apply(cm("ssa", {"a": "4"}, bogus="x"))
    assert code == 400 and body["message"].endswith(": .metadata.bogus: field not declared in schema"), body
    code, body = apply(cm("ssa", {"a": 5}))  # a value of the wrong type: kube's GVK spelling too
    assert code == 400 and body["message"].startswith(
        f"failed to create typed patch object ({namespace}/ssa; /v1, Kind=ConfigMap): "
    )
    assert kcp_server.request("GET", path)[1]["data"] == {"a": "2"}


def test_list_pagination_and_selectors(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    for i in range(7):
        kcp_server.request("POST", base, cm(f"c{i}", labels={"tier": "a" if i % 2 else "b"}))
    code, page, _ = kcp_server.request("GET", f"{base}?limit=3")  # and the namespace's kube-root-ca.crt
    assert code == 200 and len(page["items"]) == 3 and page["metadata"]["continue"]
    assert page["metadata"]["remainingItemCount"] == 5
    seen = [i["metadata"]["name"] for i in page["items"]]
    while page["metadata"].get("continue"):
        code, page, _ = kcp_server.request("GET", f"{base}?limit=3&continue={page['metadata']['continue']}")
        assert code == 200
        seen += [i["metadata"]["name"] for i in page["items"]]
    assert seen == [*(f"c{i}" for i in range(7)), "kube-root-ca.crt"]
    code, sel, _ = kcp_server.request("GET", f"{base}?labelSelector=tier%3Da")
    assert [i["metadata"]["name"] for i in sel["items"]] == ["c1", "c3", "c5"]
    code, sel, _ = kcp_server.request("GET", f"{base}?fieldSelector=metadata.name%3Dc2")
    assert [i["metadata"]["name"] for i in sel["items"]] == ["c2"]
    code, bad, _ = kcp_server.request("GET", f"{base}?fieldSelector=spec.bogus%3Dx")
    assert code == 400 and bad["kind"] == "Status"


def test_dry_run_writes_nothing(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    code, body, _ = kcp_server.request("POST", f"{base}?dryRun=All", cm("dry"))
    assert code == 201 and body["metadata"]["name"] == "dry"
    assert kcp_server.request("GET", f"{base}/dry")[0] == 404


def test_a_dry_run_create_of_an_existing_object_is_a_conflict(kcp_server: Server, namespace: str) -> None:
    """kube's dry-run storage looks the key up, so `kubectl create --dry-run=server` tells the truth."""
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    assert kcp_server.request("POST", base, cm("there"))[0] == 201
    code, status, _ = kcp_server.request("POST", f"{base}?dryRun=All", cm("there"))
    assert code == 409 and status["reason"] == "AlreadyExists"
    assert status["message"] == 'configmaps "there" already exists'
    code, status, _ = kcp_server.request(
        "POST", f"{ROOT}/api/v1/namespaces?dryRun=All", {"metadata": {"name": namespace}}
    )
    assert code == 409 and status["message"] == f'namespaces "{namespace}" already exists'


def test_secret_string_data_is_folded(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/secrets"
    code, body, _ = kcp_server.request(
        "POST",
        base,
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"u": "me"}},
    )
    assert code == 201 and body["data"] == {"u": "bWU="} and "stringData" not in body
    assert body["type"] == "Opaque"


def test_errors_are_status_objects(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    code, body, _ = kcp_server.request("POST", base, raw=b"{not json")
    assert code == 400 and body["kind"] == "Status"
    assert body["message"] == (
        "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; "
        "json parse error: invalid character 'n' looking for beginning of object key string ({not json)"
    )
    code, body, _ = kcp_server.request("PUT", f"{base}/x", raw=b"")
    assert code == 400 and body["message"].endswith(
        "json parse error: unexpected end of JSON input (<empty>)"
    )
    kcp_server.request("POST", base, cm("patched"))
    for media, prefix in (
        ("strategic-merge-patch", ""),
        ("merge-patch", "error decoding patch: "),
        ("json-patch", ""),
    ):
        code, body, _ = kcp_server.request(
            "PATCH", f"{base}/patched", raw=b'{"data": {"a": 1,}}', content_type=f"application/{media}+json"
        )
        assert (code, body["message"]) == (
            400,
            f"{prefix}invalid character '}}' looking for beginning of object key string",
        )
    code, body, _ = kcp_server.request("POST", base, cm("Bad_Name"))
    assert (
        code == 422
        and body["reason"] == "Invalid"
        and body["details"]["causes"][0]["field"] == "metadata.name"
    )
    code, body, _ = kcp_server.request("POST", base, raw=b"[" * 5000 + b"]" * 5000)
    assert code == 400 and body["kind"] == "Status"
    code, body, _ = kcp_server.request("POST", base, raw=b"x" * (3 * 1024 * 1024 + 1))
    assert code == 413 and body["message"] == "Request entity too large: limit is 3145728", body
    code, body, _ = kcp_server.request("GET", f"{ROOT}/api/v1/namespaces/{namespace}/nothings")
    assert code == 404
    code, body, _ = kcp_server.request("GET", f"{ROOT}/api/v1/namespaces", token="wrong")
    assert code == 401 and body["kind"] == "Status"
    code, body, _ = kcp_server.request("GET", "/clusters/Not_Valid/api/v1/namespaces")
    assert code == 400
    bomb = b'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: &d [*c,*c]\n' + b"".join(
        f"e{i}: [*d,*d]\n".encode() for i in range(200)
    )
    code, body, _ = kcp_server.request("POST", base, raw=bomb, content_type="application/yaml")
    assert code == 400


def test_config_maps_and_secrets_hold_at_most_one_mebibyte(kcp_server: Server, namespace: str) -> None:
    mib = 1024 * 1024
    cms = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    code, body, _ = kcp_server.request("POST", cms, {**cm("big"), "data": {"a": "x" * (mib - 1), "b": "yy"}})
    assert code == 422 and body["details"]["causes"] == [
        {
            "reason": "FieldValueTooLong",
            "message": f"Too long: may not be more than {mib} bytes",
            "field": "[]",
        }
    ], body
    code, _, _ = kcp_server.request("POST", cms, {**cm("full"), "data": {"a": "x" * (mib - 1), "b": "y"}})
    assert code == 201
    secrets = f"{ROOT}/api/v1/namespaces/{namespace}/secrets"
    big = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "big"},
        "stringData": {"a": "x" * (mib + 1)},
    }
    code, body, _ = kcp_server.request("POST", secrets, big)
    assert code == 422 and body["message"] == (
        f'Secret "big" is invalid: data: Too long: may not be more than {mib} bytes'
    ), body


def test_a_timestamp_the_server_overwrites_must_still_parse(kcp_server: Server, namespace: str) -> None:
    """kube decodes the body into the Go struct first: a creationTimestamp that is no time is a 400
    even though the server would replace it; a real one, in any RFC 3339 spelling, is replaced."""
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    bad = {**cm("stamped"), "metadata": {"name": "stamped", "creationTimestamp": "garbage"}}
    code, body, _ = kcp_server.request("POST", base, bad)
    assert code == 400 and body["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "garbage" as '
        '"2006-01-02T15:04:05Z07:00": cannot parse "garbage" as "2006"'
    ), body
    stamp = "2001-02-03T04:05:06.789+02:00"
    good = {**cm("stamped"), "metadata": {"name": "stamped", "creationTimestamp": stamp}}
    code, made, _ = kcp_server.request("POST", base, good)
    assert code == 201 and made["metadata"]["creationTimestamp"] > "2020", made
    code, body, _ = kcp_server.request("PUT", f"{base}/stamped", bad)
    assert code == 400 and "garbage" in body["message"], body


def test_wrong_json_types_in_built_in_kinds_are_refused(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    code, body, _ = kcp_server.request("POST", base, {**cm("typed"), "data": {"a": 1}})
    assert code == 400 and body["reason"] == "BadRequest"
    assert body["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number '
        "into Go struct field ConfigMap.data of type string"
    )
    code, _, _ = kcp_server.request("POST", base, {**cm("typed"), "data": {"a": "1"}})
    assert code == 201
    code, body, _ = kcp_server.request(
        "PATCH", f"{base}/typed", raw=b'{"data":{"a":true}}', content_type="application/merge-patch+json"
    )
    assert code == 422 and body["details"]["causes"][0]["field"] == "patch"
    code, _, _ = kcp_server.request("PUT", f"{base}/typed", {**cm("typed"), "immutable": "yes"})
    assert code == 400
    code, body, _ = kcp_server.request("GET", f"{base}/typed")
    assert code == 200 and body["data"] == {"a": "1"} and "immutable" not in body


def test_health_is_public_and_api_is_not(kcp_server: Server) -> None:
    ctx = kcp_server.ssl_context()
    for path in ("/livez", "/readyz", "/healthz", "/readyz/shutdown"):
        with urllib.request.urlopen(kcp_server.base_url + path, context=ctx) as resp:
            assert resp.status == 200 and resp.read() == b"ok"
    with urllib.request.urlopen(kcp_server.base_url + "/readyz?verbose", context=ctx) as resp:
        lines = resp.read().decode().splitlines()
    assert lines[0] == "[+]ping ok" and "[+]shutdown ok" in lines and lines[-1] == "readyz check passed"
    with urllib.request.urlopen(kcp_server.base_url + "/livez?verbose", context=ctx) as resp:
        assert resp.read().decode() == "[+]ping ok\n[+]etcd ok\nlivez check passed\n"
    assert kcp_server.request("GET", "/healthz/etcd", token="", accept="text/plain")[1] == "ok"
    assert kcp_server.request("GET", "/readyz/bogus", token="")[0] == 404
    for prefixed in ("/clusters/root/readyz", "/clusters/*/livez/etcd", "/clusters/root:org/healthz"):
        assert kcp_server.request("GET", prefixed, token="", accept="text/plain")[:2] == (200, "ok")
    assert kcp_server.request("GET", "/clusters/root/api", token="")[0] == 401


def test_the_root_lists_the_served_paths(kcp_server: Server) -> None:
    code, body, _ = kcp_server.request("GET", "/")
    assert code == 200 and body["paths"] == sorted(body["paths"]), body
    expected = {"/api", "/api/v1", "/apis", "/apis/rbac.authorization.k8s.io/v1", "/readyz", "/version"}
    assert expected <= set(body["paths"]), body
    code, body, _ = kcp_server.request("GET", "/clusters/root/")
    assert code == 200 and "/apis/tenancy.kcp.io/v1alpha1" in body["paths"], body
    assert "/metrics" not in body["paths"]  # served only outside any workspace


def test_namespace_deletion_removes_content(kcp_server: Server) -> None:
    import time

    ns = "doomed"
    kcp_server.request(
        "POST",
        f"{ROOT}/api/v1/namespaces",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
    )
    kcp_server.request("POST", f"{ROOT}/api/v1/namespaces/{ns}/configmaps", cm("x"))
    code, body, _ = kcp_server.request("DELETE", f"{ROOT}/api/v1/namespaces/{ns}")
    assert code == 200 and body["status"]["phase"] == "Terminating"  # kube: 202 only if asked (below)
    code, body, _ = kcp_server.request("POST", f"{ROOT}/api/v1/namespaces/{ns}/configmaps", cm("late"))
    assert code == 403
    deadline = time.monotonic() + 15
    while (
        time.monotonic() < deadline and kcp_server.request("GET", f"{ROOT}/api/v1/namespaces/{ns}")[0] != 404
    ):
        time.sleep(0.1)
    assert kcp_server.request("GET", f"{ROOT}/api/v1/namespaces/{ns}")[0] == 404


def test_a_namespace_phase_follows_its_deletion(kcp_server: Server, namespace: str) -> None:
    """Only deletion makes a namespace Terminating: a status write saying otherwise is kube's 422."""
    status = f"{ROOT}/api/v1/namespaces/{namespace}/status"
    for phase in ("Terminating", "Bogus"):
        code, body, _ = kcp_server.request(
            "PATCH", status, {"status": {"phase": phase}}, content_type="application/merge-patch+json"
        )
        assert code == 422, body
        assert body["details"]["causes"] == [
            {
                "reason": "FieldValueInvalid",
                "message": f'Invalid value: "{phase}": '
                "may only be 'Active' if `deletionTimestamp` is empty",
                "field": "status.Phase",
            }
        ]
    assert kcp_server.request("GET", status)[1]["status"]["phase"] == "Active"
    code, _, _ = kcp_server.request(
        "PATCH", status, {"status": {"phase": "Active"}}, content_type="application/merge-patch+json"
    )
    assert code == 200


def watching(
    kcp_server: Server, path: str, frames: list[dict[str, Any]], stop_after: int = 0
) -> threading.Thread:
    """A thread that streams the watch at `path` into `frames` (until `stop_after` frames, if set)."""

    def consume() -> None:
        req = urllib.request.Request(f"{kcp_server.base_url}{path}")
        req.add_header("Authorization", f"Bearer {kcp_server.token}")
        ctx: ssl.SSLContext = kcp_server.ssl_context()
        with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
            for line in resp:
                frames.append(json.loads(line))
                if len(frames) == stop_after:
                    return

    thread = threading.Thread(target=consume)
    thread.start()
    return thread


def test_bookmark_carries_progress_made_elsewhere(kcp_server: Server, namespace: str) -> None:
    """A quiet watch still learns how far the store has come: its closing bookmark carries a
    revision past writes it never saw, so a client resumes there rather than from an old one."""
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    rv = kcp_server.request("GET", base)[1]["metadata"]["resourceVersion"]
    frames: list[dict[str, Any]] = []
    query = "allowWatchBookmarks=true&labelSelector=never%3Dmatches"
    thread = watching(kcp_server, f"{base}?watch=1&resourceVersion={rv}&timeoutSeconds=2&{query}", frames)
    time.sleep(0.3)
    _, made, _ = kcp_server.request("POST", base, cm("elsewhere"))
    thread.join(timeout=10)
    assert [f["type"] for f in frames] == ["BOOKMARK"]
    mark = frames[0]["object"]
    assert mark["kind"] == "ConfigMap" and mark["apiVersion"] == "v1"
    assert int(mark["metadata"]["resourceVersion"]) >= int(made["metadata"]["resourceVersion"])


def test_watch_streams_changes_from_a_revision(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    rv = kcp_server.request("GET", base)[1]["metadata"]["resourceVersion"]
    events: list[dict[str, Any]] = []
    thread = watching(kcp_server, f"{base}?watch=1&resourceVersion={rv}&timeoutSeconds=5", events, 3)
    kcp_server.request("POST", base, cm("w"))
    kcp_server.request(
        "PATCH", f"{base}/w", {"data": {"k": "2"}}, content_type="application/merge-patch+json"
    )
    kcp_server.request("DELETE", f"{base}/w")
    thread.join(timeout=10)
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]


def test_delete_left_waiting_answers_200_unless_cascading_was_asked_the_old_way(
    kcp_server: Server, namespace: str
) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    for name, options, expected in (
        ("plain", None, 200),
        ("background", {"propagationPolicy": "Background"}, 200),
        ("cascade", {"orphanDependents": False}, 202),
    ):
        held = {**cm(name), "metadata": {"name": name, "finalizers": ["example.com/hold"]}}
        assert kcp_server.request("POST", base, held)[0] == 201
        code, body, _ = kcp_server.request("DELETE", f"{base}/{name}", options)
        assert code == expected and body["metadata"]["deletionTimestamp"], (name, body)
        code, body, _ = kcp_server.request(
            "PATCH",
            f"{base}/{name}",
            {"metadata": {"finalizers": None}},
            content_type="application/merge-patch+json",
        )
        assert code == 200, body
    code, body, _ = kcp_server.request("DELETE", f"{base}/gone?orphanDependents=false")
    assert code == 404, body


def test_a_watch_that_cannot_start_answers_200_with_one_error_event(
    kcp_server: Server, namespace: str
) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    query = "watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=999999999999"
    code, body, headers = kcp_server.request("GET", f"{base}?{query}")  # after kube's 3 s wait
    assert code == 200 and headers["Content-Type"] == "application/json", body
    assert body["type"] == "ERROR"  # the stream holds this one event, then ends
    status = body["object"]
    assert status["kind"] == "Status" and status["code"] == 504 and status["reason"] == "Timeout"
    assert status["message"].startswith("Too large resource version: 999999999999, current: ")
    assert status["details"]["causes"] == [
        {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
    ]


def test_a_watch_from_a_future_revision_waits_for_it(kcp_server: Server, namespace: str) -> None:
    """kube lets such a watch open and wait, so clients that retry on errors do not spin."""
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    code, body, _ = kcp_server.request("GET", f"{base}?watch=1&resourceVersion=999999999999&timeoutSeconds=1")
    assert code == 200 and body == "", body


def test_a_new_namespace_gets_the_default_service_account_and_root_ca(
    kcp_server: Server, namespace: str
) -> None:
    # made with the namespace, so there the moment its create is answered
    base = f"{ROOT}/api/v1/namespaces/{namespace}"
    code, sa, _ = kcp_server.request("GET", f"{base}/serviceaccounts/default")
    assert code == 200, sa
    code, ca, _ = kcp_server.request("GET", f"{base}/configmaps/kube-root-ca.crt")
    assert code == 200 and ca["data"]["ca.crt"] == (kcp_server.root / "ca.crt").read_text()


def test_metadata_only_views(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    kcp_server.request("POST", base, cm("meta", {"secret": "value"}))
    accept = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"
    code, listing, _ = kcp_server.request("GET", base, accept=accept)
    assert code == 200 and (listing["kind"], listing["apiVersion"]) == (
        "PartialObjectMetadataList",
        "meta.k8s.io/v1",
    )
    assert listing["metadata"]["resourceVersion"]
    named = {i["metadata"]["name"]: i for i in listing["items"]}
    assert named["meta"]["kind"] == "PartialObjectMetadata" and "data" not in named["meta"]
    code, one, _ = kcp_server.request(
        "GET", f"{base}/meta", accept="application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"
    )
    assert code == 200 and one["kind"] == "PartialObjectMetadata" and one["metadata"]["name"] == "meta"
    assert "data" not in one
    code, body, _ = kcp_server.request("GET", base, accept="application/json;as=Foo;v=v1;g=meta.k8s.io")
    assert code == 406 and body["reason"] == "NotAcceptable", body
    code, body, _ = kcp_server.request("GET", base, accept="application/json;as=Foo;v=v1;g=meta.k8s.io, */*")
    assert code == 200 and body["kind"] == "ConfigMapList"


def test_list_options_that_do_not_go_together_are_refused(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    for query, why in (
        (
            "resourceVersionMatch=NotOlderThan",
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        ),
        ("resourceVersion=0&resourceVersionMatch=Exact", 'resourceVersionMatch "exact" is forbidden'),
        ("resourceVersion=1&resourceVersionMatch=Newest", 'Unsupported value: "Newest"'),
        ("sendInitialEvents=true", "sendInitialEvents is forbidden for list"),
        (
            "watch=1&sendInitialEvents=true",
            "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
        ),
        (
            "watch=1&resourceVersionMatch=NotOlderThan",
            "forbidden for watch unless sendInitialEvents is provided",
        ),
    ):
        code, body, _ = kcp_server.request("GET", f"{base}?{query}")
        assert code == 422 and body["reason"] == "Invalid", (query, body)
        assert (
            body["message"].startswith('ListOptions.meta.k8s.io "" is invalid: ') and why in body["message"]
        ), body


def test_continue_goes_with_no_resource_version(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    for i in range(3):
        kcp_server.request("POST", base, cm(f"c{i}"))
    first = kcp_server.request("GET", f"{base}?limit=1")[1]
    token, rv = first["metadata"]["continue"], first["metadata"]["resourceVersion"]
    code, body, _ = kcp_server.request("GET", f"{base}?limit=1&continue={token}&resourceVersion={rv}")
    assert code == 400 and body["reason"] == "BadRequest", body
    assert body["message"] == "specifying resource version is not allowed when using continue"
    for allowed in ("", "&resourceVersion=0"):
        code, body, _ = kcp_server.request("GET", f"{base}?limit=1&continue={token}{allowed}")
        assert code == 200 and len(body["items"]) == 1, body


def test_write_options_are_validated_as_kube_does(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    assert kcp_server.request("POST", base, cm("opts"))[0] == 201
    merge = "application/merge-patch+json"
    for force in ("true", "false"):  # any force at all: kube's PatchOptions.Force is a pointer
        code, body, _ = kcp_server.request(
            "PATCH", f"{base}/opts?force={force}", {"data": {"k": "w"}}, content_type=merge
        )
        assert code == 422 and body["reason"] == "Invalid", body
        assert body["message"] == (
            'PatchOptions.meta.k8s.io "" is invalid: '
            "force: Forbidden: may not be specified for non-apply patch"
        )
        assert body["details"]["causes"] == [
            {
                "reason": "FieldValueForbidden",
                "message": "Forbidden: may not be specified for non-apply patch",
                "field": "force",
            }
        ]
    code, body, _ = kcp_server.request("POST", f"{base}?dryRun=Bogus", cm("dry"))
    assert code == 422 and body["message"] == (
        'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Bogus"}: '
        'supported values: "All"'
    ), body
    code, body, _ = kcp_server.request("PUT", f"{base}/opts?fieldValidation=Loose", cm("opts"))
    assert code == 422 and body["message"] == (
        'UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": '
        'supported values: "", "Ignore", "Strict", "Warn"'
    ), body
    assert kcp_server.request("GET", f"{base}/opts")[1]["data"] == {"k": "v"}


def test_a_timeout_that_is_no_integer_is_refused_on_lists_and_watches(
    kcp_server: Server, namespace: str
) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    for query in ("?timeoutSeconds=abc", "?watch=1&timeoutSeconds=1.5"):
        code, status, _ = kcp_server.request("GET", base + query)
        assert (code, status["message"]) == (400, "timeoutSeconds must be an integer"), status
    assert kcp_server.request("GET", f"{base}?timeoutSeconds=5")[0] == 200
    assert kcp_server.request("POST", base, cm("rv"))[0] == 201
    code, status, _ = kcp_server.request("GET", f"{base}/rv?resourceVersion=abc")
    assert (code, status["message"]) == (400, 'Invalid value: "abc": resourceVersion must be an integer')
    assert kcp_server.request("GET", f"{base}/rv?resourceVersion=0")[0] == 200


def test_delete_options_are_validated_as_kube_does(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    assert kcp_server.request("POST", base, cm("del"))[0] == 201
    prefix = 'DeleteOptions.meta.k8s.io "" is invalid: '
    for query, body, why in (
        (
            "?propagationPolicy=Bogus",
            None,
            'propagationPolicy: Unsupported value: "Bogus": supported values: '
            '"Foreground", "Background", "Orphan", "nil"',
        ),
        ("?dryRun=Later", None, 'dryRun: Unsupported value: []string{"Later"}: supported values: "All"'),
        (
            "",
            {"orphanDependents": False, "propagationPolicy": "Background"},
            'propagationPolicy: Invalid value: "Background": '
            "orphanDependents and deletionPropagation cannot be both set",
        ),
    ):
        code, status, _ = kcp_server.request("DELETE", f"{base}/del{query}", body)
        assert code == 422 and status["reason"] == "Invalid", status
        assert status["message"] == prefix + why
    # with a body, kube reads the options from it alone
    sent = {"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"]}
    code, _, _ = kcp_server.request("DELETE", f"{base}/del?propagationPolicy=Bogus", sent)
    assert code == 200 and kcp_server.request("GET", f"{base}/del")[0] == 200
    code, status, _ = kcp_server.request("DELETE", f"{base}/del", {"kind": "Foo", "apiVersion": "v1"})
    assert code == 400 and status["message"].startswith('no kind "Foo" is registered for version "v1"')
    assert kcp_server.request("GET", f"{base}/del")[0] == 200  # not deleted
    # a negative grace period is no error (kube makes it 1s where grace applies)
    assert kcp_server.request("DELETE", f"{base}/del?gracePeriodSeconds=-5")[0] == 200
    assert kcp_server.request("GET", f"{base}/del")[0] == 404


def test_a_namespace_held_by_finalizers_says_so(kcp_server: Server) -> None:
    import time

    ns = f"held-{uuid.uuid4().hex[:8]}"
    group = f"{ns}.example.com"  # served through two versions: its objects still count once
    crd = schemaless_crd(group, "widgets", "Widget")
    crd["spec"]["versions"].append({**crd["spec"]["versions"][0], "name": "v2", "storage": False})
    crds = f"{ROOT}/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    assert kcp_server.request("POST", crds, crd)[0] == 201
    kcp_server.request("POST", f"{ROOT}/api/v1/namespaces", {"metadata": {"name": ns}})
    held = {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}}
    assert kcp_server.request("POST", f"{ROOT}/api/v1/namespaces/{ns}/configmaps", held)[0] == 201
    widgets = f"{ROOT}/apis/{group}/v1/namespaces/{ns}/widgets"
    assert (
        kcp_server.request("POST", widgets, {"apiVersion": f"{group}/v1", "kind": "Widget", **held})[0] == 201
    )
    assert kcp_server.request("DELETE", f"{ROOT}/api/v1/namespaces/{ns}")[0] == 200
    left = (  # once kube-root-ca.crt went
        "Some resources are remaining: configmaps has 1 resource instances, "
        f"widgets.{group} has 1 resource instances"
    )
    deadline, conditions = time.monotonic() + 10, {}
    while (
        time.monotonic() < deadline and conditions.get("NamespaceContentRemaining", {}).get("message") != left
    ):
        status = kcp_server.request("GET", f"{ROOT}/api/v1/namespaces/{ns}")[1]["status"]
        conditions = {c["type"]: c for c in status.get("conditions") or []}
        time.sleep(0.1)
    assert conditions["NamespaceContentRemaining"]["message"] == left
    assert conditions["NamespaceFinalizersRemaining"]["reason"] == "SomeFinalizersRemain"
    assert conditions["NamespaceFinalizersRemaining"]["message"] == (
        "Some content in the namespace has finalizers remaining: example.com/hold in 2 resource instances"
    )
    for path in (f"{ROOT}/api/v1/namespaces/{ns}/configmaps/held", f"{widgets}/held"):
        kcp_server.request(
            "PATCH", path, {"metadata": {"finalizers": None}}, content_type="application/merge-patch+json"
        )
    while (
        time.monotonic() < deadline + 10
        and kcp_server.request("GET", f"{ROOT}/api/v1/namespaces/{ns}")[0] != 404
    ):
        time.sleep(0.1)
    assert kcp_server.request("GET", f"{ROOT}/api/v1/namespaces/{ns}")[0] == 404
    assert kcp_server.request("DELETE", f"{crds}/widgets.{group}")[0] == 200


def test_events_v1_are_validated_strictly(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/apis/events.k8s.io/v1/namespaces/{namespace}/events"
    regarding = {"kind": "ConfigMap", "name": "c", "namespace": namespace}
    code, body, _ = kcp_server.request(
        "POST", base, {"metadata": {"name": "thin"}, "reason": "R", "type": "Normal", "regarding": regarding}
    )
    assert code == 422, body
    # without eventTime an event is an old one: kube asks for eventTime, not what goes with it
    assert [c["field"] for c in body["details"]["causes"]] == ["eventTime"]
    weird = {**regarding, "namespace": namespace}
    code, body, _ = kcp_server.request(
        "POST",
        base,
        {
            "metadata": {"name": "weird"},
            "eventTime": "2026-01-01T00:00:00.000000Z",
            "reason": "R",
            "type": "Weird",
            "regarding": weird,
        },
    )
    assert code == 422, body
    found = [(c["field"], c["message"]) for c in body["details"]["causes"]]
    # an empty reportingController is also no qualified name
    assert found[0] == ("reportingController", "Required value") and found[1][0] == "reportingController"
    assert [f for f, _ in found[1:]] == ["reportingController"] * (len(found) - 4) + [
        "reportingInstance",
        "action",
        "type",
    ]
    assert found[-1] == ("type", 'Invalid value: "": has invalid value: Weird')  # kube leaves the value out
    full = {
        "metadata": {"name": "full"},
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "reportingController": "example.com/ctl",
        "reportingInstance": "ctl-1",
        "action": "Sync",
        "reason": "Synced",
        "type": "Normal",
        "regarding": regarding,
        "note": "done",
    }
    code, made, _ = kcp_server.request("POST", base, full)
    assert code == 201, made
    made["note"] = "changed"
    code, body, _ = kcp_server.request("PUT", f"{base}/full", made)
    assert code == 422 and body["details"]["causes"][0]["field"] == "message", body


def test_core_events_keep_to_their_namespace(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/events"
    event = {"metadata": {"name": "e"}, "reason": "R", "message": "m", "type": "Normal"}
    elsewhere = {**event, "involvedObject": {"kind": "ConfigMap", "name": "c", "namespace": "other"}}
    code, body, _ = kcp_server.request("POST", base, elsewhere)
    assert code == 422 and body["message"] == (
        'Event "e" is invalid: '
        'involvedObject.namespace: Invalid value: "other": does not match event.namespace'
    ), body
    unset = {**event, "involvedObject": {"kind": "ConfigMap", "name": "c"}}
    code, body, _ = kcp_server.request("POST", base, unset)
    assert code == 422 and body["details"]["causes"][0]["message"] == (
        'Invalid value: "": does not match event.namespace'
    )
    here = {**event, "involvedObject": {"kind": "ConfigMap", "name": "c", "namespace": namespace}}
    assert kcp_server.request("POST", base, here)[0] == 201
    # a new-style event (eventTime set) says who reported it
    reported = {**here, "metadata": {"name": "new"}, "eventTime": "2026-01-01T00:00:00.000000Z"}
    code, body, _ = kcp_server.request("POST", base, reported)
    assert code == 422, body
    assert {c["field"] for c in body["details"]["causes"]} == {
        "reportingController",
        "reportingInstance",
        "action",
    }
    reported |= {"reportingComponent": "example.com/ctl", "reportingInstance": "ctl-1", "action": "Sync"}
    assert kcp_server.request("POST", base, reported)[0] == 201


def test_typed_secrets_carry_their_keys(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/secrets"

    def secret(name: str, kind: str, **extra: Any) -> tuple[int, Any]:
        code, body, _ = kcp_server.request("POST", base, {"metadata": {"name": name}, "type": kind, **extra})
        return code, body

    def causes(body: Any) -> dict[str, str]:
        return {c["field"]: c["message"] for c in body["details"]["causes"]}

    code, body = secret("tls", "kubernetes.io/tls", stringData={"tls.crt": "c"})
    assert code == 422 and body["message"] == 'Secret "tls" is invalid: data[tls.key]: Required value', body
    code, body = secret("tls", "kubernetes.io/tls")
    assert causes(body) == {"data[tls.crt]": "Required value", "data[tls.key]": "Required value"}
    assert secret("tls", "kubernetes.io/tls", stringData={"tls.crt": "c", "tls.key": "k"})[0] == 201
    code, body = secret("sa", "kubernetes.io/service-account-token")
    assert causes(body) == {"metadata.annotations[kubernetes.io/service-account.name]": "Required value"}
    code, body = secret("docker", "kubernetes.io/dockerconfigjson", stringData={".dockerconfigjson": "{nope"})
    assert causes(body) == {
        "data[.dockerconfigjson]": 'Invalid value: "<secret contents redacted>": '
        "invalid character 'n' looking for beginning of object key string"
    }
    code, body = secret("docker", "kubernetes.io/dockercfg")
    assert causes(body) == {"data[.dockercfg]": "Required value"}
    assert (
        secret("docker", "kubernetes.io/dockerconfigjson", stringData={".dockerconfigjson": "{}"})[0] == 201
    )
    # kube's own paths, its "data[%s]" slip included
    code, body = secret("basic", "kubernetes.io/basic-auth")
    assert causes(body) == {"data[%s][username]": "Required value", "data[%s][password]": "Required value"}
    assert secret("basic", "kubernetes.io/basic-auth", stringData={"password": ""})[0] == 201
    code, body = secret("ssh", "kubernetes.io/ssh-auth", stringData={"ssh-privatekey": ""})
    assert causes(body) == {"data[%s][ssh-privatekey]": "Required value"}
    # and a Secret's type never changes
    made = kcp_server.request("GET", f"{base}/basic")[1]
    code, body, _ = kcp_server.request("PUT", f"{base}/basic", {**made, "type": "Opaque"})
    assert code == 422 and causes(body) == {"type": 'Invalid value: "Opaque": field is immutable'}, body


def test_object_meta_limits(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"

    def owner(name: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "name": name,
            "uid": f"uid-{name}",
            "controller": True,
        }

    code, body, _ = kcp_server.request("POST", base, cm("owned", ownerReferences=[owner("a"), owner("b")]))
    assert code == 422 and body["details"]["causes"][0]["field"] == "metadata.ownerReferences", body
    assert body["message"].endswith(
        'Only one reference can have Controller set to true. Found "true" in references for ConfigMap/a and '
        "ConfigMap/b"
    )
    code, body, _ = kcp_server.request("POST", base, cm("noted", annotations={"a": "x" * 262144}))
    assert code == 422 and body["message"] == (
        'ConfigMap "noted" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes'
    ), body
    prefix = "g" * 254
    code, body, _ = kcp_server.request("POST", base, {"metadata": {"generateName": prefix}})
    assert code == 422 and [c["field"] for c in body["details"]["causes"]] == ["metadata.generateName"], body
    assert body["details"]["causes"][0]["message"] == (
        f'Invalid value: "{prefix}": must be no more than 253 characters'
    )


def test_a_lease_spec_is_checked_as_kube_checks_it(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
    bad = {"leaseDurationSeconds": 0, "leaseTransitions": -1, "preferredHolder": "me"}
    code, status, _ = kcp_server.request(
        "POST",
        base,
        {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"}, "spec": bad},
    )
    assert code == 422, status
    assert status["message"] == (
        'Lease.coordination.k8s.io "l" is invalid: [spec.leaseDurationSeconds: Invalid value: 0: must be '
        "greater than 0, spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0, "
        "spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined]"
    )
    good = {"holderIdentity": "me", "leaseDurationSeconds": 15, "leaseTransitions": 0}
    code, _, _ = kcp_server.request(
        "POST",
        base,
        {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"}, "spec": good},
    )
    assert code == 201


def test_large_responses_are_gzipped_for_clients_that_take_it(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    for i in range(3):
        kcp_server.request("POST", base, {"metadata": {"name": f"big{i}"}, "data": {"x": "y" * 60_000}})

    def fetch(path: str, encoding: str) -> tuple[str | None, bytes]:
        req = urllib.request.Request(kcp_server.base_url + path)
        req.add_header("Authorization", f"Bearer {kcp_server.token}")
        req.add_header("Accept-Encoding", encoding)
        with urllib.request.urlopen(req, context=kcp_server.ssl_context()) as resp:
            return resp.headers.get("Content-Encoding"), resp.read()

    coding, body = fetch(base, "gzip, deflate")
    assert coding == "gzip" and len(body) < 10_000
    assert len(json.loads(gzip.decompress(body))["items"]) >= 3
    assert fetch(base, "identity")[0] is None
    assert fetch(f"{base}/big0", "gzip")[0] is None  # under kube's 128 KiB: sent as it is


def test_null_metadata_fields_are_unset(kcp_server: Server, namespace: str) -> None:
    """Found by the HTTP fuzzer: `labels: null` on a namespace was a 500; kube decodes ObjectMeta,
    where null is unset, so the namespace gets its name label and the config map its annotations."""
    name = f"n-{uuid.uuid4().hex[:8]}"
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": None}}
    code, got, _ = kcp_server.request("POST", f"{ROOT}/api/v1/namespaces", body)
    assert code == 201, got
    assert got["metadata"]["labels"] == {"kubernetes.io/metadata.name": name}
    kcp_server.request("DELETE", f"{ROOT}/api/v1/namespaces/{name}")
    meta = {"labels": None, "annotations": None, "finalizers": None, "ownerReferences": None}
    code, got, _ = kcp_server.request(
        "POST", f"{ROOT}/api/v1/namespaces/{namespace}/configmaps", cm("nulls", **meta)
    )
    assert code == 201, got
    assert not {"labels", "finalizers", "ownerReferences"} & set(got["metadata"])
    code, got, _ = kcp_server.request(
        "PUT",
        f"{ROOT}/api/v1/namespaces/{namespace}/configmaps/nulls",
        got | {"metadata": {**got["metadata"], "annotations": None, "resourceVersion": None}},
    )
    assert code == 200, got


def test_a_crd_schema_of_the_wrong_json_types_is_a_400(kcp_server: Server) -> None:
    """Found by the HTTP fuzzer: `properties: []` reached CRD validation and was a 500; kube's
    decoder refuses it first, as JSONSchemaProps is a Go struct."""
    crd = schemaless_crd("fuzzed.example.com", "things", "Thing")
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"] = []
    code, got, _ = kcp_server.request(
        "POST", f"{ROOT}/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd
    )
    assert code == 400 and got["reason"] == "BadRequest", got
    assert got["message"].endswith(
        "json: cannot unmarshal array into Go struct field JSONSchemaProps.spec.versions.schema."
        "openAPIV3Schema.properties of type map[string]v1.JSONSchemaProps"
    )


def test_namespaces_cannot_be_deleted_as_a_collection(kcp_server: Server, namespace: str) -> None:
    """kube serves no deletecollection on namespaces (discovery lists none): DELETE on the
    collection is 405, and every namespace is still there."""
    code, got, _ = kcp_server.request("DELETE", f"{ROOT}/api/v1/namespaces")
    assert code == 405 and got["reason"] == "MethodNotAllowed", got
    code, got, _ = kcp_server.request("GET", f"{ROOT}/api/v1/namespaces/{namespace}")
    assert code == 200 and "deletionTimestamp" not in got["metadata"], got


def test_integer_query_parameters_are_read_as_go_reads_them(kcp_server: Server, namespace: str) -> None:
    """Found by the HTTP fuzzer: limit=2^63-1 overflowed SQLite (500), and Python's int() took what
    Go's strconv.ParseInt refuses (out of int64, `1_0`, `²`)."""
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    assert kcp_server.request("POST", base, cm("one"))[0] == 201
    code, got, _ = kcp_server.request("GET", f"{base}?limit={(1 << 63) - 1}")
    assert code == 200 and [i["metadata"]["name"] for i in got["items"]] == ["kube-root-ca.crt", "one"], got
    assert kcp_server.request("DELETE", f"{base}?limit={(1 << 63) - 1}&labelSelector=none")[0] == 200
    for query in ("limit=99999999999999999999", "limit=1_0", "limit=%20"):
        code, got, _ = kcp_server.request("GET", f"{base}?{query}")
        assert code == 400 and got["reason"] == "BadRequest", (query, got)
    for query in ("watch=1&timeoutSeconds=%C2%B2", "timeoutSeconds=99999999999999999999"):
        code, got, _ = kcp_server.request("GET", f"{base}?{query}")
        assert (code, got["message"]) == (400, "timeoutSeconds must be an integer"), (query, got)
    code, got, _ = kcp_server.request("DELETE", f"{base}/one?gracePeriodSeconds=1_0")
    assert (code, got["message"]) == (400, "gracePeriodSeconds must be an integer"), got


def test_the_route_across_namespaces_serves_get_alone(kcp_server: Server, namespace: str) -> None:
    """kube has no DELETE or POST on /api/v1/configmaps: 405, and the namespace's objects stay."""
    kcp_server.request("POST", f"{ROOT}/api/v1/namespaces/{namespace}/configmaps", cm("stays"))
    assert kcp_server.request("DELETE", f"{ROOT}/api/v1/configmaps")[0] == 405
    assert kcp_server.request("POST", f"{ROOT}/api/v1/configmaps", cm("x"))[0] == 405
    assert kcp_server.request("GET", f"{ROOT}/api/v1/configmaps/stays")[0] == 404
    assert kcp_server.request("GET", f"{ROOT}/api/v1/namespaces/{namespace}/configmaps/stays")[0] == 200


def test_empty_metadata_maps_and_lists_are_left_out(kcp_server: Server, namespace: str) -> None:
    """kube round-trips metadata through Go's ObjectMeta (custom resources too), whose labels,
    annotations, finalizers and ownerReferences are omitempty: `kubectl label x a-` on the last label
    leaves no `labels: {}` behind."""
    group = f"empty-{uuid.uuid4().hex[:8]}.example.com"
    crds = f"{ROOT}/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    crd = schemaless_crd(group, "blanks", "Blank")  # a name no other test's kubectl resolves to
    assert kcp_server.request("POST", crds, crd)[0] == 201
    blanks = f"{ROOT}/apis/{group}/v1/namespaces/{namespace}/blanks"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and kcp_server.request("GET", blanks)[0] != 200:
        time.sleep(0.05)
    empty = {"labels": {}, "finalizers": [], "ownerReferences": [], "generateName": ""}
    kinds = {f"{ROOT}/api/v1/namespaces/{namespace}/configmaps": {}, blanks: {"apiVersion": f"{group}/v1"}}
    for base, typed in kinds.items():
        typed["kind"] = "Blank" if typed else "ConfigMap"
        code, made, _ = kcp_server.request("POST", base, {**typed, "metadata": {"name": "e", **empty}})
        assert code == 201 and not set(empty) & set(made["metadata"]), made
        labelled = {**typed, "metadata": {"name": "l", "labels": {"a": "b"}, "finalizers": ["x.io/y"]}}
        assert kcp_server.request("POST", base, labelled)[0] == 201
        code, patched, _ = kcp_server.request(
            "PATCH",
            f"{base}/l",
            {"metadata": {"labels": {"a": None}, "finalizers": None}},
            content_type="application/merge-patch+json",
        )
        assert code == 200 and "labels" not in patched["metadata"], patched
        assert "labels" not in kcp_server.request("GET", f"{base}/l")[1]["metadata"]
        owned = [str(m["fieldsV1"]) for m in patched["metadata"].get("managedFields", [])]
        assert not any("f:labels" in fields for fields in owned), owned
    kcp_server.request("DELETE", f"{crds}/blanks.{group}")


def test_yaml_and_pretty_answers(kcp_server: Server, namespace: str) -> None:
    """`Accept: application/yaml` gets YAML (errors too); `?pretty=true` and curl get indented JSON."""
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    kcp_server.request("POST", base, cm("shown", {"n": "1", "when": "2026-01-01T00:00:00Z"}))
    url = f"{kcp_server.base_url}{base}/shown"

    def fetch(path: str, **headers: str) -> tuple[int, str, bytes]:
        req = urllib.request.Request(path, headers={"Authorization": f"Bearer {kcp_server.token}", **headers})
        try:
            with urllib.request.urlopen(req, context=kcp_server.ssl_context(), timeout=30) as resp:
                return resp.status, resp.headers["Content-Type"], resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers["Content-Type"], e.read()

    plain = json.loads(fetch(url)[2])
    code, media, body = fetch(url, Accept="application/yaml, application/json")
    assert (code, media) == (200, "application/yaml") and yaml.safe_load(body) == plain
    assert b"n: '1'" in body and b"{" not in body.split(b"data:")[1].split(b"kind:")[0]
    code, media, body = fetch(f"{url}-missing", Accept="application/yaml")
    assert (code, media) == (404, "application/yaml") and yaml.safe_load(body)["reason"] == "NotFound"
    assert fetch(url, Accept="application/json, application/yaml")[1] == "application/json"
    for pretty in (fetch(f"{url}?pretty=true"), fetch(url, **{"User-Agent": "curl/8.5.0"})):
        assert pretty[2].startswith(b'{\n  "') and json.loads(pretty[2]) == plain
    assert b"\n" not in fetch(f"{url}?pretty=false", **{"User-Agent": "curl/8.5.0"})[2]
    watch = f"{kcp_server.base_url}{base}?watch=1&timeoutSeconds=1"
    code, media, body = fetch(watch, Accept="application/yaml, application/json")  # no YAML stream
    assert (code, media) == (406, "application/yaml"), body
    assert yaml.safe_load(body)["message"] == (
        "only the following media types are accepted: "
        "application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch"
    )
    assert fetch(watch, Accept="application/json, application/yaml")[:2] == (200, "application/json")
    version = f"{kcp_server.base_url}{ROOT}/version"
    for asked in ({"Accept": "application/yaml"}, {}, {"User-Agent": "kubectl/v1.32.4"}):
        code, media, body = fetch(version, **asked)  # kube's WriteRawJSON: always indented JSON
        assert (code, media) == (200, "application/json") and body.startswith(b'{\n  "major"'), body
    assert json.loads(body)["platform"] in ("linux/amd64", "linux/arm64")  # Go's GOOS/GOARCH


def test_a_csr_names_its_requester_and_takes_decisions_through_approval(kcp_server: Server) -> None:
    """spec.username is the creating user's whatever the body says; spec never changes; approval sets
    the conditions, /status may not take a decision away, Approved and Denied exclude each other."""
    name = f"csr-{uuid.uuid4().hex[:8]}"
    base = f"{ROOT}/apis/certificates.k8s.io/v1/certificatesigningrequests"
    request, _ = csr_pem("alice", ("dev",))
    spoofed = csr_object(name, request, username="root", groups=["system:masters"], expirationSeconds=600)
    spoofed["status"] = {"conditions": [{"type": "Approved", "status": "True"}]}
    code, csr, _ = kcp_server.request("POST", base, spoofed)
    assert code == 201, csr
    assert csr["spec"]["username"] == "kcp-admin" and "system:masters" not in csr["spec"]["groups"]
    assert "status" not in csr
    csr["spec"]["usages"] = ["server auth"]
    csr["status"] = {"conditions": [{"type": "Approved", "status": "True"}]}
    code, updated, _ = kcp_server.request("PUT", f"{base}/{name}", csr)
    assert code == 200 and updated["spec"]["usages"] == ["client auth"] and "status" not in updated

    code, emptied, _ = kcp_server.request(
        "PUT", f"{base}/{name}/status", dict(updated, status={"conditions": []})
    )
    assert code == 200 and "status" not in emptied, (
        emptied
    )  # an empty list is omitted, as Go's omitempty does
    approval = dict(updated, status={"conditions": [{"type": "Approved", "status": "True", "reason": "R"}]})
    code, approved, _ = kcp_server.request("PUT", f"{base}/{name}/approval", approval)
    assert code == 200, approved
    (cond,) = approved["status"]["conditions"]
    assert cond["lastUpdateTime"] and cond["lastTransitionTime"] == cond["lastUpdateTime"]

    both = dict(approved, status={"conditions": [cond, {"type": "Denied", "status": "False"}]})
    code, status, _ = kcp_server.request("PUT", f"{base}/{name}/approval", both)
    assert code == 422 and status["details"]["causes"] == [
        {
            "reason": "FieldValueNotSupported",
            "message": 'Unsupported value: "False": supported values: "True"',
            "field": "status.conditions[1].status",
        },
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
            "field": "status.conditions[1].type",
        },
    ], status
    code, status, _ = kcp_server.request("PUT", f"{base}/{name}/approval", dict(approved, status={}))
    assert code == 422 and status["message"] == (
        f'CertificateSigningRequest.certificates.k8s.io "{name}" is invalid: status.conditions: '
        'Forbidden: updates may not remove a condition of type "Approved"'
    )
    failed = {"conditions": [{"type": "Failed", "status": "True"}]}
    code, written, _ = kcp_server.request("PUT", f"{base}/{name}/status", dict(approved, status=failed))
    assert code == 200 and [c["type"] for c in written["status"]["conditions"]] == ["Failed", "Approved"]
    not_pem = dict(written, status=written["status"] | {"certificate": "Zm9v"})
    code, status, _ = kcp_server.request("PUT", f"{base}/{name}/status", not_pem)
    assert code == 422 and status["message"].endswith(
        'status.certificate: Invalid value: "<certificate data>": '
        "must contain at least one CERTIFICATE PEM block"
    ), status
    cert = self_signed("alice")
    issued = dict(written, status=written["status"] | {"certificate": base64.b64encode(cert).decode()})
    code, signed, _ = kcp_server.request("PUT", f"{base}/{name}/status", issued)
    assert code == 200 and base64.b64decode(signed["status"]["certificate"]) == cert, signed
    other = dict(signed, status=signed["status"] | {"certificate": base64.b64encode(cert + cert).decode()})
    code, status, _ = kcp_server.request("PUT", f"{base}/{name}/status", other)
    assert code == 422 and status["message"].endswith(
        "status.certificate: Forbidden: updates may not modify existing certificate content"
    ), status
    code, listed, _ = kcp_server.request("GET", f"{base}?fieldSelector=spec.signerName%3Dexample.com%2Fx")
    assert code == 200 and listed["items"] == []


def test_bad_csrs_get_kubes_messages(kcp_server: Server) -> None:
    base = f"{ROOT}/apis/certificates.k8s.io/v1/certificatesigningrequests"
    request, _ = csr_pem("bob")
    bad = csr_object("bad", b"hi\n", signerName="example.com", usages=["client auth", "bogus"])
    bad["spec"]["expirationSeconds"] = 599
    code, status, _ = kcp_server.request("POST", base, bad)
    assert code == 422, status
    assert [(c["field"], c["message"].split(": ", 2)[-1]) for c in status["details"]["causes"]] == [
        ("spec.request", "PEM block type must be CERTIFICATE REQUEST"),
        ("spec.usages[1]", status["details"]["causes"][1]["message"].split(": ", 2)[-1]),
        (
            "spec.signerName",
            "must be a fully qualified domain and path of the form 'example.com/signer-name'",
        ),
        ("spec.expirationSeconds", "may not specify a duration less than 600 seconds (10 minutes)"),
    ]
    assert status["details"]["causes"][0]["message"] == (
        "Invalid value: []byte{0x68, 0x69, 0xa}: PEM block type must be CERTIFICATE REQUEST"
    )
    code, status, _ = kcp_server.request("POST", base, csr_object("forged", forged(request), usages=[]))
    assert code == 422, status
    assert [c["field"] for c in status["details"]["causes"]] == ["spec.request", "spec.usages"]
    assert status["details"]["causes"][0]["message"].endswith(": x509: ECDSA verification failure")
    code, status, _ = kcp_server.request("POST", base, csr_object("nosigner", request, signerName=""))
    assert code == 422 and status["details"]["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.signerName"}
    ], status
    code, status, _ = kcp_server.request(
        "POST", base, {"kind": "CertificateSigningRequest", "spec": {"request": "!"}}
    )
    assert code == 400 and "illegal base64 data at input byte 0" in status["message"], status


def test_a_watch_on_one_objects_path_sees_that_object_only(kcp_server: Server, namespace: str) -> None:
    """kube's `/watch/.../configmaps/<name>` watches that one object (a field selector may only repeat
    its name), and `?watch=1` on an object's own path is a plain GET: neither streams the namespace."""
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    for name in ("one", "other"):
        assert kcp_server.request("POST", base, cm(name))[0] == 201
    watch = f"{ROOT}/api/v1/watch/namespaces/{namespace}/configmaps/one?timeoutSeconds=1"
    code, body, _ = kcp_server.request("GET", watch)
    frames = [json.loads(line) for line in body.splitlines()] if isinstance(body, str) else [body]
    assert code == 200 and [(f["type"], f["object"]["metadata"]["name"]) for f in frames] == [
        ("ADDED", "one")
    ]
    code, body, _ = kcp_server.request("GET", f"{watch}&fieldSelector=metadata.name%3Dother")
    assert (code, body["message"]) == (400, "fieldSelector metadata.name doesn't match requested name"), body
    code, body, _ = kcp_server.request("GET", f"{base}/one?watch=1")
    assert code == 200 and body["kind"] == "ConfigMap" and body["metadata"]["name"] == "one", body
    code, body, _ = kcp_server.request("GET", f"{ROOT}/api/v1/watch/namespaces/{namespace}/status")
    assert (code, body["reason"]) == (404, "NotFound"), body
