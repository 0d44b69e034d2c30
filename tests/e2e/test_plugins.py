"""The kubectl plugins as a user runs them: real `kubectl` finding `kubectl-ws`, `kubectl-create-workspace`
and `kubectl-kcp` on PATH (the venv's bin first), against a real server. Each test edits its own copy of
the admin kubeconfig and works under its own organization, since the server is shared."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.support.server import Server

KUBECTL = "/usr/bin/kubectl"
PLUGINS = ("kubectl-ws", "kubectl-create-workspace", "kubectl-kcp")
pytestmark = pytest.mark.skipif(not Path(KUBECTL).exists(), reason="kubectl is not installed")

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def search_path() -> str:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    missing = [name for name in PLUGINS if shutil.which(name, path=path) is None]
    if missing:
        pytest.skip(
            f"plugins not installed ({', '.join(missing)}): add the console scripts, then make install"
        )
    return path


@pytest.fixture
def kubeconfig(kcp_server: Server, tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    shutil.copy(kcp_server.kubeconfig, path)
    return path


@pytest.fixture
def kubectl(search_path: str, kubeconfig: Path, tmp_path: Path) -> Kubectl:
    env = {
        **os.environ,
        "PATH": search_path,
        "KUBECONFIG": str(kubeconfig),
        "KUBECACHEDIR": str(tmp_path / "cache"),
        "HOME": str(tmp_path / "home"),
    }

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([KUBECTL, *args], capture_output=True, text=True, env=env, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({proc.returncode}): {proc.stderr}{proc.stdout}"
            )
        return proc

    return run


@pytest.fixture
def org() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def created(name: str, type_: str) -> str:
    return (
        f'Workspace "{name}" (type {type_}) created. Waiting for it to be ready...\n'
        f'Workspace "{name}" (type {type_}) is ready to use.\n'
    )


def test_current_workspace(kubectl: Kubectl, kubeconfig: Path) -> None:
    before = kubeconfig.read_text()
    assert kubectl("ws", ".").stdout == "Current workspace is 'root'.\n"
    assert kubectl("ws", "current", "--short").stdout == "root\n"
    assert kubectl("kcp", "workspace", "current").stdout == "Current workspace is 'root'.\n"
    assert kubeconfig.read_text() == before


def test_create_enter_and_navigate(kubectl: Kubectl, kubeconfig: Path, kcp_server: Server, org: str) -> None:
    out = kubectl("create", "workspace", org, "--enter").stdout
    assert (
        out
        == created(org, "root:organization")
        + f"Current workspace is 'root:{org}' (type root:organization).\n"
    )
    assert kubectl("create", "workspace", "team1", "--type", "team").stdout == created("team1", "root:team")
    assert kubectl("create", "workspace", "plain", "--type=root:universal").stdout == created(
        "plain", "root:universal"
    )
    listed = kubectl("get", "workspaces").stdout.splitlines()
    assert listed[0].split() == ["NAME", "TYPE", "REGION", "PHASE", "URL", "AGE"]
    assert sorted(line.split()[:3] for line in listed[1:]) == [
        ["plain", "universal", "Ready"],
        ["team1", "team", "Ready"],
    ]
    waited = kubectl("wait", "ws/team1", "--for=condition=WorkspaceScheduled", "--timeout=10s").stdout
    assert waited == "workspace.tenancy.kcp.io/team1 condition met\n"

    assert kubectl("ws", "team1").stdout == f"Current workspace is 'root:{org}:team1' (type root:team).\n"
    # the kubeconfig now points kubectl itself at the workspace
    kubectl("create", "namespace", "inside-team1")
    assert kubectl("get", "namespace", "inside-team1", "-o", "name").stdout == "namespace/inside-team1\n"
    assert kubectl("config", "current-context").stdout == "workspace.kcp.io/current\n"
    assert kubectl("ws", "..").stdout == f"Current workspace is 'root:{org}'.\n"
    assert kubectl("get", "namespace", "inside-team1", check=False).returncode != 0
    assert kubectl("ws", "-").stdout == f"Current workspace is 'root:{org}:team1'.\n"
    assert kubectl("ws", "..:..").stdout == "Current workspace is 'root' (type root).\n"
    assert kubectl("ws", f":root:{org}:plain").stdout == (
        f"Current workspace is 'root:{org}:plain' (type root:universal).\n"
    )
    assert kubectl("ws", ":").stdout == "Current workspace is 'root'.\n"
    noted = kubectl("ws", f"root:{org}")
    assert noted.stdout == f"Current workspace is 'root:{org}' (type root:organization).\n"
    assert noted.stderr.startswith("Note: Using 'root:' to define an absolute path is no longer supported.")
    assert kubectl("kcp", "ws", "use", "team1", "--short").stdout == f"root:{org}:team1\n"

    contexts = {c["name"]: c for c in yaml.safe_load(kubeconfig.read_text())["contexts"]}
    assert contexts["workspace.kcp.io/current"]["context"] == {
        "cluster": "workspace.kcp.io/current",
        "user": "kcp-admin",
    }
    assert contexts["workspace.kcp.io/previous"]["context"]["cluster"] == "workspace.kcp.io/previous"
    clusters = {c["name"]: c["cluster"] for c in yaml.safe_load(kubeconfig.read_text())["clusters"]}
    assert (
        clusters["workspace.kcp.io/current"]["server"] == f"{kcp_server.base_url}/clusters/root:{org}:team1"
    )
    assert clusters["workspace.kcp.io/previous"]["server"] == f"{kcp_server.base_url}/clusters/root:{org}"
    assert clusters["root"]["server"] == f"{kcp_server.base_url}/clusters/root"


def test_tree(kubectl: Kubectl, org: str) -> None:
    kubectl("create", "workspace", org, "--enter")
    kubectl("create", "workspace", "b")
    kubectl("create", "workspace", "a", "--type", "team", "--enter")
    kubectl("create", "workspace", "deep", "--type", "team")
    kubectl("ws", ":root")
    assert (
        kubectl("ws", "tree", "-w", org).stdout == f".\n└── {org}\n    ├── a\n    │   └── deep\n    └── b\n\n"
    )
    assert kubectl("ws", "tree", "-w", f"{org}:a", "--full").stdout == (
        f".\n└── root:{org}:a\n    └── root:{org}:a:deep\n\n"
    )
    wide = kubectl("ws", "tree", "-w", org, "--wide").stdout.splitlines()
    assert [line.split() for line in wide] == [
        ["."],
        ["└──", org, "ws=-", "lc=Ready"],
        ["├──", "a", "ws=Ready", "lc=Ready"],
        ["│", "└──", "deep", "ws=Ready", "lc=Ready"],
        ["└──", "b", "ws=Ready", "lc=Ready"],
    ]
    assert len({line.index("ws=") for line in wide[1:]}) == 1


def test_errors(kubectl: Kubectl, kubeconfig: Path, kcp_server: Server, org: str) -> None:
    before = kubeconfig.read_text()
    missing = kubectl("ws", "no-such-workspace", check=False)
    assert (missing.returncode, missing.stderr) == (
        1,
        'Error: workspace "root:no-such-workspace" not found\n',
    )
    missing = kubectl("kcp", "ws", ":root:no:such", check=False)
    assert (missing.returncode, missing.stderr) == (1, 'error: workspace "root:no:such" not found\n')
    no_previous = kubectl("ws", "-", check=False)
    assert (no_previous.returncode, no_previous.stderr) == (
        1,
        "Error: no previous workspace found in kubeconfig\n",
    )
    assert kubeconfig.read_text() == before

    # a type the parent does not allow: the server's own Status message, exit 1
    body = {"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace", "metadata": {"name": org}}
    code, status, _ = kcp_server.request(
        "POST",
        "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces",
        {**body, "spec": {"type": {"name": "team", "path": "root"}}},
    )
    assert code in (403, 422), status
    refused = kubectl("create", "workspace", org, "--type", "root:team", check=False)
    assert (refused.returncode, refused.stdout, refused.stderr) == (1, "", f"Error: {status['message']}\n")

    kubectl("create", "workspace", org)
    exists = kubectl("create", "workspace", org, check=False)
    assert (exists.returncode, exists.stderr) == (
        1,
        f'Error: workspaces.tenancy.kcp.io "{org}" already exists\n',
    )
    again = kubectl("create", "workspace", org, "--ignore-existing")
    assert again.stdout == (
        f'Workspace "{org}" (type root:organization) already exists.\n'
        f'Workspace "{org}" (type root:organization) is ready to use.\n'
    )
    mismatch = kubectl(
        "create", "workspace", org, "--ignore-existing", "--type", "root:universal", check=False
    )
    assert mismatch.stderr == (
        f'Error: workspace "{org}" cannot be created with type root:universal, '
        "it already exists with different type root:organization\n"
    )


def test_connection_flags(kubectl: Kubectl) -> None:
    assert (
        kubectl("ws", ":root", "--tls-server-name", "localhost").stdout
        == "Current workspace is 'root' (type root).\n"
    )
    wrong_name = kubectl("ws", ":root", "--tls-server-name", "wrong.example", check=False)
    assert wrong_name.returncode == 1
    assert "certificate verify failed" in wrong_name.stderr
    assert kubectl("ws", ":root", "--insecure-skip-tls-verify=true").returncode == 0
    unauthorized = kubectl("ws", ":root", "--token", "bogus", check=False)
    assert (unauthorized.returncode, unauthorized.stderr) == (1, "Error: Unauthorized\n")


def test_create_context(kubectl: Kubectl, kcp_server: Server, org: str) -> None:
    out = kubectl("create", "workspace", org, "--create-context", org).stdout
    assert out == created(org, "root:organization") + f'Created context "{org}".\n'
    assert kubectl("config", "current-context").stdout == "root\n"
    assert kubectl("ws", ".", "--context", org).stdout == f"Current workspace is 'root:{org}'.\n"
    assert (
        kubectl("ws", "use", org).stdout == f"Current workspace is 'root:{org}' (type root:organization).\n"
    )
    assert kubectl("ws", "create-context").stdout == f'Created context "root:{org}" and switched to it.\n'
    assert kubectl("config", "current-context").stdout == f"root:{org}\n"
    assert kubectl("ws", "create-context", check=False).stderr == (
        f'Error: context "root:{org}" already exists in kubeconfig, use --overwrite to update it\n'
    )
