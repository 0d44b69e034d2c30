"""A namespace's `default` ServiceAccount and `kube-root-ca.crt` come back, as kube's controllers do."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.polling import eventually
from tests.support.server import Server

ROOT = "/clusters/root"
DESCRIPTION = "kubernetes.io/description"
MERGE = "application/merge-patch+json"


def _get(server: Server, path: str) -> dict[str, Any] | None:
    code, body, _ = server.request("GET", path)
    return dict(body) if code == 200 else None


def _uid(server: Server, path: str) -> str:
    found = _get(server, path)
    assert found is not None, path
    return str(found["metadata"]["uid"])


def _back(server: Server, path: str, old_uid: str) -> dict[str, Any]:
    """The object at `path` once a new one (another uid) is there; kube's controllers take about a second."""
    found: dict[str, Any] = eventually(
        lambda: (obj := _get(server, path)) is not None and obj["metadata"]["uid"] != old_uid and obj,
        f"{path} to come back",
        timeout=1.5,
    )
    return found


def test_a_deleted_root_ca_and_default_account_come_back(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}"
    ca_path, sa_path = f"{base}/configmaps/kube-root-ca.crt", f"{base}/serviceaccounts/default"
    ca, sa = _get(kcp_server, ca_path), _get(kcp_server, sa_path)
    assert ca is not None and sa is not None
    assert kcp_server.request("DELETE", ca_path)[0] == 200
    assert kcp_server.request("DELETE", sa_path)[0] == 200
    new_ca, new_sa = (
        _back(kcp_server, ca_path, ca["metadata"]["uid"]),
        _back(kcp_server, sa_path, sa["metadata"]["uid"]),
    )
    assert new_ca["data"] == ca["data"] == {"ca.crt": (kcp_server.root / "ca.crt").read_text()}
    assert new_ca["metadata"]["annotations"][DESCRIPTION] == ca["metadata"]["annotations"][DESCRIPTION]
    assert new_sa["metadata"]["name"] == "default"

    # a dry run deletes nothing, so nothing comes back; other names are not put back
    code, _, _ = kcp_server.request("DELETE", f"{ca_path}?dryRun=All")
    assert code == 200 and _uid(kcp_server, ca_path) == new_ca["metadata"]["uid"]
    kcp_server.request("POST", f"{base}/serviceaccounts", {"metadata": {"name": "other"}})
    code, deleted, _ = kcp_server.request("DELETE", f"{base}/serviceaccounts/other")
    assert code == 200 and deleted["kind"] == "ServiceAccount"  # kube answers with the account
    assert deleted["metadata"]["name"] == "other"
    assert _get(kcp_server, f"{base}/serviceaccounts/other") is None


def test_deleting_every_configmap_leaves_the_root_ca(kcp_server: Server, namespace: str) -> None:
    base = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    kcp_server.request("POST", base, {"metadata": {"name": "mine"}, "data": {"a": "b"}})
    code, body, _ = kcp_server.request(
        "DELETE", base
    )  # kubectl delete cm --all deletes one by one; this at once
    assert code == 200, body
    names = eventually(
        lambda: [i["metadata"]["name"] for i in kcp_server.request("GET", base)[1]["items"]] or None,
        "the root CA to come back",
    )
    assert names == ["kube-root-ca.crt"]


def test_an_edited_root_ca_gets_its_data_back(kcp_server: Server, namespace: str) -> None:
    path = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps/kube-root-ca.crt"
    bundle = (kcp_server.root / "ca.crt").read_text()
    edit = {"metadata": {"labels": {"mine": "yes"}}, "data": {"ca.crt": "forged", "extra": "x"}}
    code, body, _ = kcp_server.request("PATCH", path, edit, content_type=MERGE)
    assert code == 200 and body["data"]["ca.crt"] == "forged"  # the edit itself is accepted, as in kube
    fixed = eventually(lambda: (cm := _get(kcp_server, path)) and cm["data"] == {"ca.crt": bundle} and cm)
    assert fixed["metadata"]["labels"] == {"mine": "yes"}  # the rest is the editor's

    # the description must be there; its text is the owner's to change
    unannotated = {"metadata": {"annotations": {DESCRIPTION: None}}}
    kcp_server.request("PATCH", path, unannotated, content_type=MERGE)
    eventually(lambda: DESCRIPTION in ((_get(kcp_server, path) or {})["metadata"].get("annotations") or {}))
    reworded = {"metadata": {"annotations": {DESCRIPTION: "ours"}}}
    code, body, _ = kcp_server.request("PATCH", path, reworded, content_type=MERGE)
    assert code == 200
    assert body["metadata"]["annotations"][DESCRIPTION] == "ours"
    assert _get(kcp_server, path) == body  # left as it was written: nothing was put back


def test_a_namespace_being_deleted_does_not_get_them_back(kcp_server: Server) -> None:
    ns = f"gone-{uuid.uuid4().hex[:8]}"
    assert kcp_server.request("POST", f"{ROOT}/api/v1/namespaces", {"metadata": {"name": ns}})[0] == 201
    held = {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}}
    assert kcp_server.request("POST", f"{ROOT}/api/v1/namespaces/{ns}/configmaps", held)[0] == 201
    assert kcp_server.request("DELETE", f"{ROOT}/api/v1/namespaces/{ns}")[0] == 200
    base = f"{ROOT}/api/v1/namespaces/{ns}"
    eventually(  # the namespace controller took both away, and nothing put them back
        lambda: (
            _get(kcp_server, f"{base}/configmaps/kube-root-ca.crt") is None
            and _get(kcp_server, f"{base}/serviceaccounts/default") is None
        ),
        "the namespace's content to go",
    )
    left = [i["metadata"]["name"] for i in kcp_server.request("GET", f"{base}/configmaps")[1]["items"]]
    assert left == ["held"]
    kcp_server.request(
        "PATCH", f"{base}/configmaps/held", {"metadata": {"finalizers": None}}, content_type=MERGE
    )
    eventually(
        lambda: kcp_server.request("GET", f"{ROOT}/api/v1/namespaces/{ns}")[0] == 404, "the namespace to go"
    )
    assert kcp_server.request("GET", f"{base}/configmaps")[1]["items"] == []
    assert kcp_server.request("GET", f"{base}/serviceaccounts")[1]["items"] == []
