"""ValidatingAdmissionPolicies driven by the real kubectl in a workspace of their own: apply, get,
explain, a create denied with kube's message, a Warn binding's warning, and no effect elsewhere."""

from __future__ import annotations

import os
import subprocess
import textwrap
import uuid
from pathlib import Path

import pytest

from tests.support.server import Server

KUBECTL = "/usr/bin/kubectl"
pytestmark = pytest.mark.skipif(not Path(KUBECTL).exists(), reason="kubectl is not installed")
DENIED = "ValidatingAdmissionPolicy 'small-configmaps.example.com' with binding 'deny' denied request"
POLICY = textwrap.dedent("""\
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicy
    metadata: {name: small-configmaps.example.com}
    spec:
      matchConstraints:
        resourceRules:
        - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [configmaps]}
      variables:
      - {name: keys, expression: "has(object.data) ? size(object.data) : 0"}
      validations:
      - expression: "variables.keys <= 2"
        messageExpression: "'at most 2 keys, got ' + string(variables.keys)"
      - expression: "!object.metadata.name.startsWith('tmp-')"
        message: temporary names are not allowed
    ---
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicyBinding
    metadata: {name: deny}
    spec:
      policyName: small-configmaps.example.com
      validationActions: [Deny]
      matchResources: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: default}}}
    ---
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingAdmissionPolicyBinding
    metadata: {name: warn}
    spec:
      policyName: small-configmaps.example.com
      validationActions: [Warn]
      matchResources: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}
    """)


def test_a_policy_applied_with_kubectl_denies_and_warns_in_its_workspace_only(
    kcp_server: Server, tmp_path: Path
) -> None:
    name = f"vap-{uuid.uuid4().hex[:8]}"
    code, body, _ = kcp_server.request(
        "POST", "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces", {"metadata": {"name": name}}
    )
    assert code == 201 and body["status"]["phase"] == "Ready", body
    env = {**os.environ, "KUBECONFIG": str(kcp_server.kubeconfig), "KUBECACHEDIR": str(tmp_path)}

    def kubectl(
        *args: str, stdin: str | None = None, where: str = f"root:{name}"
    ) -> subprocess.CompletedProcess[str]:
        server = f"--server={kcp_server.base_url}/clusters/{where}"
        return subprocess.run(
            [KUBECTL, server, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
        )

    applied = kubectl("apply", "-f", "-", stdin=POLICY)
    assert applied.returncode == 0, applied.stderr
    assert "validatingadmissionpolicy.admissionregistration.k8s.io/small-configmaps.example.com created" in (
        applied.stdout
    )
    table = kubectl("get", "validatingadmissionpolicies").stdout.splitlines()
    assert table[0].split() == ["NAME", "VALIDATIONS", "PARAMKIND", "AGE"]
    assert table[1].split()[:3] == ["small-configmaps.example.com", "2", "<unset>"]
    table = kubectl("get", "validatingadmissionpolicybindings").stdout.splitlines()
    assert table[0].split() == ["NAME", "POLICYNAME", "PARAMREF", "AGE"]
    assert [row.split()[:3] for row in table[1:]] == [
        ["deny", "small-configmaps.example.com", "<unset>"],
        ["warn", "small-configmaps.example.com", "<unset>"],
    ]
    explained = kubectl("explain", "validatingadmissionpolicy.spec.validations.messageExpression")
    assert explained.returncode == 0 and "FIELD: messageExpression <string>" in explained.stdout

    denied = kubectl("create", "configmap", "tmp-x", "-n", "default")
    assert denied.returncode != 0
    assert f'configmaps "tmp-x" is forbidden: {DENIED}: temporary names are not allowed' in denied.stderr
    big = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big, namespace: default}\n"
    big += "data: {a: '1', b: '2', c: '3'}\n"
    denied = kubectl("apply", "-f", "-", stdin=big)
    assert denied.returncode != 0
    assert f'The configmaps "big" is invalid: : {DENIED}: at most 2 keys, got 3' in denied.stderr
    assert kubectl("create", "configmap", "fine", "-n", "default").returncode == 0

    warned = kubectl("create", "configmap", "tmp-y", "-n", "kube-system")
    assert warned.returncode == 0, warned.stderr
    assert (
        "Warning: Validation failed for ValidatingAdmissionPolicy 'small-configmaps.example.com' with "
        "binding 'warn': temporary names are not allowed"
    ) in warned.stderr

    elsewhere = kubectl("create", "configmap", f"tmp-{name}", "-n", "default", where="root")
    assert elsewhere.returncode == 0, elsewhere.stderr
    kubectl("delete", "configmap", f"tmp-{name}", "-n", "default", where="root")
