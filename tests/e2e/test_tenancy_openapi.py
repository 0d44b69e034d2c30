"""The real /usr/bin/kubectl reads the tenancy kinds' OpenAPI: explain works, and apply (client-side
and server-side) validates Workspaces and WorkspaceTypes on the server, without --validate=false."""

from __future__ import annotations

import json
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.kubectl import KUBECTL, Kubectl, runner
from tests.support.server import Server

pytestmark = pytest.mark.skipif(not Path(KUBECTL).exists(), reason="kubectl is not installed")


@pytest.fixture(scope="module")
def kubectl(kcp_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    run = runner(kcp_server.kubeconfig, tmp_path_factory.mktemp("kubecache"))

    return run


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def workspace_type(name: str, labels: str = "{team: a}") -> str:
    return textwrap.dedent(f"""\
        apiVersion: tenancy.kcp.io/v1alpha1
        kind: WorkspaceType
        metadata:
          name: {name}
        spec:
          extend:
            with:
            - {{name: universal, path: root}}
          defaultChildWorkspaceType: {{name: universal, path: root}}
          limitAllowedParents:
            types:
            - {{name: root, path: root}}
          additionalWorkspaceLabels: {labels}
        """)


def workspace(name: str, type_name: str = "universal", extra: str = "") -> str:
    return textwrap.dedent(f"""\
        apiVersion: tenancy.kcp.io/v1alpha1
        kind: Workspace
        metadata:
          name: {name}
        spec:
          type: {{name: {type_name}, path: root}}
        """) + textwrap.indent(extra, "  ")


def wait_ready(kubectl: Kubectl, name: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        obj: dict[str, Any] = json.loads(kubectl("get", "workspaces", name, "-o", "json").stdout)
        if (obj.get("status") or {}).get("phase") == "Ready":
            return obj
        assert time.monotonic() < deadline, obj
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            "workspaces",
            ["KIND:       Workspace", "GROUP:      tenancy.kcp.io", "spec\t<Object>", "status\t<Object>"],
        ),
        ("workspaces.spec", ["cluster\t<string>", "URL\t<string>", "location\t<Object>", "type\t<Object>"]),
        ("workspaces.spec.type", ["FIELD: type <Object>", "name\t<string> -required-", "path\t<string>"]),
        (
            "workspaces.status.phase",
            ["FIELD: phase <string>", "ENUM:", "    Initializing\n", "    Deleting\n"],
        ),
        (
            "workspacetypes.spec",
            [
                "KIND:       WorkspaceType",
                "initializer\t<boolean>",
                "terminator\t<boolean>",
                "extend\t<Object>",
                "defaultChildWorkspaceType\t<Object>",
                "limitAllowedChildren\t<Object>",
                "limitAllowedParents\t<Object>",
                "additionalWorkspaceLabels\t<map[string]string>",
                "defaultAPIBindings\t<[]Object>",
                "defaultAPIBindingLifecycle\t<string>",
            ],
        ),
        ("workspacetypes.spec.limitAllowedParents", ["none\t<boolean>", "types\t<[]Object>"]),
        ("workspacetypes.status", ["conditions\t<[]Object>", "virtualWorkspaces\t<[]Object>"]),
        ("logicalclusters", ["KIND:       LogicalCluster", "GROUP:      core.kcp.io", "spec\t<Object>"]),
        (
            "logicalclusters.spec",
            ["directlyDeletable\t<boolean>", "owner\t<Object>", "initializers\t<[]string>"],
        ),
        (
            "logicalclusters.status",
            ["URL\t<string>", "phase\t<string>", "conditions\t<[]Object>", "terminators\t<[]string>"],
        ),
    ],
)
def test_explain(kubectl: Kubectl, target: str, expected: list[str]) -> None:
    out = kubectl("explain", target).stdout
    for line in expected:
        assert line in out, f"{line!r} not in:\n{out}"


