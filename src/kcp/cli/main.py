"""`kcp`: the command. `kcp start` runs a shard on its embedded SQLite store by default."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from kcp.apimachinery.duration import parse_go_duration
from kcp.server.config import ServerConfig, StorageURLError, parse_storage_url

_START_DESCRIPTION = """\
Start a kcp server: a Kubernetes-like API server whose unit of tenancy is the logical cluster
(workspace). On first start it creates a CA, a serving certificate, admin credentials and
<root-directory>/admin.kubeconfig; later starts reuse them and the stored data.

  export KUBECONFIG=.kcp/admin.kubeconfig
  kubectl get namespaces
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kcp", description="kcp for Python: workspaces as a service.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    start = sub.add_parser(
        "start",
        help="run a kcp server",
        description=_START_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    start.add_argument(
        "--root-directory",
        default=".kcp",
        type=Path,
        help="directory for data, certificates and admin.kubeconfig (default: .kcp)",
    )
    start.add_argument(
        "--bind-address", default="0.0.0.0", help="IP address to listen on (default: 0.0.0.0, all interfaces)"
    )
    start.add_argument(
        "--secure-port",
        default=6443,
        type=int,
        help="HTTPS port to serve on (default: 6443; 0 picks a free port)",
    )
    start.add_argument(
        "--storage",
        default="sqlite",
        help="storage backend: 'sqlite' (default, <root-directory>/kcp.db), "
        "'sqlite:///path/to/file.db', or 'etcd://host:port[,host:port]' once supported",
    )
    start.add_argument(
        "--external-hostname",
        default="",
        help="host name clients use to reach the server; written into admin.kubeconfig "
        "and the serving certificate (default: 127.0.0.1 when binding all interfaces)",
    )
    start.add_argument(
        "--max-requests-inflight",
        default=400,
        type=int,
        help="maximum non-mutating requests in flight before 429 (default: 400)",
    )
    start.add_argument(
        "--max-mutating-requests-inflight",
        default=200,
        type=int,
        help="maximum mutating requests in flight before 429 (default: 200)",
    )
    start.add_argument(
        "--request-timeout",
        default=60.0,
        type=_parse_duration,
        metavar="DURATION",
        help="how long a request other than a watch may take before it is answered 504 Timeout; "
        "a request's own `?timeout=` may only shorten it (default: 1m0s)",
    )
    start.add_argument(
        "--etcd-compaction-interval",
        default=300.0,
        type=_parse_interval,
        metavar="DURATION",
        help="how much history stays watchable: older revisions are compacted away, and a watch or "
        "list from one of them gets 410 Expired; 0 turns compaction off (default: 5m0s)",
    )
    start.add_argument(
        "--batteries-included",
        default="",
        help="comma-separated extras: 'user' also writes a non-admin 'user' identity into admin.kubeconfig",
    )
    start.add_argument(
        "--enable-home-workspaces",
        default=True,
        type=_parse_bool,
        nargs="?",
        const=True,
        metavar="BOOL",
        help="enable home workspaces: a private workspace (user:<name>, `kubectl ws ~`) created on "
        "first access per user, who is cluster-admin in it (default: true)",
    )
    start.add_argument(
        "--home-workspaces-home-creator-groups",
        action="append",
        default=None,
        metavar="GROUPS",
        help="comma-separated groups of users whose home workspace is created on first access; "
        "repeatable (default: system:authenticated)",
    )
    start.add_argument(
        "--logical-cluster-total-object-limit",
        default=0,
        type=_parse_count,
        metavar="N",
        help="the most objects (events aside) a logical cluster may hold; a create beyond it gets 403. "
        "Not applied to root and system:* clusters; a LogicalCluster's core.kcp.io/max-total-objects "
        "annotation overrides it; 0 turns it off (default: 0)",
    )
    start.add_argument(
        "--logical-cluster-object-count-scan-interval",
        default=60.0,
        type=_parse_duration,
        metavar="DURATION",
        help="how often the object counts of limited logical clusters are recounted from storage, "
        "correcting what a crash left behind (default: 1m0s)",
    )
    start.add_argument(
        "-v",
        "--v",
        dest="verbosity",
        default=0,
        type=int,
        help="log verbosity: 0 info, 4 and above debug with one line per request",
    )
    return parser


def _parse_bool(value: str) -> bool:
    """Go's strconv.ParseBool, as pflag reads `--flag=value`."""
    if value in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if value in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise argparse.ArgumentTypeError(f"invalid boolean value {value!r}")


def _parse_duration(value: str) -> float:
    """Go's time.ParseDuration, as pflag reads a duration flag; it must be positive here."""
    try:
        seconds = parse_go_duration(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {value!r}")
    return seconds


def _parse_count(value: str) -> int:
    """A non-negative integer, as pflag reads an int flag."""
    try:
        number = int(value, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid integer value {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value!r}")
    return number


def _parse_interval(value: str) -> float:
    """A Go duration that may be 0 (off), as kube's interval flags are."""
    try:
        seconds = parse_go_duration(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value!r}")
    return seconds


def parse_groups(values: list[str] | None) -> tuple[str, ...]:
    """pflag's string slice: comma-separated, repeated flags add up; unset means the default."""
    if values is None:
        return ("system:authenticated",)
    return tuple(g.strip() for v in values for g in v.split(",") if g.strip())


BATTERIES = ("workspace-types", "admin", "user", "metrics-viewer")
DEFAULT_BATTERIES = ("workspace-types", "admin")


def parse_batteries(value: str) -> tuple[str, ...]:
    """kcp's rules: a plain list replaces the defaults, `+x`/`-x` adjust them; `user` needs `admin`."""
    items = [v.strip() for v in value.split(",") if v.strip()]
    plain = [i for i in items if i[0] not in "+-"]
    enabled = set(plain) if plain else set(DEFAULT_BATTERIES)
    for item in items:
        name = item.lstrip("+-")
        if name not in BATTERIES:
            raise ValueError(f"unknown battery {name!r} (known: {', '.join(BATTERIES)})")
        if item[0] == "+":
            enabled.add(name)
        elif item[0] == "-":
            enabled.discard(name)
    if "user" in enabled and "admin" not in enabled:
        raise ValueError("the 'user' battery requires the 'admin' battery (try '+user')")
    return tuple(b for b in BATTERIES if b in enabled)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbosity >= 4 else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    try:
        storage = parse_storage_url(args.storage, args.root_directory)
    except StorageURLError as e:
        print(f"kcp: --storage: {e}", file=sys.stderr)
        return 2
    try:
        batteries = parse_batteries(args.batteries_included)
    except ValueError as e:
        print(f"kcp: --batteries-included: {e}", file=sys.stderr)
        return 2
    config = ServerConfig(
        root_directory=args.root_directory,
        bind_address=args.bind_address,
        secure_port=args.secure_port,
        storage=storage,
        external_hostname=args.external_hostname,
        max_requests_inflight=args.max_requests_inflight,
        max_mutating_requests_inflight=args.max_mutating_requests_inflight,
        request_timeout=args.request_timeout,
        compaction_interval=args.etcd_compaction_interval,
        batteries=batteries,
        enable_home_workspaces=args.enable_home_workspaces,
        home_creator_groups=parse_groups(args.home_workspaces_home_creator_groups),
        logical_cluster_total_object_limit=args.logical_cluster_total_object_limit,
        logical_cluster_object_count_scan_interval=args.logical_cluster_object_count_scan_interval,
    )
    from kcp.server.run import run

    return run(config)
