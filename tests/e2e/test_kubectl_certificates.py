"""The "add a user with a client certificate" flow up to the approval, with the real /usr/bin/kubectl in
a workspace: apply a CSR, list it with kube's columns, approve and deny it (a protobuf PUT to
/approval), describe and explain it. kcp runs no CSR signer, so an approved request stays unsigned."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import pytest
import yaml

from tests.support.certificates import csr_object, csr_pem
from tests.support.kubectl import KUBECTL, Kubectl, runner
from tests.support.polling import eventually
from tests.support.server import Server
from tests.support.workspaces import WS

pytestmark = pytest.mark.skipif(not Path(KUBECTL).exists(), reason="kubectl is not installed")


@pytest.fixture(scope="module")
def kubectl(kcp_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return runner(kcp_server.kubeconfig, tmp_path_factory.mktemp("kubecache"))


@pytest.fixture(scope="module")
def in_workspace(kcp_server: Server, kubectl: Kubectl) -> Kubectl:
    """kubectl pointed at a fresh workspace under root, where each workspace keeps its own CSRs."""
    name = f"csr-{uuid.uuid4().hex[:6]}"
    body = {"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace", "metadata": {"name": name}}
    code, created, _ = kcp_server.request("POST", f"/clusters/root{WS}", body)
    assert code == 201, created
    eventually(
        lambda: (
            kcp_server.request("GET", f"/clusters/root{WS}/{name}")[1].get("status", {}).get("phase")
            == "Ready"
        ),
        f"workspace {name} Ready",
    )
    server = f"--server={kcp_server.base_url}/clusters/root:{name}"
    return lambda *args, **kwargs: kubectl(server, *args, **kwargs)


def test_apply_get_approve_deny_describe(in_workspace: Kubectl, kubectl: Kubectl) -> None:
    joao, maria = (f"{user}-{uuid.uuid4().hex[:6]}" for user in ("joao", "maria"))
    root, kubectl = kubectl, in_workspace
    request, _ = csr_pem("joao", ("dev",))
    manifest = csr_object(joao, request, expirationSeconds=86400, username="someone-else")
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump(manifest))
    kubectl("create", "-f", "-", stdin=yaml.safe_dump(csr_object(maria, csr_pem("maria")[0])))
    table = kubectl("get", "csr", joao).stdout.splitlines()
    assert table[0].split() == ["NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION", "CONDITION"]
    assert table[1].split()[2:] == ["kubernetes.io/kube-apiserver-client", "kcp-admin", "24h", "Pending"]

    assert kubectl("certificate", "approve", joao).stdout.strip() == (
        f"certificatesigningrequest.certificates.k8s.io/{joao} approved"
    )
    kubectl("certificate", "deny", maria)
    rows = {r.split()[0]: r.split() for r in kubectl("get", "csr").stdout.splitlines()[1:]}
    assert rows[joao][-1] == "Approved" and rows[maria][-2:] == ["<none>", "Denied"]
    again = kubectl("certificate", "deny", joao, check=False)
    assert again.returncode == 1 and f'"{joao}" is already Approved' in again.stderr

    obj = json.loads(kubectl("get", "csr", joao, "-o", "json").stdout)
    (cond,) = obj["status"]["conditions"]
    assert (cond["type"], cond["reason"]) == ("Approved", "KubectlApprove")
    assert base64.b64decode(obj["spec"]["request"]) == request and "certificate" not in obj["status"]
    described = kubectl("describe", "csr", joao).stdout
    for line in (
        "Requesting User:     kcp-admin",
        "Requested Duration:  24h",
        "Status:              Approved",
    ):
        assert line in described, described
    assert "Common Name:    joao" in described and "Organization:   dev" in described

    selected = kubectl("get", "csr", "--field-selector", "spec.signerName=example.com/none").stderr
    assert selected.strip() == "No resources found"
    assert joao not in root("get", "csr", "-o", "name").stdout
    explained = kubectl("explain", "csr.spec").stdout
    assert "signerName\t<string> -required-" in explained and "request\t<string> -required-" in explained


def test_a_bad_request_is_refused_with_kubes_message(kubectl: Kubectl) -> None:
    manifest = csr_object("bad", b"not a pem\n", usages=["client auth", "client auth"])
    refused = kubectl("create", "-f", "-", stdin=yaml.safe_dump(manifest), check=False)
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[1:] == [
        "* spec.request: Invalid value: []byte{0x6e, 0x6f, 0x74, 0x20, 0x61, 0x20, 0x70, 0x65, 0x6d, 0xa}: "
        "PEM block type must be CERTIFICATE REQUEST",
        '* spec.usages[1]: Duplicate value: "client auth"',
    ]
