"""`kubectl ws tree [--full] [--wide]`: the current workspace and all its descendants, as kcp draws them.

kcp renders with github.com/xlab/treeprint under a `.` root, then prints with `fmt.Println` (one extra
blank line); `--wide` appends `ws=<workspace phase>` and `lc=<logical cluster phase>` columns aligned
by text/tabwriter (padding 2). Workspaces being deleted are skipped; mounts are leaves marked `[m]`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from kcp.apimachinery.labels import go_quote
from kcp.cli.plugins import paths
from kcp.cli.plugins.clientconfig import ClientConfig
from kcp.cli.plugins.errors import PluginError
from kcp.cli.plugins.rest import APIError, RestClient
from kcp.cli.plugins.tenancy import LOGICAL_CLUSTER, WORKSPACES, in_cluster


@dataclass
class Node:
    label: str
    children: list[Node] = field(default_factory=list)

    def add(self, label: str) -> Node:
        child = Node(label)
        self.children.append(child)
        return child


def print_tree(config: ClientConfig, *, full: bool = False, wide: bool = False) -> None:
    host = config.host()
    try:
        _, current = paths.split_cluster_url(host)
    except PluginError:
        print(f"current context URL {go_quote(host)} does not point directly to a kcp workspace")
        return
    builder = _Builder(config.client(), full=full, wide=wide)
    name = current if full else paths.split(current)[1]
    top = Node(".")
    branch = top.add(builder.label(name, current, ""))
    builder.populate(branch, current, name)
    text = render(top)
    sys.stdout.write(align_columns(text) if wide else text + "\n")


def render(root: Node) -> str:
    """treeprint's layout: `├── `/`└── ` before each child, `│   `/`    ` below, newline-terminated."""
    lines = [root.label]

    def walk(node: Node, prefix: str) -> None:
        for i, child in enumerate(node.children):
            last = i == len(node.children) - 1
            lines.append(prefix + ("└── " if last else "├── ") + child.label)
            walk(child, prefix + ("    " if last else "│   "))

    walk(root, "")
    return "\n".join(lines) + "\n"


def align_columns(text: str, padding: int = 2) -> str:
    """Go's text/tabwriter (minwidth 0, padding 2, spaces): tab-terminated cells aligned per column block.

    A column block is a run of consecutive lines that all have a tab-terminated cell in that column; each
    block is as wide as its widest cell plus padding. The cell after a line's last tab is never padded.
    """
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    widths: list[int] = []

    def write(lo: int, hi: int) -> None:
        for cells in lines[lo:hi]:
            out.append("".join(c.ljust(widths[j]) if j < len(widths) else c for j, c in enumerate(cells)))

    def block(lo: int, hi: int) -> None:
        column = len(widths)
        this = lo
        while this < hi:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write(lo, this)
            lo = this
            width = 0
            while this < hi and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            block(lo, this)
            widths.pop()
            lo = this
        write(lo, hi)

    block(0, len(lines))
    return "\n".join(out)


class _Builder:
    def __init__(self, client: RestClient, *, full: bool, wide: bool) -> None:
        self.client = client
        self.full = full
        self.wide = wide

    def populate(self, node: Node, path: str, name: str) -> None:
        try:
            listed: dict[str, Any] = self.client.get(in_cluster(path, WORKSPACES))
        except APIError as err:
            if err.not_found:
                return
            raise
        for workspace in listed.get("items") or []:
            meta, spec = workspace.get("metadata") or {}, workspace.get("spec") or {}
            if meta.get("deletionTimestamp"):
                continue
            child_name = f"{name}:{meta.get('name', '')}" if self.full else str(meta.get("name", ""))
            if spec.get("mount"):
                node.add(child_name + " [m]")
                continue
            url = str(spec.get("URL", ""))
            try:
                _, child_path = paths.split_cluster_url(url)
            except PluginError:
                raise PluginError(
                    f"current config context URL {go_quote(url)} does not point to workspace"
                ) from None
            phase = str((workspace.get("status") or {}).get("phase", ""))
            child = node.add(self.label(child_name, child_path, phase))
            self.populate(child, child_path, child_name)

    def label(self, name: str, path: str, workspace_phase: str) -> str:
        """The name; with --wide also the Workspace's phase (`-` for the top) and the LogicalCluster's."""
        if not self.wide:
            return name
        try:
            logical_cluster: dict[str, Any] = self.client.get(in_cluster(path, LOGICAL_CLUSTER))
            lc_phase = str((logical_cluster.get("status") or {}).get("phase") or "Unknown")
        except PluginError:
            lc_phase = "Unknown"
        return f"{name}\tws={workspace_phase or '-'}\tlc={lc_phase}"
