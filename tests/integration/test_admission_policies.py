"""Validating admission policies over HTTP: kube's Status for a denial, the Warning header, the
status subresource, refused policies, and a policy affecting only its own workspace."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.server import Server

ADMISSION = "/apis/admissionregistration.k8s.io/v1"
RULES = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["configmaps"]}]


def workspace(kcp_server: Server) -> str:
    name = f"vap-{uuid.uuid4().hex[:8]}"
    code, body, _ = kcp_server.request(
        "POST", "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces", {"metadata": {"name": name}}
    )
    assert code == 201 and body["status"]["phase"] == "Ready", body
    return f"/clusters/root:{name}"


def policy(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name},
        "spec": {"matchConstraints": {"resourceRules": RULES}, **spec},
    }


def binding(name: str, policy_name: str, *actions: str) -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name},
        "spec": {"policyName": policy_name, "validationActions": list(actions)},
    }


def configmap(kcp_server: Server, base: str, name: str) -> tuple[int, Any, dict[str, str]]:
    return kcp_server.request(
        "POST", f"{base}/api/v1/namespaces/default/configmaps", {"metadata": {"name": name}}
    )


def until_denied(kcp_server: Server, base: str, name: str) -> tuple[int, Any, dict[str, str]]:
    """The first create the policy decides: a binding reaches the server's cache by its watch."""
    for _ in range(200):
        answer = configmap(kcp_server, base, name)
        if answer[0] != 201 or answer[2].get("Warning"):
            return answer
        kcp_server.request("DELETE", f"{base}/api/v1/namespaces/default/configmaps/{name}")
    raise AssertionError("the policy never applied")


def test_a_denial_is_kubes_status_and_other_workspaces_are_untouched(kcp_server: Server) -> None:
    base, other = workspace(kcp_server), workspace(kcp_server)
    validation = {"expression": "object.metadata.name != 'x'", "message": "not x", "reason": "Forbidden"}
    for obj, resource in (
        (policy("p", validations=[validation]), "validatingadmissionpolicies"),
        (binding("b", "p", "Deny"), "validatingadmissionpolicybindings"),
    ):
        code, body, _ = kcp_server.request("POST", f"{base}{ADMISSION}/{resource}", obj)
        assert code == 201, body
    code, body, _ = until_denied(kcp_server, base, "x")
    why = "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: not x"
    assert (code, body["reason"], body["message"]) == (
        403,
        "Forbidden",
        f'configmaps "x" is forbidden: {why}',
    )
    assert body["details"] == {"name": "x", "kind": "configmaps", "causes": [{"message": why}]}
    assert configmap(kcp_server, other, "x")[0] == 201


def test_warn_is_a_warning_header(kcp_server: Server) -> None:
    base = workspace(kcp_server)
    kcp_server.request(
        "POST",
        f"{base}{ADMISSION}/validatingadmissionpolicies",
        policy("p", validations=[{"expression": "false"}]),
    )
    kcp_server.request(
        "POST", f"{base}{ADMISSION}/validatingadmissionpolicybindings", binding("b", "p", "Warn", "Audit")
    )
    code, _, headers = until_denied(kcp_server, base, "x")
    assert code == 201
    assert headers["Warning"] == (
        "299 - \"Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': "
        'failed expression: false"'
    )


def test_status_is_the_servers_and_bad_policies_are_refused(kcp_server: Server) -> None:
    base = workspace(kcp_server)
    url = f"{base}{ADMISSION}/validatingadmissionpolicies"
    code, body, _ = kcp_server.request(
        "POST",
        url,
        {**policy("p", validations=[{"expression": "true"}]), "status": {"observedGeneration": 7}},
    )
    assert code == 201 and "observedGeneration" not in body.get("status", {}), body
    assert body["spec"]["failurePolicy"] == "Fail" and body["metadata"]["generation"] == 1
    body["status"] = {"observedGeneration": 1, "typeChecking": {}}
    code, body, _ = kcp_server.request("PUT", f"{url}/p/status", body)
    assert code == 200 and body["status"]["observedGeneration"] == 1, body
    code, body, _ = kcp_server.request("POST", url, policy("q", validations=[{"expression": "object.x +"}]))
    assert code == 422 and body["details"]["causes"][0]["field"] == "spec.validations[0].expression", body
    code, body, _ = kcp_server.request("POST", url, {**policy("r"), "spec": "not an object"})
    assert code == 400, body
