"""`kubectl ws tree`: treeprint layout, tabwriter alignment for --wide, and the walk over a fake kcp."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kcp.cli.plugins import ws
from kcp.cli.plugins.tree import Node, align_columns, render
from tests.unit.cli.fake_kcp import FakeKcp, Result

Plugin = Callable[..., Result]


@pytest.fixture
def tree(fake: FakeKcp) -> FakeKcp:
    fake.add("root:a", "organization")
    fake.add("root:a:b", "team")
    fake.add("root:a:b:deep")
    fake.add("root:c", phase="Initializing")
    fake.add("root:gone")
    fake.workspaces["root"]["gone"]["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    fake.add("root:m", mount={"ref": {"kind": "Edge", "name": "e"}}, URL="https://elsewhere/services/x")
    return fake


def test_render_matches_treeprint() -> None:
    top = Node(".")
    one = top.add("one")
    one.add("subnode1")
    one.add("two").add("three")
    top.add("outer")
    assert render(top) == (".\n├── one\n│   ├── subnode1\n│   └── two\n│       └── three\n└── outer\n")


def test_align_columns_matches_tabwriter() -> None:
    assert align_columns("a\tb\tc\naaa\tbb\tc\n") == "a    b   c\naaa  bb  c\n"
    # a line without a tab ends the column block
    assert align_columns("a\tb\nno tabs\nccc\td\n") == "a  b\nno tabs\nccc  d\n"
    assert align_columns("x\ty\tz\nlonger\tw\n") == "x       y  z\nlonger  w\n"


def test_tree(plugin: Plugin, kubeconfig: Path, tree: FakeKcp) -> None:
    assert plugin(ws.main, "tree") == Result(
        0,
        ".\n└── root\n    ├── a\n    │   └── b\n    │       └── deep\n    ├── c\n    └── m [m]\n\n",
        "",
    )


def test_tree_full_names_from_a_child(plugin: Plugin, kubeconfig: Path, tree: FakeKcp) -> None:
    assert plugin(ws.main, "tree", "--full", "-w", "a").out == (
        ".\n└── root:a\n    └── root:a:b\n        └── root:a:b:deep\n\n"
    )


def test_tree_wide(plugin: Plugin, kubeconfig: Path, tree: FakeKcp) -> None:
    assert plugin(ws.main, "tree", "--wide").out == (
        ".\n"
        "└── root              ws=-             lc=Ready\n"
        "    ├── a             ws=Ready         lc=Ready\n"
        "    │   └── b         ws=Ready         lc=Ready\n"
        "    │       └── deep  ws=Ready         lc=Ready\n"
        "    ├── c             ws=Initializing  lc=Ready\n"
        "    └── m [m]\n"
    )


def test_tree_of_a_non_workspace_url(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    assert plugin(ws.main, "tree", "--context", "base") == Result(
        0, f'current context URL "{fake.base_url}" does not point directly to a kcp workspace\n', ""
    )


def test_tree_of_a_workspace_without_url(plugin: Plugin, kubeconfig: Path, fake: FakeKcp) -> None:
    fake.add("root:new", phase="Scheduling", URL="")
    assert plugin(ws.main, "tree") == Result(
        1, "", 'Error: current config context URL "" does not point to workspace\n'
    )
