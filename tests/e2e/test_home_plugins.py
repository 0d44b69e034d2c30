"""`kubectl ws` to the home workspace, as a user runs it: real `kubectl` finding `kubectl-ws` on PATH.

A server of its own with the `user` battery, so the non-admin `user` context exists; each test edits
its own copy of the admin kubeconfig.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kcp.registry.tenancy.paths import home_cluster_name
from tests.support.server import Server, running

KUBECTL = "/usr/bin/kubectl"
PLUGINS = ("kubectl-ws", "kubectl-create-workspace", "kubectl-kcp")
HOME_NOTE = (
    "Note: 'kubectl ws' now matches 'cd' semantics: go to home workspace. "
    "'kubectl ws -' to go back. 'kubectl ws .' to print current workspace.\n"
)
pytestmark = pytest.mark.skipif(not Path(KUBECTL).exists(), reason="kubectl is not installed")


class Kubectl:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([KUBECTL, *args], capture_output=True, text=True, env=self.env, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({proc.returncode}): {proc.stderr}{proc.stdout}"
            )
        return proc


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("home-plugins") / "root", "--batteries-included=+user") as srv:
        yield srv


@pytest.fixture(scope="module")
def search_path() -> str:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    missing = [name for name in PLUGINS if shutil.which(name, path=path) is None]
    if missing:
        pytest.skip(f"plugins not installed ({', '.join(missing)}): make install")
    return path


@pytest.fixture
def kubeconfig(server: Server, tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    shutil.copy(server.kubeconfig, path)
    return path


@pytest.fixture
def kubectl(search_path: str, kubeconfig: Path, tmp_path: Path) -> Kubectl:
    return Kubectl(
        {
            **os.environ,
            "PATH": search_path,
            "KUBECONFIG": str(kubeconfig),
            "KUBECACHEDIR": str(tmp_path / "cache"),
            "HOME": str(tmp_path / "home"),
        }
    )


def test_bare_ws_goes_home(kubectl: Kubectl, kubeconfig: Path, server: Server) -> None:
    kubectl("config", "use-context", "user")
    out = kubectl("ws")
    assert out.stdout == "Current workspace is 'user:user'.\n"
    assert out.stderr == HOME_NOTE
    clusters = {c["name"]: c["cluster"] for c in yaml.safe_load(kubeconfig.read_text())["clusters"]}
    assert clusters["workspace.kcp.io/current"]["server"] == f"{server.base_url}/clusters/user:user"
    # kubectl itself now talks to the home, where the user is cluster-admin
    names = kubectl("get", "namespaces", "-o", "name").stdout.split()
    assert {"namespace/default", "namespace/kube-system"} <= set(names)
    kubectl("create", "configmap", "at-home", "-n", "default", "--from-literal=k=v")
    assert (
        kubectl("get", "configmap", "at-home", "-n", "default", "-o", "name").stdout == "configmap/at-home\n"
    )
    assert kubectl("ws", "-").stdout == "Current workspace is 'root'.\n"
    assert kubectl("ws", ".").stdout == "Current workspace is 'root'.\n"


def test_tilde_and_below(kubectl: Kubectl) -> None:
    kubectl("config", "use-context", "user")
    out = kubectl("ws", "~")
    assert (out.stdout, out.stderr) == ("Current workspace is 'user:user'.\n", "")
    assert kubectl("ws", "~", "--short").stdout == "user:user\n"
    assert kubectl("create", "workspace", "proj").stdout == (
        'Workspace "proj" (type root:universal) created. Waiting for it to be ready...\n'
        'Workspace "proj" (type root:universal) is ready to use.\n'
    )
    assert kubectl("ws", ":root").stdout == "Current workspace is 'root' (type root).\n"
    assert kubectl("ws", "~:proj").stdout == "Current workspace is 'user:user:proj' (type root:universal).\n"
    assert kubectl("ws", "..").stdout == "Current workspace is 'user:user'.\n"
    assert kubectl("ws", "use", "~").stdout == "Current workspace is 'user:user'.\n"
    kubectl("ws", ":root")  # kcp answers `~` in root only, named after the LogicalCluster, with no type
    listed = kubectl("get", "workspace", "~").stdout.splitlines()
    assert listed[0].split() == ["NAME", "TYPE", "REGION", "PHASE", "URL", "AGE"]
    assert listed[1].split()[:2] == ["cluster", "Ready"]
    assert listed[1].split()[2].endswith("/clusters/user:user")


def test_admin_home_is_created_on_the_way(kubectl: Kubectl, server: Server) -> None:
    """The first `kubectl ws` of a user creates the home; the plugin waits out the 429s."""
    lc = f"/clusters/{home_cluster_name('kcp-admin')}/apis/core.kcp.io/v1alpha1/logicalclusters/cluster"
    out = kubectl("ws")
    assert out.stdout == "Current workspace is 'user:kcp-admin'.\n"
    assert kubectl("ws", "current", "--short").stdout == "user:kcp-admin\n"
    code, body, _ = server.request("GET", lc)
    assert code == 200 and body["status"]["phase"] == "Ready", body


def test_someone_elses_home(kubectl: Kubectl) -> None:
    kubectl("ws", "~")  # as the admin (the copied kubeconfig's context): make sure that home exists
    kubectl("config", "use-context", "user")
    out = kubectl("ws", ":user:kcp-admin", check=False)
    assert out.returncode == 1
    assert out.stderr == 'Error: workspace "user:kcp-admin" not found\n'
