"""`kubectl create workspace` (and `ws create`, `ws create-context`) against a fake kcp."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kcp.cli.plugins import create_workspace, ws
from kcp.cli.plugins.clientconfig import ClientConfig, Overrides
from kcp.cli.plugins.create_workspace import CreateOptions
from kcp.cli.plugins.errors import PluginError
from kcp.cli.plugins.kubeconfig import CURRENT, Kubeconfig
from tests.unit.cli.fake_kcp import FakeKcp, Result, context_of, load, server_of

Plugin = Callable[..., Result]
main = create_workspace.main


def created(name: str, type_: str) -> str:
    return (
        f'Workspace "{name}" (type {type_}) created. Waiting for it to be ready...\n'
        f'Workspace "{name}" (type {type_}) is ready to use.\n'
    )


def test_create_waits_until_ready(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    fake.ready_after = 3
    before = kubeconfig.read_text()
    assert plugin(main, "x") == Result(0, created("x", "root:universal"), "")
    assert fake.created == [
        {"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace", "metadata": {"name": "x"}, "spec": {}}
    ]
    assert fake.workspaces["root"]["x"]["status"]["phase"] == "Ready"
    assert kubeconfig.read_text() == before


def test_type_without_path_is_resolved_by_the_server(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    assert plugin(main, "x", "--type", "Team").out == created("x", "root:team")
    assert plugin(main, "y", "--type=root:organization").out == created("y", "root:organization")
    assert [w["spec"]["type"] for w in fake.created] == [
        {"name": "team"},
        {"name": "organization", "path": "root"},
    ]


def test_enter(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    result = plugin(main, "x", "--enter")
    assert (
        result.out
        == created("x", "root:universal") + "Current workspace is 'root:x' (type root:universal).\n"
    )
    assert load(kubeconfig)["current-context"] == CURRENT
    assert server_of(kubeconfig, CURRENT) == fake.base_url + "/clusters/root:x"


def test_in_another_workspace(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    fake.add("root:a", "organization")
    assert plugin(main, "x", "-w", "a", "--enter").out.endswith(
        "Current workspace is 'root:a:x' (type root:universal).\n"
    )
    assert "x" in fake.workspaces["root:a"]


def test_existing(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    fake.add("root:a", "organization")
    assert plugin(main, "a") == Result(1, "", 'Error: workspaces.tenancy.kcp.io "a" already exists\n')
    assert plugin(main, "a", "--ignore-existing") == Result(
        0,
        'Workspace "a" (type root:organization) already exists.\n'
        'Workspace "a" (type root:organization) is ready to use.\n',
        "",
    )
    assert plugin(main, "a", "--ignore-existing", "--type", "organization").err == (
        "Error: --ignore-existing must not be used with non-absolute type path\n"
    )
    assert plugin(main, "a", "--ignore-existing", "--type", "root:team").err == (
        'Error: workspace "a" cannot be created with type root:team, it already exists with different type '
        "root:organization\n"
    )


def test_existing_but_not_ready(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    fake.add("root:a", phase="Initializing")
    fake.ready_after = 3
    assert plugin(main, "a", "--ignore-existing").out == (
        'Workspace "a" (type root:universal) already exists. Waiting for it to be ready...\n'
        'Workspace "a" (type root:universal) is ready to use.\n'
    )


def test_server_refusal_is_shown_as_the_server_says_it(
    plugin: Plugin, kubeconfig: Path, fake: FakeKcp
) -> None:
    message = "workspace type root:team only allows parents allowed by root:team, not root:root"
    fake.create_errors["bad"] = (403, "Forbidden", message)
    assert plugin(main, "bad", "--type", "team") == Result(1, "", f"Error: {message}\n")


def test_not_ready_in_time(kubeconfig: Path, fake: FakeKcp) -> None:
    fake.ready_after = 10**6
    config = ClientConfig(Kubeconfig.load(str(kubeconfig)), Overrides())
    with pytest.raises(PluginError, match="context deadline exceeded"):
        create_workspace.create_workspace(config, CreateOptions("slow", ready_timeout=0.3))


def test_location_selector(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    plugin(main, "x", "--location-selector", "region=eu,tier in (b,a),!legacy,zone!=z1")
    assert fake.created[0]["spec"]["location"] == {
        "selector": {
            "matchLabels": {"region": "eu"},
            "matchExpressions": [
                {"key": "legacy", "operator": "DoesNotExist"},
                {"key": "tier", "operator": "In", "values": ["a", "b"]},
                {"key": "zone", "operator": "NotIn", "values": ["z1"]},
            ],
        }
    }
    assert plugin(main, "y", "--location-selector", "size>3").err == (
        'Error: invalid location selector: "gt" isn\'t supported in label selectors\n'
    )
    assert plugin(main, "y", "--location-selector", "a in (b").err.startswith(
        "Error: invalid location selector: "
    )


def test_create_context(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    out = plugin(main, "x", "--create-context", "x-ctx").out
    assert out == created("x", "root:universal") + 'Created context "x-ctx".\n'
    assert load(kubeconfig)["current-context"] == "root"
    assert context_of(kubeconfig, "x-ctx") == {"cluster": "x-ctx", "user": "admin"}
    assert server_of(kubeconfig, "x-ctx") == fake.base_url + "/clusters/root:x"
    out = plugin(main, "y", "--create-context", "y-ctx", "--enter").out
    assert out.endswith('Created context "y-ctx" and switched to it.\n')
    assert load(kubeconfig)["current-context"] == "y-ctx"


def test_ws_create_context(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    assert plugin(ws.main, "create-context", "here") == Result(
        0, 'Created context "here" and switched to it.\n', ""
    )
    assert plugin(ws.main, "create-context", "here").err == (
        'Error: context "here" already exists in kubeconfig, use --overwrite to update it\n'
    )
    assert plugin(ws.main, "create-context", "here", "--overwrite").out == 'Updated context "here".\n'
    assert plugin(ws.main, "create-context").err.startswith('Error: context "root" already exists')


def test_ws_create_is_deprecated(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    result = plugin(ws.main, "create", "x")
    assert result.out == created("x", "root:universal")
    assert result.err == (
        "Command \"create\" is deprecated, install the 'kubectl create workspace' plugin instead, compare "
        "https://docs.kcp.io/kcp/latest/setup/kubectl-plugin/.\n"
    )


def test_exactly_one_name(plugin: Plugin, kubeconfig: Path) -> None:
    assert plugin(main) == Result(1, "", "Error: accepts 1 arg(s), received 0\n")
    assert plugin(main, "a", "b") == Result(1, "", "Error: accepts 1 arg(s), received 2\n")
