"""Authorization as a non-admin user sees it: RBAC grants, escalation refusal, impersonation, certs."""

from __future__ import annotations

import base64
import ssl
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from kcp.server.pki import ensure_pki
from tests.support.certificates import csr_object, csr_pem, self_signed
from tests.support.server import Server, running

ROOT = "/clusters/root"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("access") / "root", "--batteries-included=+user") as srv:
        yield srv


def user_token(server: Server) -> str:
    users = {u["name"]: u["user"] for u in server.config()["users"]}
    return str(users["user"]["token"])


def binding(name: str, role: str, user: str, kind: str = "ClusterRole") -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": name, "namespace": "default"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
        "subjects": [{"kind": "User", "name": user, "apiGroup": "rbac.authorization.k8s.io"}],
    }


def test_rbac_grants_and_denies(server: Server) -> None:
    token = user_token(server)
    code, body, _ = server.request("GET", f"{ROOT}/api/v1/namespaces/default/configmaps", token=token)
    assert code == 403 and body["reason"] == "Forbidden" and 'User "user" cannot list' in body["message"]
    code, body, _ = server.request("GET", f"{ROOT}/api", token=token)
    assert code == 200  # discovery is for every authenticated user
    code, body, _ = server.request(
        "POST",
        f"{ROOT}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        token=token,
        body={
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {
                "resourceAttributes": {"verb": "list", "resource": "configmaps", "namespace": "default"}
            },
        },
    )
    assert code == 201 and body["status"]["allowed"] is False
    code, _, _ = server.request(
        "POST",
        f"{ROOT}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        binding("user-view", "view", "user"),
    )
    assert code == 201
    code, body, _ = server.request("GET", f"{ROOT}/api/v1/namespaces/default/configmaps", token=token)
    assert code == 200
    code, body, _ = server.request(
        "POST",
        f"{ROOT}/api/v1/namespaces/default/configmaps",
        token=token,
        body={"metadata": {"name": "nope"}},
    )
    assert code == 403


def test_escalation_is_refused(server: Server) -> None:
    token = user_token(server)
    server.request(
        "POST",
        f"{ROOT}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        binding("user-rbac", "rbac-writer", "user", "Role"),
    )
    server.request(
        "POST",
        f"{ROOT}/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        {
            "metadata": {"name": "rbac-writer"},
            "rules": [
                {
                    "apiGroups": ["rbac.authorization.k8s.io"],
                    "resources": ["roles", "rolebindings"],
                    "verbs": ["create", "get", "list"],
                }
            ],
        },
    )
    greedy = {
        "metadata": {"name": "greedy"},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]}],
    }
    code, body, _ = server.request(
        "POST", f"{ROOT}/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", greedy, token=token
    )
    assert code == 403 and "attempting to grant RBAC permissions not currently held" in body["message"]
    code, body, _ = server.request(
        "POST",
        f"{ROOT}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        binding("grab-admin", "cluster-admin", "user"),
        token=token,
    )
    assert code == 403


def test_impersonation(server: Server) -> None:
    req = urllib.request.Request(
        server.base_url + f"{ROOT}/apis/authentication.k8s.io/v1/selfsubjectreviews",
        data=orjson.dumps({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}),
        method="POST",
    )
    req.add_header("Authorization", f"Bearer {server.token}")
    req.add_header("Content-Type", "application/json")
    req.add_header("Impersonate-User", "alice")
    req.add_header("Impersonate-Group", "devs")
    with urllib.request.urlopen(req, context=server.ssl_context()) as resp:
        info = orjson.loads(resp.read())["status"]["userInfo"]
    assert info["username"] == "alice" and "devs" in info["groups"]
    req.remove_header("Authorization")
    req.add_header("Authorization", f"Bearer {user_token(server)}")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, context=server.ssl_context())
    assert err.value.code == 403


