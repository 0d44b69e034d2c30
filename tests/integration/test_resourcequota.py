"""ResourceQuota against a real server: object counts enforced with kube's 403, status.used kept exact
through creates, deletes (API, collection, garbage collector), dry runs and races, and recounted by
the controller when its status is off."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.support.polling import eventually
from tests.support.registry import schemaless_crd
from tests.support.server import Server

ROOT = "/clusters/root"


def _quota(server: Server, namespace: str, hard: dict[str, Any], name: str = "q") -> dict[str, Any]:
    body = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name}, "spec": {"hard": hard}}
    code, quota, _ = server.request("POST", f"{ROOT}/api/v1/namespaces/{namespace}/resourcequotas", body)
    assert code == 201, quota
    return dict(quota)


def _used(server: Server, namespace: str, name: str = "q") -> dict[str, str]:
    code, quota, _ = server.request("GET", f"{ROOT}/api/v1/namespaces/{namespace}/resourcequotas/{name}")
    assert code == 200, quota
    return dict(quota["status"]["used"])


def _create(server: Server, path: str, kind: str, name: str, **extra: Any) -> tuple[int, Any]:
    body = {"apiVersion": "v1", "kind": kind, "metadata": {"name": name}, **extra}
    code, obj, _ = server.request("POST", path, body)
    return code, obj


def test_a_count_is_enforced_with_kubes_message(kcp_server: Server, namespace: str) -> None:
    quota = _quota(kcp_server, namespace, {"configmaps": "2", "count/secrets": 1, "cpu": "1"})
    # kube-root-ca.crt is there already; cpu is accepted, never measured
    assert quota["status"] == {
        "hard": {"configmaps": "2", "count/secrets": "1", "cpu": "1"},
        "used": {"configmaps": "1", "count/secrets": "0", "cpu": "0"},
    }
    secrets = f"{ROOT}/api/v1/namespaces/{namespace}/secrets"
    assert _create(kcp_server, secrets, "Secret", "one")[0] == 201
    code, status = _create(kcp_server, secrets, "Secret", "two")
    assert code == 403, status
    assert status["reason"] == "Forbidden"
    assert status["message"] == (
        'secrets "two" is forbidden: exceeded quota: q, requested: count/secrets=1, '
        "used: count/secrets=1, limited: count/secrets=1"
    )
    assert status["details"] == {"name": "two", "kind": "secrets"}
    assert _used(kcp_server, namespace)["count/secrets"] == "1"
    assert kcp_server.request("DELETE", f"{secrets}/one")[0] == 200
    assert _used(kcp_server, namespace)["count/secrets"] == "0"
    assert _create(kcp_server, secrets, "Secret", "two")[0] == 201


def test_a_dry_run_is_checked_not_counted(kcp_server: Server, namespace: str) -> None:
    _quota(kcp_server, namespace, {"count/configmaps": "2"})
    cms = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    assert _create(kcp_server, f"{cms}?dryRun=All", "ConfigMap", "dry")[0] == 201
    assert _used(kcp_server, namespace) == {"count/configmaps": "1"}
    assert _create(kcp_server, cms, "ConfigMap", "real")[0] == 201
    assert _create(kcp_server, f"{cms}?dryRun=All", "ConfigMap", "dry")[0] == 403
    # a create that fails (the name is taken) gives its charge back
    assert kcp_server.request("DELETE", f"{cms}/real")[0] == 200
    assert _create(kcp_server, cms, "ConfigMap", "kube-root-ca.crt")[0] == 409
    assert _used(kcp_server, namespace) == {"count/configmaps": "1"}


def test_racing_creates_never_pass_the_limit(kcp_server: Server, namespace: str) -> None:
    _quota(kcp_server, namespace, {"count/secrets": "5"})
    secrets = f"{ROOT}/api/v1/namespaces/{namespace}/secrets"
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda i: _create(kcp_server, secrets, "Secret", f"s{i}")[0], range(24)))
    assert sorted(set(codes)) == [201, 403] and codes.count(201) == 5
    listed = kcp_server.request("GET", secrets)[1]["items"]
    assert len(listed) == 5
    assert _used(kcp_server, namespace) == {"count/secrets": "5"}


def test_collection_and_garbage_collector_deletes_free_slots(kcp_server: Server, namespace: str) -> None:
    _quota(kcp_server, namespace, {"count/secrets": "3", "count/configmaps": "10"})
    secrets = f"{ROOT}/api/v1/namespaces/{namespace}/secrets"
    for i in range(3):
        assert _create(kcp_server, secrets, "Secret", f"s{i}")[0] == 201
    assert kcp_server.request("DELETE", secrets)[0] == 200
    assert _used(kcp_server, namespace)["count/secrets"] == "0"
    cms = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    code, owner = _create(kcp_server, cms, "ConfigMap", "owner")
    assert code == 201
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]}
    assert (
        _create(kcp_server, secrets, "Secret", "child", metadata={"name": "child", "ownerReferences": [ref]})[
            0
        ]
        == 201
    )
    assert _used(kcp_server, namespace) == {"count/secrets": "1", "count/configmaps": "2"}
    assert kcp_server.request("DELETE", f"{cms}/owner")[0] == 200
    eventually(lambda: _used(kcp_server, namespace)["count/secrets"] == "0", "the collected child's slot")


def test_custom_resources_and_quotas_themselves(kcp_server: Server, namespace: str) -> None:
    group = f"q{uuid.uuid4().hex[:8]}.example.com"
    crd = schemaless_crd(group, "widgets", "Widget")
    assert (
        kcp_server.request("POST", f"{ROOT}/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)[0]
        == 201
    )
    try:
        widgets = f"{ROOT}/apis/{group}/v1/namespaces/{namespace}/widgets"
        eventually(lambda: kcp_server.request("GET", widgets)[0] == 200, "the CRD served")
        _quota(kcp_server, namespace, {f"count/widgets.{group}": "1", "resourcequotas": "2"})
        body = {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w1"}}
        assert kcp_server.request("POST", widgets, body)[0] == 201
        code, status, _ = kcp_server.request("POST", widgets, {**body, "metadata": {"name": "w2"}})
        assert code == 403
        assert status["message"].startswith(f'widgets.{group} "w2" is forbidden: exceeded quota: q, ')
        assert _used(kcp_server, namespace) == {f"count/widgets.{group}": "1", "resourcequotas": "1"}
        _quota(kcp_server, namespace, {"count/configmaps": "5"}, name="q2")
        assert _used(kcp_server, namespace)["resourcequotas"] == "2"
        code, status, _ = kcp_server.request(
            "POST",
            f"{ROOT}/api/v1/namespaces/{namespace}/resourcequotas",
            {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q3"}},
        )
        assert code == 403
        assert status["message"] == (
            'resourcequotas "q3" is forbidden: exceeded quota: q, requested: resourcequotas=1, '
            "used: resourcequotas=2, limited: resourcequotas=2"
        )
    finally:
        kcp_server.request(
            "DELETE", f"{ROOT}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.{group}"
        )


def test_bad_quotas_are_statuses(kcp_server: Server, namespace: str) -> None:
    path = f"{ROOT}/api/v1/namespaces/{namespace}/resourcequotas"

    def create(hard: Any) -> tuple[int, Any]:
        body = {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "bad"},
            "spec": {"hard": hard},
        }
        code, status, _ = kcp_server.request("POST", path, body)
        return code, status

    code, status = create({"configmaps": "lots"})
    assert code == 400 and status["message"].endswith(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )
    code, status = create({"foo": "1", "secrets": "-1"})
    assert code == 422, status
    assert {c["field"] for c in status["details"]["causes"]} == {"spec.hard[foo]", "spec.hard[secrets]"}
    code, status = create({"configmaps": {"a": 1}})
    assert code == 400, status


def test_the_controller_recounts_a_rewritten_status(kcp_server: Server, namespace: str) -> None:
    quota = _quota(kcp_server, namespace, {"count/configmaps": "5"})
    path = f"{ROOT}/api/v1/namespaces/{namespace}/resourcequotas/q/status"
    quota["status"] = {"hard": {}, "used": {"count/configmaps": "4"}}
    code, written, _ = kcp_server.request("PUT", path, quota)
    assert code == 200, written

    def recounted() -> bool:
        got = kcp_server.request("GET", path)[1]["status"]
        return bool(got == {"hard": {"count/configmaps": "5"}, "used": {"count/configmaps": "1"}})

    eventually(recounted, "the controller's recount")
