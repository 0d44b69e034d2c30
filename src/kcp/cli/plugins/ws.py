"""`kubectl ws` (= `kubectl kcp workspace`): navigate, print, list and create workspaces.

`kubectl ws <workspace>` enters a workspace; `use`/`cd`, `current`, `tree`, `create` (deprecated in
favour of `kubectl create workspace`) and `create-context` are subcommands. As with cobra, the first
positional word picks a subcommand when it names one; flags may come before it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from kcp.cli.plugins import create_workspace
from kcp.cli.plugins.create_context import create_context
from kcp.cli.plugins.options import ArgumentParser, Command, add_client_flags, client_config, run_main
from kcp.cli.plugins.tree import print_tree
from kcp.cli.plugins.use import print_current, use_workspace

EXAMPLES = """\
examples:
  # shows the workspace you are currently using
  {cli} workspace .

  # enter a given workspace (this will change the current-context of your current KUBECONFIG)
  {cli} workspace use my-workspace

  # short-hand for the use syntax
  {cli} workspace my-workspace

  # enter a given absolute workspace
  {cli} workspace :root:default:my-workspace

  # short-hand for the current root workspace
  {cli} workspace :

  # enter a given relative workspace
  {cli} workspace some:nested:workspace

  # enter the parent workspace
  {cli} workspace ..

  # enter the grand parent workspace
  {cli} workspace ..:..

  # enter the previous workspace
  {cli} workspace -

  # go to your home workspace
  {cli} workspace

  # create a workspace and immediately enter it
  {cli} workspace create my-workspace --enter

  # create a context with the current workspace, e.g. root:default:my-workspace
  {cli} workspace create-context

  # create a context with the current workspace, named context-name
  {cli} workspace create-context context-name
"""
CREATE_DEPRECATION = (
    "Command \"create\" is deprecated, install the 'kubectl create workspace' plugin instead, "
    "compare https://docs.kcp.io/kcp/latest/setup/kubectl-plugin/."
)
_SHORT_HELP = "Print only the name of the workspace, e.g. for integration into the shell prompt"


def run(argv: list[str], prog: str) -> None:
    index = _first_positional(argv, _value_flags(prog))
    if index is not None and argv[index] in _SUBCOMMANDS:
        name = argv[index]
        _SUBCOMMANDS[name](argv[:index] + argv[index + 1 :], f"{prog} {name}")
        return
    parser = _root_parser(prog)
    args = parser.parse(argv)
    if len(args.target) > 1:
        parser.print_help()
        return
    use_workspace(client_config(args), args.target[0] if args.target else "", short=args.short)


def main() -> NoReturn:
    run_main(run, "kubectl ws")


def _root_parser(prog: str) -> ArgumentParser:
    cli = prog.removesuffix(" workspace").removesuffix(" ws")
    p = ArgumentParser(
        prog,
        "Manages kcp workspaces. Subcommands: use (cd), current, tree, create, create-context.",
        EXAMPLES.format(cli=cli),
    )
    add_client_flags(p, workspace_flag=False)
    p.add_argument("--short", action="store_true", help=_SHORT_HELP)
    p.add_argument(
        "target",
        metavar="workspace",
        nargs="*",
        help="<workspace>|..|.|-|~|<:root:absolute:workspace>|<relative:workspace>; none means home",
    )
    return p


def _use_parser(prog: str) -> ArgumentParser:
    p = ArgumentParser(
        prog,
        "Uses the given workspace as the current workspace. Using - means previous workspace, "
        ".. means parent workspace, . mean current, ~ means home workspace",
    )
    add_client_flags(p, workspace_flag=False)
    p.add_argument("--short", action="store_true", help=_SHORT_HELP)
    p.add_argument(
        "target", metavar="workspace", nargs="*", help="<workspace>|..|.|-|~|<:root:absolute:workspace>"
    )
    return p


def _current_parser(prog: str) -> ArgumentParser:
    p = ArgumentParser(prog, "Print the current workspace. Same as 'kubectl ws .'.")
    add_client_flags(p, workspace_flag=False)
    p.add_argument("--short", action="store_true", help=_SHORT_HELP)
    p.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    return p


def _tree_parser(prog: str) -> ArgumentParser:
    p = ArgumentParser(prog, "Print the current workspace tree.")
    add_client_flags(p, workspace_flag=True)
    p.add_argument("-f", "--full", action="store_true", help="Show full workspace names")
    p.add_argument(
        "--wide", action="store_true", help="Show workspace and logical cluster status for each node"
    )
    p.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    return p


def _create_context_parser(prog: str) -> ArgumentParser:
    p = ArgumentParser(prog, "Create a kubeconfig context for the current workspace")
    add_client_flags(p, workspace_flag=False)
    p.add_argument("--overwrite", action="store_true", help="Overwrite the context if it already exists")
    p.add_argument("name", nargs="*", help="context name (default: the workspace path)")
    return p


def _use(argv: list[str], prog: str) -> None:
    parser = _use_parser(prog)
    args = parser.parse(argv)
    if len(args.target) != 1:
        parser.print_help()
        return
    use_workspace(client_config(args), args.target[0], short=args.short)


def _current(argv: list[str], prog: str) -> None:
    parser = _current_parser(prog)
    args = parser.parse(argv)
    if args.rest:
        parser.print_help()
        return
    print_current(client_config(args).host(), short=args.short)


def _tree(argv: list[str], prog: str) -> None:
    parser = _tree_parser(prog)
    args = parser.parse(argv)
    if args.rest:
        parser.print_help()
        return
    print_tree(client_config(args), full=args.full, wide=args.wide)


def _create(argv: list[str], prog: str) -> None:
    print(CREATE_DEPRECATION, file=sys.stderr)
    create_workspace.run(argv, prog)


def _create_context(argv: list[str], prog: str) -> None:
    parser = _create_context_parser(prog)
    args = parser.parse(argv)
    if len(args.name) > 1:
        parser.print_help()
        return
    create_context(client_config(args), args.name[0] if args.name else "", overwrite=args.overwrite)


_SUBCOMMANDS: dict[str, Command] = {
    "use": _use,
    "cd": _use,
    "current": _current,
    "tree": _tree,
    "create": _create,
    "create-context": _create_context,
}


def _value_flags(prog: str) -> set[str]:
    parsers = (_root_parser, _use_parser, _current_parser, _tree_parser, _create_context_parser)
    flags = set(create_workspace.parser(prog).value_flags)
    for build in parsers:
        flags |= build(prog).value_flags
    return flags


def _first_positional(argv: Sequence[str], value_flags: set[str]) -> int | None:
    """Index of the first word that is neither a flag nor a flag's value (`-` is a word: previous).

    Words after `--` never name a subcommand: `kubectl ws -- tree` enters a workspace called `tree`.
    """
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
        elif arg == "--":
            return None
        elif arg == "-" or not arg.startswith("-"):
            return i
        elif "=" not in arg and arg in value_flags:
            skip = True
    return None
