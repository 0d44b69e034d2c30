"""`kubectl ws` navigation against a fake kcp: messages, exit codes and kubeconfig bookkeeping."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kcp.cli.plugins import kcp, ws
from kcp.cli.plugins.kubeconfig import CURRENT, PREVIOUS, Kubeconfig
from kcp.cli.plugins.use import HOME_NOTE, ROOT_PREFIX_NOTE
from tests.unit.cli.fake_kcp import FakeKcp, Result, context_of, load, server_of

Plugin = Callable[..., Result]


@pytest.fixture
def tree(fake: FakeKcp) -> FakeKcp:
    fake.add("root:a", "organization")
    fake.add("root:a:b", "team")
    return fake


def test_current_prints_without_touching_the_kubeconfig(plugin: Plugin, kubeconfig: Path) -> None:
    before = kubeconfig.read_text()
    assert plugin(ws.main, ".") == Result(0, "Current workspace is 'root'.\n", "")
    assert plugin(ws.main, "current") == Result(0, "Current workspace is 'root'.\n", "")
    assert plugin(ws.main, "current", "--short") == Result(0, "root\n", "")
    assert kubeconfig.read_text() == before


def test_current_of_a_non_workspace_url(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    result = plugin(ws.main, ".", "--context", "base")
    assert result.out == f'Current workspace is the URL "{fake.base_url}".\n'
    assert plugin(ws.main, ".", "--context", "base", "--short").out == ""


def test_enter_relative_then_parent_then_previous(plugin: Plugin, kubeconfig: Path, tree: FakeKcp) -> None:
    url = tree.base_url + "/clusters/"
    assert plugin(ws.main, "a").out == "Current workspace is 'root:a' (type root:organization).\n"
    doc = load(kubeconfig)
    assert doc["current-context"] == CURRENT
    assert context_of(kubeconfig, CURRENT) == {"cluster": CURRENT, "user": "admin"}
    assert context_of(kubeconfig, PREVIOUS) == {"cluster": "root", "user": "admin"}
    assert server_of(kubeconfig, CURRENT) == url + "root:a"
    assert server_of(kubeconfig, "root") == url + "root"

    assert plugin(ws.main, "b").out == "Current workspace is 'root:a:b' (type root:team).\n"
    assert context_of(kubeconfig, PREVIOUS) == {"cluster": PREVIOUS, "user": "admin"}
    assert server_of(kubeconfig, PREVIOUS) == url + "root:a"
    assert server_of(kubeconfig, CURRENT) == url + "root:a:b"

    # like kcp, `..` looks the type up under the unresolved name, so only the root shows one
    assert plugin(ws.main, "..").out == "Current workspace is 'root:a'.\n"
    assert plugin(ws.main, "-").out == "Current workspace is 'root:a:b'.\n"
    assert server_of(kubeconfig, CURRENT) == url + "root:a:b"
    assert server_of(kubeconfig, PREVIOUS) == url + "root:a"
    assert plugin(ws.main, "..:..").out == "Current workspace is 'root' (type root).\n"
    assert plugin(ws.main, "cd", "a/b").out == "Current workspace is 'root:a:b' (type root:team).\n"
    assert plugin(ws.main, "../..").out == "Current workspace is 'root' (type root).\n"


def test_previous_swaps_with_a_non_workspace_context(plugin: Plugin, kubeconfig: Path, tree: FakeKcp) -> None:
    plugin(ws.main, "a")
    Kubeconfig.load(str(kubeconfig)).save(contexts={PREVIOUS: {"cluster": "base", "user": "admin"}})
    result = plugin(ws.main, "-")
    assert result.out == f'Current workspace is the URL "{tree.base_url}".\n'
    assert (
        result.err
        == f"error checking APIBindings: current cluster URL {tree.base_url} is not pointing to a workspace\n"
    )
    assert context_of(kubeconfig, CURRENT) == {"cluster": "base", "user": "admin"}
    assert context_of(kubeconfig, PREVIOUS) == {"cluster": PREVIOUS, "user": "admin"}
    assert server_of(kubeconfig, PREVIOUS) == tree.base_url + "/clusters/root:a"


def test_absolute_paths_and_the_root_shorthand(plugin: Plugin, kubeconfig: Path, tree: FakeKcp) -> None:
    assert plugin(ws.main, ":root:a:b").out == "Current workspace is 'root:a:b' (type root:team).\n"
    assert plugin(ws.main, ":").out == "Current workspace is 'root'.\n"
    assert plugin(ws.main, ":system:admin").out == "Current workspace is 'system:admin'.\n"
    assert plugin(ws.main, "use", ":root").out == "Current workspace is 'root' (type root).\n"


def test_root_prefix_is_taken_as_absolute_with_a_note(
    plugin: Plugin, kubeconfig: Path, tree: FakeKcp
) -> None:
    plugin(ws.main, "a")
    assert plugin(ws.main, "root:a:b") == Result(
        0, "Current workspace is 'root:a:b' (type root:team).\n", ROOT_PREFIX_NOTE + "\n"
    )


def test_dots_inside_a_relative_path(plugin: Plugin, kubeconfig: Path, tree: FakeKcp) -> None:
    assert plugin(ws.main, "a:..:a:.:b").out == "Current workspace is 'root:a:b'.\n"


def test_short_output(plugin: Plugin, kubeconfig: Path, tree: FakeKcp) -> None:
    assert plugin(ws.main, "a", "--short") == Result(0, "root:a\n", "")
    assert plugin(ws.main, "-", "--short=true") == Result(0, "root\n", "")


def test_unknown_workspace(plugin: Plugin, kubeconfig: Path, tree: FakeKcp) -> None:
    before = kubeconfig.read_text()
    assert plugin(ws.main, "nope") == Result(1, "", 'Error: workspace "root:nope" not found\n')
    assert plugin(kcp.main, "ws", ":root:a:nope") == Result(
        1, "", 'error: workspace "root:a:nope" not found\n'
    )
    assert kubeconfig.read_text() == before


def test_denied_workspace(plugin: Plugin, kubeconfig: Path, tree: FakeKcp) -> None:
    tree.add("root:secret")
    tree.forbidden.add("root:secret")
    assert plugin(ws.main, "secret") == Result(1, "", 'Error: access to workspace "root:secret" denied\n')


def test_invalid_paths(plugin: Plugin, kubeconfig: Path) -> None:
    assert plugin(ws.main, "ju:nk§") == Result(1, "", "Error: invalid workspace path: ju:nk§\n")
    assert plugin(ws.main, "..").err == "Error: invalid workspace path: ..\n"
    assert plugin(ws.main, "..:..").err == "Error: cannot go up from root\n"


def test_no_previous_workspace(plugin: Plugin, kubeconfig: Path) -> None:
    assert plugin(ws.main, "-") == Result(1, "", "Error: no previous workspace found in kubeconfig\n")


def test_relative_from_a_non_workspace_url(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    result = plugin(ws.main, "a", "--context", "base")
    assert result == Result(1, "", f'Error: current URL "{fake.base_url}" does not point to a workspace\n')


def test_home(plugin: Plugin, kubeconfig: Path, tree: FakeKcp, monkeypatch: pytest.MonkeyPatch) -> None:
    tree.home = "root:a:b"
    assert plugin(ws.main) == Result(
        0, "Current workspace is 'root:a:b' (type root:team).\n", HOME_NOTE + "\n"
    )
    assert plugin(ws.main, ":").out == "Current workspace is 'root'.\n"
    assert plugin(ws.main, "~") == Result(0, "Current workspace is 'root:a:b' (type root:team).\n", "")
    plugin(ws.main, ":")
    home_dir = str(kubeconfig.parent / "home")  # what the shell makes of `kubectl ws ~`
    assert plugin(ws.main, home_dir + "/..").out == "Current workspace is 'root:a'.\n"


def test_home_not_served(plugin: Plugin, kubeconfig: Path) -> None:
    assert plugin(ws.main).err == 'Error: workspaces.tenancy.kcp.io "~" not found\n'


def test_unresolved_permission_claims_are_warned_about(
    plugin: Plugin, kubeconfig: Path, tree: FakeKcp
) -> None:
    claim = {"group": "", "resource": "configmaps", "verbs": ["get", "list"]}
    tree.bindings["root:a"] = [
        {
            "metadata": {"name": "cowboys"},
            "spec": {"permissionClaims": [{**claim, "verbs": ["get"], "state": "Accepted"}]},
            "status": {
                "exportPermissionClaims": [
                    claim,
                    {"group": "wildwest.dev", "resource": "horses", "identityHash": "abc", "verbs": ["*"]},
                ]
            },
        }
    ]
    result = plugin(ws.main, "a")
    assert result.code == 0
    assert result.err.splitlines() == [
        "Warning: allowed verbs (get) on claim for configmaps on APIBinding cowboys do not match "
        "expected verbs (get,list).",
        "Warning: claim for horses.wildwest.dev:abc exported but not specified on APIBinding cowboys",
        "Add this claim to the APIBinding's Spec.",
        "Warning: claim for horses.wildwest.dev:abc specified on APIBinding cowboys "
        "but not accepted or rejected.",
        "Warning: allowed verbs () on claim for horses.wildwest.dev:abc on APIBinding cowboys do not match "
        "expected verbs ().",
    ]


def test_usage_errors(plugin: Plugin, kubeconfig: Path) -> None:
    result = plugin(ws.main, "--bogus")  # pflag's words, as cobra prints them
    assert (result.code, result.err) == (1, "Error: unknown flag: --bogus\n")
    assert plugin(ws.main, "tree", "-x").err == "Error: unknown shorthand flag: 'x' in -x\n"
    assert plugin(ws.main, "tree", "--bogus=1").err == "Error: unknown flag: --bogus\n"
    assert plugin(ws.main, "tree", "-w").err == "Error: flag needs an argument: 'w' in -w\n"
    assert plugin(ws.main, "tree", "--workspace").err == "Error: flag needs an argument: --workspace\n"
    assert plugin(ws.main, "--short=maybe").err == (
        'Error: invalid argument "maybe" for "--short" flag: '
        'strconv.ParseBool: parsing "maybe": invalid syntax\n'
    )
    assert plugin(ws.main, "use").code == 0  # kcp prints the help
    assert plugin(kcp.main, "bogus") == Result(1, "", 'error: unknown command "bogus" for "kcp"\n')


def test_several_kubeconfig_files_get_the_workspace_entries_beside_their_originals(
    plugin: Plugin, kubeconfig: Path, tree: FakeKcp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As clientcmd's copies keep their LocationOfOrigin, kcp's plugin writes the workspace cluster and
    contexts to the file defining the context they copy, and current-context where it is set."""
    mine = tmp_path / "mine"
    mine.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": "root"}))
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(mine), str(kubeconfig)]))
    for target in ("a", "b", "-"):
        assert plugin(ws.main, target).code == 0
    assert load(mine) == {"apiVersion": "v1", "kind": "Config", "current-context": CURRENT}
    assert server_of(kubeconfig, CURRENT) == tree.base_url + "/clusters/root:a"
    assert server_of(kubeconfig, PREVIOUS) == tree.base_url + "/clusters/root:a:b"
    assert context_of(kubeconfig, PREVIOUS) == {"cluster": PREVIOUS, "user": "admin"}
    assert plugin(ws.main, "create-context", "team", "--overwrite").code == 0
    assert context_of(kubeconfig, "team") == {"cluster": "team", "user": "admin"}
    assert load(mine)["current-context"] == "team"
