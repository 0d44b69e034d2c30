"""What every plugin command shares: its argument parser, kubectl's connection flags, and `main`.

kcp's plugins are cobra commands: a usage error or a failure prints `Error: <message>` (kubectl kcp:
`error: <message>`) to stderr and exits 1, and boolean flags also accept `--flag=true|false`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from kcp.cli.plugins.clientconfig import ClientConfig, Overrides
from kcp.cli.plugins.errors import PluginError
from kcp.cli.plugins.kubeconfig import Kubeconfig

Command = Callable[[list[str], str], None]
"""A plugin command: runs `argv` (without the command's own name); `prog` is how usage names it."""

_TRUE = ("1", "t", "T", "true", "TRUE", "True")
_FALSE = ("0", "f", "F", "false", "FALSE", "False")


class ArgumentParser(argparse.ArgumentParser):
    """Raises PluginError instead of exiting 2, and records which flags take a value or are booleans."""

    def __init__(self, prog: str, description: str, epilog: str = "") -> None:
        super().__init__(
            prog=prog,
            description=description,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        self.value_flags: set[str] = set()
        self.bool_flags: set[str] = set()
        self._argv: list[str] = []

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        if kwargs.get("action") == "store_true":
            self.bool_flags.update(action.option_strings)
        elif action.option_strings and action.nargs != 0:
            self.value_flags.update(action.option_strings)
        return action

    def error(self, message: str) -> NoReturn:
        raise PluginError(_pflag_words(message, self._argv))

    def parse(self, argv: Sequence[str]) -> argparse.Namespace:
        self._argv = list(argv)
        return self.parse_args(_go_bools(argv, self.bool_flags))


def add_client_flags(parser: ArgumentParser, *, workspace_flag: bool) -> None:
    """The kubectl connection flags kcp's plugins bind, and `-w/--workspace` where kcp offers it."""
    parser.add_argument("--kubeconfig", default="", help="Path to the kubeconfig file")
    parser.add_argument("--context", default="", help="The name of the kubeconfig context to use")
    parser.add_argument("--user", default="", help="The name of the kubeconfig user to use")
    parser.add_argument(
        "-s", "--server", default="", help="The address and port of the Kubernetes API server"
    )
    parser.add_argument("--token", default="", help="Bearer token for authentication to the API server")
    parser.add_argument("--username", default="", help="Username for basic authentication to the API server")
    parser.add_argument("--password", default="", help="Password for basic authentication to the API server")
    parser.add_argument(
        "--certificate-authority", default="", help="Path to a cert file for the certificate authority"
    )
    parser.add_argument(
        "--insecure-skip-tls-verify",
        action="store_true",
        help="If true, the server's certificate will not be checked for validity",
    )
    parser.add_argument(
        "--tls-server-name", default="", help="Server name to use for server certificate validation"
    )
    if workspace_flag:
        parser.add_argument(
            "-w",
            "--workspace",
            default="",
            help="Workspace path to target. If not specified, the current workspace from the kubeconfig "
            "will be used. Use a leading ':' for absolute paths (e.g. ':root:my-ws'), or omit it for "
            "relative paths (e.g. 'my-ws'). '.' stays in the current workspace, '..' navigates to the "
            "parent workspace.",
        )


def client_config(args: argparse.Namespace) -> ClientConfig:
    overrides = Overrides(
        context=args.context,
        user=args.user,
        server=args.server,
        token=args.token,
        username=args.username,
        password=args.password,
        certificate_authority=args.certificate_authority,
        insecure_skip_tls_verify=args.insecure_skip_tls_verify,
        tls_server_name=args.tls_server_name,
    )
    return ClientConfig(Kubeconfig.load(args.kubeconfig), overrides, getattr(args, "workspace", ""))


def run_main(command: Command, prog: str, *, error_prefix: str = "Error") -> NoReturn:
    """Entry-point body: run with `sys.argv`, print a failure as `<prefix>: <message>` and exit 1."""
    try:
        command(sys.argv[1:], prog)
    except PluginError as err:
        sys.stdout.flush()
        print(f"{error_prefix}: {err}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # the reader went away (`kubectl ws tree | head -1`): stop quietly, no traceback at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    sys.exit(0)


def _pflag_words(message: str, argv: Sequence[str]) -> str:
    """argparse's complaint about a flag in pflag's words (`unknown flag: --x`, `unknown shorthand flag:
    'x' in -x`, `flag needs an argument: --type`); anything else as argparse says it."""
    if unknown := re.fullmatch(r"unrecognized arguments: (.*)", message):
        flag = next((t for t in unknown[1].split(" ") if t.startswith("-") and t != "-"), "")
        if flag.startswith("--"):
            return f"unknown flag: {flag.partition('=')[0]}"
        if flag:
            return f"unknown shorthand flag: '{flag[1]}' in {flag}"
    if missing := re.fullmatch(r"argument (\S+): expected one argument", message):
        used = next((o for o in missing[1].split("/") if o in argv), missing[1].split("/")[-1])
        return (
            f"flag needs an argument: {used}"
            if used.startswith("--")
            else f"flag needs an argument: '{used[1]}' in {used}"
        )
    return message


def _go_bools(argv: Sequence[str], flags: set[str]) -> list[str]:
    """`--enter=true` → `--enter`, `--enter=false` → nothing: pflag's spelling of boolean flags."""
    out: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            return out + list(argv[i:])
        flag, eq, value = arg.partition("=")
        if not eq or flag not in flags:
            out.append(arg)
        elif value in _TRUE:
            out.append(flag)
        elif value not in _FALSE:
            raise PluginError(
                f'invalid argument "{value}" for "{flag}" flag: '
                f'strconv.ParseBool: parsing "{value}": invalid syntax'
            )
    return out
