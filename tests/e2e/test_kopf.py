"""kopf, the Python operator framework, runs unmodified against a workspace URL.

The operator is a separate `kopf run` process whose kubeconfig points at `/clusters/root:<ws>`:
it watches a CRD served only in that workspace, patches status, adopts a child ConfigMap (the
garbage collector removes it with its owner), drives its finalizer through deletion, and serves
validating and mutating admission webhooks it registers itself.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kcp.server import pki
from tests.support.polling import eventually
from tests.support.registry import schemaless_crd
from tests.support.server import Server, free_port

pytest.importorskip("kopf")

OPERATOR = """
import os

import kopf
import kubernetes


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_):
    settings.watching.server_timeout = 10
    settings.admission.server = kopf.WebhookServer(
        addr="127.0.0.1", host="127.0.0.1", port=int(os.environ["HOOK_PORT"]),
        certfile=os.environ["HOOK_CERT"], pkeyfile=os.environ["HOOK_KEY"], cafile=os.environ["HOOK_CA"],
    )
    settings.admission.managed = "auto.kopf.dev"  # kopf registers its webhook configurations itself
    kubernetes.config.load_kube_config()


@kopf.on.validate("example.com", "v1", "widgets")
def small_enough(spec, **_):
    if spec.get("size", 0) > 10:
        raise kopf.AdmissionError("widgets are at most 10 big", code=422)


@kopf.on.mutate("example.com", "v1", "widgets")
def labelled(patch, **_):
    patch.metadata.setdefault("labels", {})["checked-by"] = "kopf"


@kopf.on.create("example.com", "v1", "widgets")
def made(spec, name, namespace, **_):
    child = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{name}-child"},
             "data": {"size": str(spec.get("size"))}}
    kopf.adopt(child)
    kubernetes.client.CoreV1Api().create_namespaced_config_map(namespace, child)
    return {"child": child["metadata"]["name"]}


@kopf.on.update("example.com", "v1", "widgets")
def resized(old, new, **_):
    return {"from": old["spec"]["size"], "to": new["spec"]["size"]}


@kopf.on.delete("example.com", "v1", "widgets")
def gone(name, **_):
    pass
"""

CRD = schemaless_crd("example.com", "widgets", "Widget", status=True)


@pytest.fixture
def workspace(kcp_server: Server) -> Iterator[str]:
    name = f"kopf-{uuid.uuid4().hex[:8]}"
    body = {"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace", "metadata": {"name": name}}
    base = "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces"
    code, made, _ = kcp_server.request("POST", base, body)
    assert code == 201, made

    def ready() -> bool:
        code, ws, _ = kcp_server.request("GET", f"{base}/{name}")
        return code == 200 and ws.get("status", {}).get("phase") == "Ready"

    eventually(ready)
    yield f"root:{name}"
    kcp_server.request("DELETE", f"{base}/{name}")


def test_kopf_operator_in_a_workspace(kcp_server: Server, workspace: str, tmp_path: Path) -> None:
    ws = f"/clusters/{workspace}"
    code, body, _ = kcp_server.request(
        "POST", f"{ws}/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD
    )
    assert code == 201, body
    eventually(lambda: kcp_server.request("GET", f"{ws}/apis/example.com/v1/widgets")[0] == 200)
    code, body, _ = kcp_server.request(
        "POST",
        f"{ws}/api/v1/namespaces",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}},
    )
    assert code == 201, body

    config = yaml.safe_load(kcp_server.kubeconfig.read_text())
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = kcp_server.base_url + ws
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config))
    (tmp_path / "operator.py").write_text(OPERATOR)
    kopf = shutil.which("kopf", path=str(Path(sys.executable).parent)) or "kopf"
    log = (tmp_path / "kopf.log").open("wb")
    keys = pki.ensure_pki(tmp_path / "hook", ["127.0.0.1"])  # the webhook server's certificate
    hook = {
        "HOOK_PORT": str(free_port()),
        "HOOK_CERT": str(keys.cert_file),
        "HOOK_KEY": str(keys.key_file),
        "HOOK_CA": str(keys.ca_file),
    }
    operator = subprocess.Popen(
        [kopf, "run", "--standalone", "--all-namespaces", str(tmp_path / "operator.py")],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={
            "KUBECONFIG": str(kubeconfig),
            "PATH": str(Path(sys.executable).parent),
            "HOME": str(tmp_path),
            **hook,
        },
    )
    widgets = f"{ws}/apis/example.com/v1/namespaces/demo/widgets"
    try:
        big = {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "big"},
            "spec": {"size": 99},
        }

        def refused() -> dict[str, Any] | None:  # once kopf has registered its webhooks
            code, body, _ = kcp_server.request("POST", widgets, big)
            if code == 201:
                kcp_server.request("DELETE", f"{widgets}/big")
            return body if code == 422 else None

        denial = eventually(refused)
        assert "widgets are at most 10 big" in denial["message"], denial
        widget = {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w1"},
            "spec": {"size": 3},
        }
        code, body, _ = kcp_server.request("POST", widgets, widget)
        assert code == 201 and body["metadata"]["labels"] == {"checked-by": "kopf"}, body

        def status() -> dict[str, Any]:
            code, obj, _ = kcp_server.request("GET", f"{widgets}/w1")
            return obj.get("status") or {} if code == 200 else {}

        assert eventually(lambda: status().get("made")) == {"child": "w1-child"}
        code, child, _ = kcp_server.request("GET", f"{ws}/api/v1/namespaces/demo/configmaps/w1-child")
        assert code == 200 and child["metadata"]["ownerReferences"][0]["name"] == "w1"

        code, body, _ = kcp_server.request(
            "PATCH", f"{widgets}/w1", {"spec": {"size": 4}}, content_type="application/merge-patch+json"
        )
        assert code == 200, body
        assert eventually(lambda: status().get("resized")) == {"from": 3, "to": 4}

        code, body, _ = kcp_server.request("DELETE", f"{widgets}/w1")
        assert code in (200, 202), body
        eventually(lambda: kcp_server.request("GET", f"{widgets}/w1")[0] == 404)
        eventually(
            lambda: kcp_server.request("GET", f"{ws}/api/v1/namespaces/demo/configmaps/w1-child")[0] == 404
        )
        assert operator.poll() is None, (tmp_path / "kopf.log").read_text()
    finally:
        operator.terminate()
        try:
            operator.wait(15)
        except subprocess.TimeoutExpired:
            operator.kill()
            operator.wait()
        log.close()
