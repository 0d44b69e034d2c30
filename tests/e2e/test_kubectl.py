"""The real /usr/bin/kubectl against a real server, as a user drives it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.kubectl import KUBECTL, Kubectl, runner
from tests.support.server import Server

pytestmark = pytest.mark.skipif(not Path(KUBECTL).exists(), reason="kubectl is not installed")

WIDGET_CRD = textwrap.dedent("""\
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: widgets.example.com
    spec:
      group: example.com
      scope: Namespaced
      names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg], categories: [all]}
      versions:
      - name: v1
        served: true
        storage: true
        subresources: {status: {}}
        additionalPrinterColumns:
        - {name: Size, type: integer, jsonPath: .spec.size}
        schema:
          openAPIV3Schema:
            type: object
            properties:
              spec:
                type: object
                description: What the widget should be.
                required: [size]
                properties:
                  size: {type: integer, minimum: 1, description: How big.}
                  color: {type: string, enum: [red, blue], default: red}
                x-kubernetes-validations:
                - rule: "self.size < 100"
                  message: size must stay below 100
              status:
                type: object
                x-kubernetes-preserve-unknown-fields: true
    """)


@pytest.fixture(scope="module")
def kubectl(kcp_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    run = runner(kcp_server.kubeconfig, tmp_path_factory.mktemp("kubecache"))

    return run


def test_get_namespaces(kubectl: Kubectl) -> None:
    out = kubectl("get", "ns").stdout
    assert out.split("\n")[0].split() == ["NAME", "STATUS", "AGE"]
    for name in ("default", "kube-system", "kube-public"):
        assert name in out


def test_configmap_lifecycle(kubectl: Kubectl, namespace: str) -> None:
    kubectl("create", "configmap", "cfg", "-n", namespace, "--from-literal=a=1")
    assert "cfg" in kubectl("get", "cm", "-n", namespace).stdout
    kubectl("label", "cm", "cfg", "-n", namespace, "team=blue")
    kubectl("annotate", "cm", "cfg", "-n", namespace, "note=hello")
    kubectl("patch", "cm", "cfg", "-n", namespace, "-p", '{"data":{"b":"2"}}')
    obj = json.loads(kubectl("get", "cm", "cfg", "-n", namespace, "-o", "json").stdout)
    assert obj["data"] == {"a": "1", "b": "2"}
    assert obj["metadata"]["labels"]["team"] == "blue"
    assert obj["metadata"]["annotations"]["note"] == "hello"
    assert "team=blue" in kubectl("describe", "cm", "cfg", "-n", namespace).stdout
    assert "cfg" in kubectl("get", "cm", "-n", namespace, "-l", "team=blue").stdout
    kubectl("delete", "cm", "cfg", "-n", namespace)
    assert kubectl("get", "cm", "cfg", "-n", namespace, check=False).returncode != 0


def test_apply_client_and_server_side(kubectl: Kubectl, namespace: str) -> None:
    manifest = textwrap.dedent(f"""\
        apiVersion: v1
        kind: ConfigMap
        metadata: {{name: applied, namespace: {namespace}}}
        data: {{a: "1", b: "2"}}
        """)
    kubectl("apply", "-f", "-", stdin=manifest)
    kubectl("apply", "-f", "-", stdin=manifest.replace('b: "2"', 'c: "3"'))
    obj = json.loads(kubectl("get", "cm", "applied", "-n", namespace, "-o", "json").stdout)
    assert obj["data"] == {"a": "1", "c": "3"}
    ssa = manifest.replace("applied", "ssa")
    kubectl("apply", "--server-side", "-f", "-", stdin=ssa)
    kubectl("apply", "--server-side", "-f", "-", stdin=ssa.replace('a: "1", ', ""))
    obj = json.loads(kubectl("get", "cm", "ssa", "-n", namespace, "-o", "json").stdout)
    assert obj["data"] == {"b": "2"}


def test_edit_with_editor(kubectl: Kubectl, namespace: str, tmp_path: Path) -> None:
    kubectl("create", "configmap", "ed", "-n", namespace, "--from-literal=k=old")
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\np = sys.argv[1]\ns = open(p).read().replace('k: old', 'k: new')\nopen(p, 'w').write(s)\n"
    )
    kubectl("edit", "cm", "ed", "-n", namespace, extra_env={"KUBE_EDITOR": f"{sys.executable} {editor}"})
    assert kubectl("get", "cm", "ed", "-n", namespace, "-o", "jsonpath={.data.k}").stdout == "new"


def test_crd_apply_get_explain(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-f", "-", stdin=WIDGET_CRD)
    kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=20s")
    widget = (
        f"apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: w1, namespace: {namespace}}}\n"
        "spec: {size: 3}\n"
    )
    kubectl("apply", "-f", "-", stdin=widget)
    out = kubectl("get", "widgets", "-n", namespace).stdout
    assert out.split("\n")[0].split() == ["NAME", "SIZE"] and "w1" in out
    obj = json.loads(kubectl("get", "wg", "w1", "-n", namespace, "-o", "json").stdout)
    assert obj["spec"]["color"] == "red"
    bad = kubectl("apply", "-f", "-", stdin=widget.replace("size: 3", "size: 200"), check=False)
    assert bad.returncode != 0 and "size must stay below 100" in bad.stderr
    bad = kubectl("apply", "-f", "-", stdin=widget.replace("size: 3", "size: 3, color: green"), check=False)
    assert '* <nil>: Invalid value: "null": some validation rules were not checked' in bad.stderr
    assert "How big" in kubectl("explain", "widgets.spec.size").stdout
    assert "widgets" in kubectl("api-resources").stdout


def test_a_number_column_prints_as_kube_writes_it(kubectl: Kubectl) -> None:
    crd = textwrap.dedent("""\
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: meters.number.example.com}
        spec:
          group: number.example.com
          scope: Cluster
          names: {plural: meters, singular: meter, kind: Meter}
          versions:
          - name: v1
            served: true
            storage: true
            additionalPrinterColumns: [{name: Reading, type: number, jsonPath: .spec.reading}]
            schema:
              openAPIV3Schema:
                type: object
                properties: {spec: {type: object, properties: {reading: {type: number}}}}
        """)
    kubectl("apply", "-f", "-", stdin=crd)
    kubectl("wait", "--for=condition=Established", "crd/meters.number.example.com", "--timeout=20s")
    for name, reading in (("m1", "100000000"), ("m2", "2.5")):
        kubectl(
            "apply",
            "-f",
            "-",
            stdin=f"apiVersion: number.example.com/v1\nkind: Meter\nmetadata: {{name: {name}}}\n"
            f"spec: {{reading: {reading}}}\n",
        )
    rows = [line.split() for line in kubectl("get", "meters", "--no-headers").stdout.splitlines()]
    assert rows == [["m1", "100000000"], ["m2", "2.5"]]  # a float cell would print 1e+08
    kubectl("delete", "crd", "meters.number.example.com")


def test_get_with_a_field_selector_on_a_crds_selectable_field(kubectl: Kubectl, namespace: str) -> None:
    crd = textwrap.dedent("""\
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: wdgts.select.example.com}
        spec:
          group: select.example.com
          scope: Namespaced
          names: {plural: wdgts, singular: wdgt, kind: Wdgt, shortNames: [wd]}
          versions:
          - name: v1
            served: true
            storage: true
            selectableFields: [{jsonPath: .spec.color}]
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec: {type: object, properties: {color: {type: string}, size: {type: integer}}}
        """)
    kubectl("apply", "-f", "-", stdin=crd)
    kubectl("wait", "--for=condition=Established", "crd/wdgts.select.example.com", "--timeout=20s")
    for name, color in (("w1", "blue"), ("w2", "red")):
        obj = f"apiVersion: select.example.com/v1\nkind: Wdgt\nmetadata: {{name: {name}}}\n"
        obj += f"spec: {{color: {color}}}\n"
        kubectl("apply", "-n", namespace, "-f", "-", stdin=obj)
    blue = kubectl("get", "wd", "-A", "--field-selector", "spec.color=blue", "-o", "name").stdout.split()
    assert blue == ["wdgt.select.example.com/w1"]
    bad = kubectl("get", "wd", "-A", "--field-selector", "spec.size=1", check=False)
    assert bad.returncode == 1 and "field label not supported: spec.size" in bad.stderr
    kubectl("delete", "crd", "wdgts.select.example.com")


def test_explain_builtin(kubectl: Kubectl) -> None:
    assert "ConfigMap" in kubectl("explain", "configmaps").stdout
    # the v2 path asks for protobuf alone
    assert "immutable" in kubectl("explain", "configmaps", "--output=plaintext-openapiv2").stdout


def test_validate_warn_prints_the_servers_warnings(kubectl: Kubectl, namespace: str) -> None:
    manifest = (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: warned, namespace: {namespace}}}\nbogus: 1\n"
    )
    out = kubectl("apply", "--validate=warn", "-f", "-", stdin=manifest)
    assert 'Warning: unknown field "bogus"' in out.stderr


def test_auth_can_i_and_whoami(kubectl: Kubectl) -> None:
    assert kubectl("auth", "can-i", "create", "configmaps").stdout.strip() == "yes"
    assert "kcp-admin" in kubectl("auth", "whoami").stdout


def test_create_token(kubectl: Kubectl, namespace: str) -> None:
    kubectl("create", "serviceaccount", "bot", "-n", namespace)
    token = kubectl("create", "token", "bot", "-n", namespace).stdout.strip()
    assert token.count(".") == 2
    bound = ("create", "token", "bot", "-n", namespace, "--bound-object-kind=Secret")
    missing = kubectl(*bound, "--bound-object-name=nope", check=False)
    assert missing.returncode == 1 and 'secrets "nope" not found' in missing.stderr
    kubectl("create", "secret", "generic", "holder", "-n", namespace)
    stale = kubectl(*bound, "--bound-object-name=holder", "--bound-object-uid=123", check=False)
    assert "the UID in the bound object reference (123) does not match" in stale.stderr
    bound_token = kubectl(*bound, "--bound-object-name=holder").stdout.strip()
    as_bot = ("auth", "whoami", "--token", bound_token, "-o", "jsonpath={.status.userInfo.username}")
    assert kubectl(*as_bot).stdout == f"system:serviceaccount:{namespace}:bot"
    kubectl("delete", "secret", "holder", "-n", namespace)
    assert "Unauthorized" in kubectl(*as_bot, check=False).stderr


def test_deleted_root_ca_and_default_account_come_back(kubectl: Kubectl, namespace: str) -> None:
    kubectl("create", "configmap", "mine", "-n", namespace, "--from-literal=a=b")
    out = kubectl("delete", "cm", "--all", "-n", namespace).stdout
    assert 'configmap "kube-root-ca.crt" deleted' in out and 'configmap "mine" deleted' in out
    kubectl("delete", "sa", "default", "-n", namespace)
    assert kubectl("get", "cm", "-n", namespace, "-o", "name").stdout.split() == [
        "configmap/kube-root-ca.crt"
    ]
    assert kubectl("get", "sa", "-n", namespace, "-o", "name").stdout.split() == ["serviceaccount/default"]


def test_get_watch(kubectl: Kubectl, kcp_server: Server, namespace: str) -> None:
    kubectl("create", "configmap", "first", "-n", namespace, "--from-literal=a=b")
    proc = subprocess.Popen(
        [KUBECTL, "get", "cm", "-n", namespace, "-w", "--request-timeout=8s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KUBECONFIG": str(kcp_server.kubeconfig)},
    )
    try:
        kubectl("create", "configmap", "watched", "-n", namespace, "--from-literal=a=b")
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    rows = [line.split() for line in out.splitlines()]
    # one header, then a row per event with every column: each event is a Table row, headers once
    assert rows[0] == ["NAME", "DATA", "AGE"] and ["NAME", "DATA", "AGE"] not in rows[1:], out
    assert [r[:2] for r in rows[1:]] == [["first", "1"], ["kube-root-ca.crt", "1"], ["watched", "1"]], out


def test_health_under_a_workspace_and_a_shard_wide_get(kubectl: Kubectl, kcp_server: Server) -> None:
    """kcp answers the health paths under any cluster's prefix, and a system:masters user (the
    system:admin context) lists across workspaces with plain kubectl, discovery included."""
    assert kubectl("get", "--raw", "/clusters/root/readyz").stdout == "ok"
    assert kubectl("get", "--raw", "/clusters/root/livez/etcd").stdout == "ok"
    server = f"{kcp_server.base_url}/clusters/*"
    out = kubectl("--context", "system:admin", "--server", server, "get", "ns", "-A", "-o", "name").stdout
    assert "namespace/default" in out.splitlines()
    out = kubectl("--context", "system:admin", "--server", server, "api-resources", "-o", "name").stdout
    assert "configmaps" in out.split()