def test_explain_describes_fields(kubectl: Kubectl) -> None:
    out = kubectl("explain", "workspaces.spec.type").stdout
    assert "DESCRIPTION:" in out and "WorkspaceType" in out
    assert "FIELDS:" in kubectl("explain", "ws").stdout  # the short name resolves too


def test_client_side_apply_validates_on_the_server(kubectl: Kubectl) -> None:
    type_name, ws_name = unique("wt"), unique("ws")
    assert "created" in kubectl("apply", "-f", "-", stdin=workspace_type(type_name)).stdout
    assert "configured" in kubectl("apply", "-f", "-", stdin=workspace_type(type_name, "{team: b}")).stdout
    wt = json.loads(kubectl("get", "workspacetypes", type_name, "-o", "json").stdout)
    assert wt["spec"]["additionalWorkspaceLabels"] == {"team": "b"}
    assert wt["spec"]["extend"] == {"with": [{"name": "universal", "path": "root"}]}
    assert "created" in kubectl("apply", "-f", "-", stdin=workspace(ws_name, type_name)).stdout
    ready = wait_ready(kubectl, ws_name)
    assert ready["spec"]["type"] == {"name": type_name, "path": "root"}
    assert ready["metadata"]["labels"]["tenancy.kcp.io/phase"] == "Ready"
    assert "unchanged" in kubectl("apply", "-f", "-", stdin=workspace(ws_name, type_name)).stdout
    kubectl("delete", "workspaces", ws_name, "--wait=false")


def test_server_side_apply(kubectl: Kubectl) -> None:
    type_name, ws_name = unique("wt"), unique("ws")
    for manifest in (workspace_type(type_name), workspace(ws_name)):
        out = kubectl("apply", "--server-side", "-f", "-", stdin=manifest).stdout
        assert "serverside-applied" in out
    out = kubectl("apply", "--server-side", "-f", "-", stdin=workspace_type(type_name, "{team: c}")).stdout
    assert "serverside-applied" in out
    labels = kubectl("get", "workspacetypes", type_name, "-o", "jsonpath={.spec.additionalWorkspaceLabels}")
    assert json.loads(labels.stdout) == {"team": "c"}
    assert wait_ready(kubectl, ws_name)["status"]["phase"] == "Ready"
    kubectl("delete", "workspaces", ws_name, "--wait=false")


def test_unknown_fields_are_refused_unless_validation_is_relaxed(kubectl: Kubectl) -> None:
    name = unique("ws")
    bad = workspace(name, extra="bogus: 1\n")
    for args in (("apply",), ("apply", "--server-side"), ("create",)):
        refused = kubectl(*args, "-f", "-", stdin=bad, check=False)
        assert refused.returncode != 0
        # server-side apply cannot even type the applied object (kube: 500, here 400)
        why = (
            ".spec.bogus: field not declared in schema"
            if "--server-side" in args
            else 'unknown field "spec.bogus"'
        )
        assert "BadRequest" in refused.stderr and why in refused.stderr, refused.stderr
    assert kubectl("get", "workspaces", name, check=False).returncode != 0
    kubectl("apply", "--validate=warn", "-f", "-", stdin=bad)
    spec = json.loads(kubectl("get", "workspaces", name, "-o", "jsonpath={.spec}").stdout)
    assert "bogus" not in spec and spec["type"] == {"name": "universal", "path": "root"}
    kubectl("delete", "workspaces", name, "--wait=false")


def test_kubectl_waits_for_a_type_to_be_ready_and_shows_its_views(
    kubectl: Kubectl, kcp_server: Server
) -> None:
    name = unique("wt")
    kubectl("apply", "-f", "-", stdin=workspace_type(name))
    kubectl("wait", "--for=condition=Ready", f"workspacetype/{name}", "--timeout=30s")
    views = kubectl("get", "workspacetype", name, "-o", "jsonpath={.status.virtualWorkspaces[*].url}")
    assert views.stdout.split() == [
        f"{kcp_server.base_url}/services/initializingworkspaces/root:{name}",
        f"{kcp_server.base_url}/services/terminatingworkspaces/root:{name}",
    ]
