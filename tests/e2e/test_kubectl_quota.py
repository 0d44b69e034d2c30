"""`kubectl create quota`, `describe quota`, apply and explain, and a create refused with kube's
message until a delete frees the slot, with the real /usr/bin/kubectl."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.support.kubectl import KUBECTL, Kubectl, runner
from tests.support.server import Server

pytestmark = pytest.mark.skipif(not Path(KUBECTL).exists(), reason="kubectl is not installed")


@pytest.fixture(scope="module")
def kubectl(kcp_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    run = runner(kcp_server.kubeconfig, tmp_path_factory.mktemp("kubecache"))

    return run


def test_create_describe_refuse_and_free(kubectl: Kubectl, namespace: str) -> None:
    ns = ("-n", namespace)
    kubectl("create", "quota", "q", "--hard=configmaps=2,count/secrets=1,limits.memory=1Gi", *ns)
    table = kubectl("get", "quota", *ns).stdout.splitlines()
    assert table[0].split() == ["NAME", "AGE", "REQUEST", "LIMIT"]
    assert "configmaps: 1/2, count/secrets: 0/1" in table[1] and "limits.memory: 0/1Gi" in table[1]
    described = kubectl("describe", "quota", "q", *ns).stdout
    assert [line.split() for line in described.splitlines()[2:]] == [
        ["Resource", "Used", "Hard"],
        ["--------", "----", "----"],
        ["configmaps", "1", "2"],
        ["count/secrets", "0", "1"],
        ["limits.memory", "0", "1Gi"],
    ]
    kubectl("create", "configmap", "a", *ns)
    refused = kubectl("create", "configmap", "b", *ns, check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'error: failed to create configmap: configmaps "b" is forbidden: exceeded quota: q, '
        "requested: configmaps=1, used: configmaps=2, limited: configmaps=2"
    )
    kubectl("delete", "configmap", "a", *ns)
    kubectl("create", "configmap", "b", *ns)
    obj = json.loads(kubectl("get", "quota", "q", *ns, "-o", "json").stdout)
    assert obj["status"]["used"] == {"configmaps": "2", "count/secrets": "0", "limits.memory": "0"}


def test_apply_yaml_numbers_and_explain(kubectl: Kubectl, namespace: str) -> None:
    manifest = textwrap.dedent("""\
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: counts}
        spec:
          hard: {count/secrets: 1000, secrets: 2}
        """)
    kubectl("apply", "-n", namespace, "-f", "-", stdin=manifest)
    assert "count/secrets: 1k" in kubectl("get", "quota", "counts", "-n", namespace, "-o", "yaml").stdout
    kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "-n",
        namespace,
        "-f",
        "-",
        stdin=manifest.replace("2}", "3}"),
    )
    assert "secrets: 0/3" in kubectl("get", "quota", "counts", "-n", namespace).stdout
    bad = kubectl(
        "apply", "-n", namespace, "-f", "-", stdin=manifest.replace("secrets: 2", "secrets: -1"), check=False
    )
    assert 'spec.hard[secrets]: Invalid value: "-1": must be greater than or equal to 0' in bad.stderr
    explained = kubectl("explain", "resourcequota.spec").stdout
    assert "hard" in explained and "scopeSelector" in explained
