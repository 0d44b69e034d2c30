"""Service-account tokens bound to an object: issued only for one that exists, valid only while it does."""

from __future__ import annotations

import base64
from typing import Any

import orjson

from tests.support.server import Server


def _claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    claims: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return claims


def _token_request(server: Server, namespace: str, ref: dict[str, Any] | None) -> tuple[int, Any]:
    spec = {"boundObjectRef": ref} if ref is not None else {}
    code, body, _ = server.request(
        "POST",
        f"/clusters/root/api/v1/namespaces/{namespace}/serviceaccounts/bot/token",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec},
    )
    return code, body


def _review(server: Server, token: str) -> dict[str, Any]:
    code, body, _ = server.request(
        "POST",
        "/clusters/root/apis/authentication.k8s.io/v1/tokenreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}},
    )
    assert code == 201, body
    status: dict[str, Any] = body["status"]
    return status


def _whoami(server: Server, token: str) -> int:
    code, _, _ = server.request(
        "POST",
        "/clusters/root/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        token=token,
    )
    return code


def _secret(server: Server, namespace: str, name: str) -> dict[str, Any]:
    code, body, _ = server.request(
        "POST",
        f"/clusters/root/api/v1/namespaces/{namespace}/secrets",
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}},
    )
    assert code == 201, body
    return dict(body)


def test_a_token_binds_only_to_a_secret_that_exists_with_its_uid(kcp_server: Server, namespace: str) -> None:
    base = f"/clusters/root/api/v1/namespaces/{namespace}"
    code, body, _ = kcp_server.request(
        "POST", f"{base}/serviceaccounts", {"apiVersion": "v1", "metadata": {"name": "bot"}}
    )
    assert code == 201, body
    ref = {"kind": "Secret", "apiVersion": "v1", "name": "nope"}
    code, body = _token_request(kcp_server, namespace, ref)
    assert (code, body["reason"], body["message"]) == (404, "NotFound", 'secrets "nope" not found')

    uid = _secret(kcp_server, namespace, "s1")["metadata"]["uid"]
    code, body = _token_request(kcp_server, namespace, {**ref, "name": "s1", "uid": "123"})
    assert (code, body["reason"]) == (409, "Conflict"), body
    assert body["message"] == (
        'Operation cannot be fulfilled on Secret "s1": the UID in the bound object reference (123) '
        "does not match the UID in record. The object might have been deleted and then recreated"
    )
    for other in ({"kind": "ConfigMap", "apiVersion": "v1"}, {"kind": "Secret", "apiVersion": "apps/v1"}):
        code, body = _token_request(kcp_server, namespace, {**other, "name": "s1"})
        gvk = f"{other['apiVersion'].rpartition('/')[0]}/v1, Kind={other['kind']}"
        assert (code, body["message"]) == (400, f"cannot bind token to object of type {gvk}"), body
    # kube binds to Pods and Nodes too; neither is served here, so neither can be bound to
    code, body = _token_request(kcp_server, namespace, {"kind": "Pod", "apiVersion": "v1", "name": "p"})
    assert (code, body["message"]) == (400, "cannot bind token to object of type /v1, Kind=Pod"), body

    for asked in ({**ref, "name": "s1"}, {**ref, "name": "s1", "uid": uid}):
        code, body = _token_request(kcp_server, namespace, asked)
        assert code == 201, body
        assert body["spec"]["boundObjectRef"] == asked  # echoed as asked, as kube does
        token = body["status"]["token"]
        assert _claims(token)["kubernetes.io"]["secret"] == {"name": "s1", "uid": uid}
        assert _review(kcp_server, token)["authenticated"] is True
        assert _whoami(kcp_server, token) == 201


def test_a_bound_token_dies_with_its_secret(kcp_server: Server, namespace: str) -> None:
    base = f"/clusters/root/api/v1/namespaces/{namespace}"
    kcp_server.request("POST", f"{base}/serviceaccounts", {"apiVersion": "v1", "metadata": {"name": "bot"}})
    _secret(kcp_server, namespace, "s1")
    ref = {"kind": "Secret", "apiVersion": "v1", "name": "s1"}
    code, body = _token_request(kcp_server, namespace, ref)
    assert code == 201, body
    token = body["status"]["token"]
    code, unbound = _token_request(kcp_server, namespace, None)
    assert code == 201, unbound
    assert _whoami(kcp_server, token) == 201

    assert kcp_server.request("DELETE", f"{base}/secrets/s1")[0] == 200
    review = _review(kcp_server, token)
    assert review == {
        "authenticated": False,
        "error": "[invalid bearer token, service account token has been invalidated]",
    }
    assert _whoami(kcp_server, token) == 401

    uid = _secret(kcp_server, namespace, "s1")["metadata"]["uid"]  # same name, a new object
    old_uid = _claims(token)["kubernetes.io"]["secret"]["uid"]
    why = f"secret UID ({uid}) does not match service account secret ref claim ({old_uid})"
    assert _review(kcp_server, token)["error"] == f"[invalid bearer token, {why}]"
    assert _whoami(kcp_server, token) == 401
    assert _whoami(kcp_server, unbound["status"]["token"]) == 201  # unbound tokens do not care