def test_client_certificate(server: Server) -> None:
    pki = ensure_pki(server.root, [])
    cert, key = pki.issue_client_cert("carol", ("system:masters",))
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "c.pem").write_bytes(cert)
        (Path(tmp) / "k.pem").write_bytes(key)
        ctx: ssl.SSLContext = server.ssl_context()
        ctx.load_cert_chain(Path(tmp) / "c.pem", Path(tmp) / "k.pem")
        req = urllib.request.Request(server.base_url + f"{ROOT}/api/v1/namespaces")
        with urllib.request.urlopen(req, context=ctx) as resp:
            assert resp.status == 200


def test_wildcard_is_list_and_watch_only(server: Server) -> None:
    shard = {u["name"]: u["user"] for u in server.config()["users"]}["shard-admin"]["token"]
    code, body, _ = server.request("GET", "/clusters/*/api/v1/namespaces", token=shard)
    assert code == 200 and {i["metadata"]["annotations"]["kcp.io/cluster"] for i in body["items"]} >= {"root"}
    code, body, _ = server.request(
        "POST", "/clusters/*/api/v1/namespaces", {"metadata": {"name": "x"}}, token=shard
    )
    assert (code, body["message"], body["details"]) == (
        405,
        'create is not supported on resources of kind "namespaces" in the `*` logical cluster',
        {"kind": "namespaces"},
    )
    code, body, _ = server.request(
        "DELETE", "/clusters/*/apis/rbac.authorization.k8s.io/v1/clusterroles/x", token=shard
    )
    assert body["message"] == (
        'delete is not supported on resources of kind "clusterroles.rbac.authorization.k8s.io" '
        "in the `*` logical cluster"
    )
    code, _, _ = server.request("GET", "/clusters/*/api/v1/namespaces", token=user_token(server))
    assert code == 403
    code, body, _ = server.request("GET", "/clusters/*/api/v1/configmaps")  # kcp-admin: no system:masters
    assert (code, body["message"]) == (
        403,
        'configmaps is forbidden: User "kcp-admin" cannot list resource "configmaps" in API group "" '
        "at the cluster scope: empty cluster name",
    )
    code, body, _ = server.request("GET", "/clusters/*/api")
    assert (code, body["message"]) == (
        403,
        'forbidden: User "kcp-admin" cannot get path "/api": empty cluster name',
    )


def impersonated(server: Server, path: str, user: str) -> tuple[int, Any]:
    req = urllib.request.Request(server.base_url + path)
    req.add_header("Authorization", f"Bearer {server.token}")
    req.add_header("Impersonate-User", user)
    try:
        with urllib.request.urlopen(req, context=server.ssl_context(), timeout=30) as resp:
            return resp.status, orjson.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, orjson.loads(e.read())


def test_unknown_paths_reveal_nothing_to_outsiders(server: Server) -> None:
    """Below a workspace one may not enter, a missing child and an existing one answer alike (403);
    whoever may enter the parent learns that the child does not exist (404)."""
    name = f"private-{uuid.uuid4().hex[:6]}"
    ws = {"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace", "metadata": {"name": name}}
    assert server.request("POST", f"{ROOT}/apis/tenancy.kcp.io/v1alpha1/workspaces", ws)[0] == 201
    deadline = time.monotonic() + 15
    while server.request("GET", f"/clusters/root:{name}/api")[0] != 200:
        assert time.monotonic() < deadline, "workspace never became usable"
        time.sleep(0.05)
    outsider = f"outsider-{uuid.uuid4().hex[:6]}"
    answers = {}
    for child in (name, f"{name}:missing"):
        code, body = impersonated(server, f"/clusters/root:{child}/api/v1/namespaces", outsider)
        assert code == 403, body
        answers[child] = body["message"]
    expected = (
        f'namespaces is forbidden: User "{outsider}" cannot list resource "namespaces" in API group "" '
        "at the cluster scope: workspace access not permitted"
    )
    assert set(answers.values()) == {expected}
    code, body, _ = server.request("GET", f"/clusters/root:{name}:missing/api/v1/namespaces")
    assert code == 404 and body["details"]["kind"] == "workspaces", body


