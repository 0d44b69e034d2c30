"""Command-line dispatch: subcommands after flags, `--`, the `kubectl kcp` umbrella, help."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

from kcp.cli.plugins import kcp, ws
from tests.unit.cli.fake_kcp import FakeKcp, Result

Plugin = Callable[..., Result]


def test_flags_before_a_subcommand(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    fake.add("root:a")
    assert plugin(ws.main, "--kubeconfig", str(kubeconfig), "tree").out == ".\n└── root\n    └── a\n\n"
    assert (
        plugin(ws.main, "--kubeconfig=" + str(kubeconfig), "current").out == "Current workspace is 'root'.\n"
    )


def test_double_dash_enters_a_workspace_named_like_a_subcommand(
    plugin: Plugin, kubeconfig: Path, fake: FakeKcp
) -> None:
    fake.add("root:tree")
    assert plugin(ws.main, "--", "tree").out == "Current workspace is 'root:tree' (type root:universal).\n"


def test_kcp_umbrella(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    usage = plugin(kcp.main)
    assert usage.code == 0
    assert "  workspace  Manages kcp workspaces" in usage.out
    for name in ("workspace", "ws", "workspaces"):
        assert plugin(kcp.main, name, ".").out == "Current workspace is 'root'.\n"


def test_help(plugin: Plugin, kubeconfig: Path) -> None:
    help_ws = plugin(ws.main, "--help")
    assert help_ws.code == 0
    assert "kubectl workspace :root:default:my-workspace" in help_ws.out
    help_kcp = plugin(kcp.main, "help", "ws")
    assert help_kcp.code == 0
    assert "kubectl kcp workspace -" in help_kcp.out
    assert plugin(ws.main, "tree", "--help").out.startswith("usage: kubectl ws tree")


def test_create_workspace_answers_to_both_spellings() -> None:
    """kcp's docs run `kubectl create-workspace` (krew installs it as kubectl-create_workspace, since a
    dash in a kubectl command is an underscore in the plugin's file name) and `kubectl create workspace`."""
    project = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())
    scripts = project["project"]["scripts"]
    assert scripts["kubectl-create_workspace"] == scripts["kubectl-create-workspace"]