def test_a_token_names_why_its_service_account_no_longer_vouches(kcp_server: Server, namespace: str) -> None:
    base = f"/clusters/root/api/v1/namespaces/{namespace}"
    kcp_server.request("POST", f"{base}/serviceaccounts", {"apiVersion": "v1", "metadata": {"name": "bot"}})
    token = _token_request(kcp_server, namespace, None)[1]["status"]["token"]
    assert kcp_server.request("DELETE", f"{base}/serviceaccounts/bot")[0] == 200
    assert _review(kcp_server, token)["error"] == '[invalid bearer token, serviceaccounts "bot" not found]'
    _, sa, _ = kcp_server.request(
        "POST", f"{base}/serviceaccounts", {"apiVersion": "v1", "metadata": {"name": "bot"}}
    )
    old_uid = _claims(token)["kubernetes.io"]["serviceaccount"]["uid"]
    why = f"service account UID ({sa['metadata']['uid']}) does not match claim ({old_uid})"
    assert _review(kcp_server, token)["error"] == f"[invalid bearer token, {why}]"


def test_a_service_account_token_secret_gets_its_token(kcp_server: Server, namespace: str) -> None:
    base = f"/clusters/root/api/v1/namespaces/{namespace}"
    code, account, _ = kcp_server.request(
        "POST", f"{base}/serviceaccounts", {"apiVersion": "v1", "metadata": {"name": "legacy"}}
    )
    assert code == 201, account
    wanted = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/service-account-token",
        "metadata": {"name": "legacy-token", "annotations": {"kubernetes.io/service-account.name": "legacy"}},
    }
    code, secret, _ = kcp_server.request("POST", f"{base}/secrets", wanted)
    assert code == 201, secret
    annotations = secret["metadata"]["annotations"]
    assert annotations["kubernetes.io/service-account.uid"] == account["metadata"]["uid"]
    assert set(secret["data"]) == {"ca.crt", "namespace", "token"}
    assert base64.b64decode(secret["data"]["namespace"]).decode() == namespace
    assert base64.b64decode(secret["data"]["ca.crt"]) == (kcp_server.root / "ca.crt").read_bytes()
    token = base64.b64decode(secret["data"]["token"]).decode()
    assert _review(kcp_server, token)["user"]["username"] == f"system:serviceaccount:{namespace}:legacy"
    assert _whoami(kcp_server, token) == 201
    assert kcp_server.request("DELETE", f"{base}/secrets/legacy-token")[0] == 200
    assert _whoami(kcp_server, token) == 401  # it lives as long as its Secret
    orphan = {**wanted, "metadata": {**wanted["metadata"], "name": "orphan"}}
    orphan["metadata"]["annotations"] = {"kubernetes.io/service-account.name": "nobody"}
    code, secret, _ = kcp_server.request("POST", f"{base}/secrets", orphan)
    assert code == 201 and "data" not in secret  # no account: left as it was sent


def test_deleting_an_account_deletes_its_token_secrets(kcp_server: Server, namespace: str) -> None:
    """As kube's tokens controller: the account's token Secrets go with it; another account's and
    an Opaque Secret naming it stay."""
    base = f"/clusters/root/api/v1/namespaces/{namespace}"
    for account in ("gone", "kept"):
        code, body, _ = kcp_server.request(
            "POST", f"{base}/serviceaccounts", {"apiVersion": "v1", "metadata": {"name": account}}
        )
        assert code == 201, body

    def secret(name: str, account: str, kind: str) -> None:
        annotations = {"kubernetes.io/service-account.name": account}
        body = {"apiVersion": "v1", "type": kind, "metadata": {"name": name, "annotations": annotations}}
        code, made, _ = kcp_server.request("POST", f"{base}/secrets", body)
        assert code == 201, made

    token = "kubernetes.io/service-account-token"
    secret("gone-1", "gone", token)
    secret("gone-2", "gone", token)
    secret("gone-opaque", "gone", "Opaque")
    secret("kept-1", "kept", token)
    assert kcp_server.request("DELETE", f"{base}/serviceaccounts/gone")[0] == 200
    code, listing, _ = kcp_server.request("GET", f"{base}/secrets")
    assert code == 200, listing
    assert sorted(s["metadata"]["name"] for s in listing["items"]) == ["gone-opaque", "kept-1"]