def test_every_authenticated_user_reads_roots_tenancy_objects(server: Server) -> None:
    """kcp binds system:kcp:tenancy:reader to system:authenticated in root: workspaces, types and the
    cluster may be read there, and nothing more."""
    token = user_token(server)
    for path in (
        "/apis/tenancy.kcp.io/v1alpha1/workspaces",
        "/apis/tenancy.kcp.io/v1alpha1/workspacetypes",
        "/apis/core.kcp.io/v1alpha1/logicalclusters/cluster",
    ):
        assert server.request("GET", f"{ROOT}{path}", token=token)[0] == 200, path
    assert server.request("GET", f"{ROOT}/api/v1/namespaces", token=token)[0] == 403
    assert (
        server.request("DELETE", f"{ROOT}/apis/tenancy.kcp.io/v1alpha1/workspacetypes/team", token=token)[0]
        == 403
    )


def test_csr_decisions_need_the_signers_approve_and_sign(server: Server) -> None:
    """kube's CertificateApproval, CertificateSigning and CertificateSubjectRestriction admission."""
    rbac, suffix = f"{ROOT}/apis/rbac.authorization.k8s.io/v1", uuid.uuid4().hex[:6]
    base = f"{ROOT}/apis/certificates.k8s.io/v1/certificatesigningrequests"
    writer = {
        "apiGroups": ["certificates.k8s.io"],
        "resources": [f"certificatesigningrequests{sub}" for sub in ("", "/approval", "/status")],
        "verbs": ["create", "get", "update"],
    }

    def grant(role: str, rules: list[dict[str, Any]]) -> None:
        meta = {"name": f"{role}-{suffix}"}
        server.request(
            "POST", f"{rbac}/clusterroles", {"kind": "ClusterRole", "metadata": meta, "rules": rules}
        )
        bound = binding(meta["name"], meta["name"], "user") | {"kind": "ClusterRoleBinding", "metadata": meta}
        code, body, _ = server.request("POST", f"{rbac}/clusterrolebindings", bound)
        assert code == 201, body

    grant("csr-writer", [writer])
    token, name = user_token(server), f"csr-{suffix}"
    masters, _ = csr_pem("mallory", ("system:masters",))
    code, body, _ = server.request("POST", base, csr_object(name, masters), token=token)
    assert (code, body["message"]) == (
        403,
        f'certificatesigningrequests.certificates.k8s.io "{name}" is forbidden: use of '
        "kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed",
    )
    code, csr, _ = server.request("POST", base, csr_object(name, csr_pem("user")[0]), token=token)
    assert code == 201 and csr["spec"]["username"] == "user", csr
    code, body, _ = server.request("PUT", f"{base}/{name}/approval", csr, token=token)
    assert code == 403, body  # any write to approval, even one deciding nothing
    csr["status"] = {"conditions": [{"type": "Approved", "status": "True"}]}
    code, body, _ = server.request("PUT", f"{base}/{name}/approval", csr, token=token)
    assert (code, body["message"]) == (
        403,
        f'certificatesigningrequests.certificates.k8s.io "{name}" is forbidden: user not permitted to '
        'approve requests with signerName "kubernetes.io/kube-apiserver-client"',
    )
    signers = {"apiGroups": ["certificates.k8s.io"], "resources": ["signers"], "verbs": ["approve"]}
    grant("csr-approver", [signers | {"resourceNames": ["kubernetes.io/*"]}])
    code, approved, _ = server.request("PUT", f"{base}/{name}/approval", csr, token=token)
    assert code == 200, approved
    approved["status"]["certificate"] = base64.b64encode(self_signed("user")).decode()
    code, body, _ = server.request("PUT", f"{base}/{name}/status", approved, token=token)
    assert code == 403 and body["message"].endswith(
        'user not permitted to sign requests with signerName "kubernetes.io/kube-apiserver-client"'
    )
