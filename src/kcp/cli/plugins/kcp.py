"""`kubectl kcp`: kcp's umbrella plugin; each subcommand is one entry in COMMANDS.

To add one (e.g. `bind`), write a module with `run(argv: list[str], prog: str) -> None` that raises
PluginError on failure, and append a Subcommand here. Errors print as `error: <message>` (lower case,
as kcp's kubectl-kcp main does) and exit 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from kcp.cli.plugins import ws
from kcp.cli.plugins.errors import PluginError
from kcp.cli.plugins.options import Command, run_main

DESCRIPTION = """\
kcp is the easiest way to manage Kubernetes applications against one or more clusters, by giving you a
personal control plane that schedules your workloads onto one or many clusters, and making it simple to
pick up and move. Advanced use cases including spreading your apps across clusters for resiliency,
scheduling batch workloads onto clusters with free capacity, and enabling collaboration for individual
teams without having access to the underlying clusters.

This command provides kcp-specific sub-command for kubectl."""


@dataclass(frozen=True)
class Subcommand:
    names: tuple[str, ...]  # canonical name first, then aliases
    summary: str
    run: Command


COMMANDS: tuple[Subcommand, ...] = (
    Subcommand(("workspace", "ws", "workspaces"), "Manages kcp workspaces", ws.run),
)


def run(argv: list[str], prog: str) -> None:
    if not argv or argv[0] in ("-h", "--help") or argv == ["help"]:
        print(usage(prog))
        return
    if argv[0] == "help":
        argv = [argv[1], "--help"]
    for sub in COMMANDS:
        if argv[0] in sub.names:
            sub.run(argv[1:], f"{prog} {sub.names[0]}")
            return
    raise PluginError(f'unknown command "{argv[0]}" for "kcp"')


def usage(prog: str) -> str:
    width = max(len(sub.names[0]) for sub in COMMANDS) + 2
    lines = [f"  {sub.names[0].ljust(width)}{sub.summary}" for sub in COMMANDS]
    return f"{DESCRIPTION}\n\nUsage:\n  {prog} [command]\n\nAvailable Commands:\n" + "\n".join(lines)


def main() -> NoReturn:
    run_main(run, "kubectl kcp", error_prefix="error")
