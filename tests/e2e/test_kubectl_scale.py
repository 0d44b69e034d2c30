"""`kubectl scale` on a custom resource with a scale subresource, with the real /usr/bin/kubectl."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.support.kubectl import KUBECTL, Kubectl, runner
from tests.support.server import Server

pytestmark = pytest.mark.skipif(not Path(KUBECTL).exists(), reason="kubectl is not installed")

FLEET_CRD = textwrap.dedent("""\
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: fleets.scale.example.com
    spec:
      group: scale.example.com
      scope: Namespaced
      names: {plural: fleets, singular: fleet, kind: Fleet}
      versions:
      - name: v1
        served: true
        storage: true
        subresources:
          status: {}
          scale:
            specReplicasPath: .spec.replicas
            statusReplicasPath: .status.replicas
            labelSelectorPath: .status.selector
        schema:
          openAPIV3Schema:
            type: object
            properties:
              spec:
                type: object
                properties:
                  replicas: {type: integer}
              status:
                type: object
                properties:
                  replicas: {type: integer}
                  selector: {type: string}
    """)


@pytest.fixture(scope="module")
def kubectl(kcp_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    run = runner(kcp_server.kubeconfig, tmp_path_factory.mktemp("kubecache"))

    run("apply", "-f", "-", stdin=FLEET_CRD)
    run("wait", "--for=condition=Established", "crd/fleets.scale.example.com", "--timeout=20s")
    return run


def replicas(kubectl: Kubectl, namespace: str) -> int:
    obj = json.loads(kubectl("get", "fleet", "f1", "-n", namespace, "-o", "json").stdout)
    return int(obj["spec"]["replicas"])


def test_kubectl_scale(kubectl: Kubectl, namespace: str) -> None:
    fleet = f"apiVersion: scale.example.com/v1\nkind: Fleet\nmetadata: {{name: f1, namespace: {namespace}}}\n"
    kubectl("apply", "-f", "-", stdin=fleet + "spec: {replicas: 1}\n")
    out = kubectl("scale", "fleet", "f1", "-n", namespace, "--replicas=3").stdout
    assert "fleet.scale.example.com/f1 scaled" in out
    assert replicas(kubectl, namespace) == 3

    # a precondition makes kubectl read the Scale and PUT it back
    kubectl("scale", "fleet", "f1", "-n", namespace, "--current-replicas=3", "--replicas=5")
    assert replicas(kubectl, namespace) == 5
    refused = kubectl(
        "scale", "fleet", "f1", "-n", namespace, "--current-replicas=3", "--replicas=7", check=False
    )
    assert refused.returncode != 0 and "Expected replicas to be 3, was 5" in refused.stderr
    stale = kubectl(
        "scale", "fleet", "f1", "-n", namespace, "--resource-version=1", "--replicas=7", check=False
    )
    assert stale.returncode != 0
    assert replicas(kubectl, namespace) == 5

    kubectl("scale", "fleet", "f1", "-n", namespace, "--replicas=9", "--dry-run=server")
    assert replicas(kubectl, namespace) == 5
    scale = json.loads(
        kubectl("get", "fleet", "f1", "-n", namespace, "--subresource=scale", "-o", "json").stdout
    )
    assert scale["kind"] == "Scale" and scale["spec"] == {"replicas": 5}
