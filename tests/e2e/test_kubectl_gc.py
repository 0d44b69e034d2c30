"""`kubectl delete --cascade=orphan|foreground|background` with the real /usr/bin/kubectl."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import Server

KUBECTL = "/usr/bin/kubectl"
pytestmark = pytest.mark.skipif(not Path(KUBECTL).exists(), reason="kubectl is not installed")


class Kubectl:
    def __init__(self, server: Server, cache: Path, namespace: str) -> None:
        self.env = {**os.environ, "KUBECONFIG": str(server.kubeconfig), "KUBECACHEDIR": str(cache)}
        self.namespace = namespace

    def __call__(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [KUBECTL, "-n", self.namespace, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {proc.stderr}\n{proc.stdout}")
        return proc

    def cm(self, name: str, *owners: dict[str, Any]) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": name}
        if owners:
            meta["ownerReferences"] = list(owners)
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"k": "v"}}
        created: dict[str, Any] = json.loads(
            self("create", "-o", "json", "-f", "-", stdin=json.dumps(body)).stdout
        )
        return created

    def get(self, name: str) -> dict[str, Any] | None:
        proc = self("get", "configmap", name, "-o", "json", "--ignore-not-found")
        return json.loads(proc.stdout) if proc.stdout.strip() else None


@pytest.fixture
def kubectl(kcp_server: Server, namespace: str, tmp_path: Path) -> Kubectl:
    return Kubectl(kcp_server, tmp_path / "kubecache", namespace)


def ref(owner: dict[str, Any], **extra: Any) -> dict[str, Any]:
    meta = owner["metadata"]
    return {"apiVersion": "v1", "kind": "ConfigMap", "name": meta["name"], "uid": meta["uid"], **extra}


def test_cascade_orphan_keeps_dependents(kubectl: Kubectl) -> None:
    owner = kubectl.cm("owner")
    kubectl.cm("child", ref(owner))
    out = kubectl("delete", "configmap", "owner", "--cascade=orphan", "--timeout=30s").stdout
    assert 'configmap "owner" deleted' in out
    assert kubectl.get("owner") is None  # kubectl waited for the collector to release it
    child = kubectl.get("child")
    assert child is not None and "ownerReferences" not in child["metadata"]


def test_cascade_foreground_deletes_dependents_first(kubectl: Kubectl) -> None:
    owner = kubectl.cm("owner")
    child = kubectl.cm("child", ref(owner, blockOwnerDeletion=True))
    kubectl.cm("grandchild", ref(child, blockOwnerDeletion=True))
    kubectl.cm("bystander")
    kubectl("delete", "configmap", "owner", "--cascade=foreground", "--timeout=30s")
    # the owner goes last, so once kubectl saw it gone its blocking dependents are gone too
    assert kubectl.get("owner") is None and kubectl.get("child") is None and kubectl.get("grandchild") is None
    assert kubectl.get("bystander") is not None


def test_cascade_background_is_the_default(kubectl: Kubectl) -> None:
    owner = kubectl.cm("owner")
    kubectl.cm("child", ref(owner))
    kubectl("delete", "configmap", "owner")
    deadline = time.monotonic() + 15
    while kubectl.get("child") is not None:
        assert time.monotonic() < deadline, "dependent not collected"
        time.sleep(0.1)
