"""`python -m bench`: SQLite, HTTP ceiling, ConfigMap CRUD, watch and workspace figures, against targets.

Starts its own servers (by process handle) in a temp dir, drives them over loopback from separate
load-generator processes, prints every figure, and exits 1 if a target fails. The workspace figures
come from a second, fresh server so that the other phases' load does not weigh on its memory.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tests.support.server import Server, start, stop

from bench import api_rates, sqlite_rate, watch_latency, workspaces
from bench.stats import Rate

NAMESPACE, LIST_NAMESPACE, WATCH_NAMESPACE = "bench", "bench-list", "bench-watch"
TARGET_CREATE_VS_NOOP = 0.5
TARGET_CREATE_VS_SQLITE = 1.0
TARGET_GET_P99_MS = 5.0
OTHER_CPU_WARN = 0.25  # cores used by other processes during a phase before its figures are suspect
WORKSPACES, WORKSPACE_CLIENTS = 10_000, 20
TARGET_WORKSPACES_PER_SECOND = 500.0
TARGET_RSS_PER_WORKSPACE = 2048.0  # bytes
TARGET_WORKSPACE_VS_NAMESPACE = 2.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--processes-at-50",
        type=int,
        default=2,
        choices=(1, 2, 5),
        help="load-generator processes sharing the 50 clients (default: 2)",
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the requests: a smoke run")
    parser.add_argument(
        "--only",
        choices=("api", "workspaces"),
        help="run one part: 'api' (SQLite, requests, watch) or 'workspaces'",
    )
    parser.add_argument(
        "--workspaces", type=int, help=f"workspaces (and namespaces) to create (default {WORKSPACES:,})"
    )
    args = parser.parse_args(argv)
    scale = 0.1 if args.quick else 1.0
    levels = [
        api_rates.Level(1, 1, int(2000 * scale), 4.0),
        api_rates.Level(10, 1, int(8000 * scale), 6.0),
        api_rates.Level(50, args.processes_at_50, int(12000 * scale), 8.0),
    ]
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows when piped
    began = time.monotonic()
    checks: list[Check] = []
    with tempfile.TemporaryDirectory(prefix="kcp-bench-") as tmp:
        work = Path(tmp)
        print(
            f"kcp benchmark: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, data in {work}\n"
        )
        if args.only in (None, "api"):
            checks += _api(work, levels, scale)
        if args.only in (None, "workspaces"):
            count = args.workspaces or int(WORKSPACES * scale)
            checks += _workspaces(work, count)
    passed = _print_targets(checks)
    print(f"\ntotal time {time.monotonic() - began:.0f} s")
    return 0 if passed else 1


Check = tuple[str, str, str, bool]  # label, value, target, passed


def _api(work: Path, levels: list[api_rates.Level], scale: float) -> list[Check]:
    sqlite = sqlite_rate.measure(work)
    _print_sqlite(sqlite)
    server: Server | None = None
    try:
        server = start(work / "root")
        rates = _run_levels(server, levels)
        watch = watch_latency.measure(server, WATCH_NAMESPACE, writes=int(200 * max(scale, 0.25)))
    except BaseException:
        _print_log_tail(work / "root.log")
        raise
    finally:
        if server is not None:
            stop(server)
    _print_watch(watch)
    return _api_checks(sqlite, rates, watch)


def _workspaces(work: Path, count: int) -> list[Check]:
    print(
        f"[e] workspaces: {count:,} namespaces, then {count:,} workspaces (type root:universal) in root, "
        f"{WORKSPACE_CLIENTS} clients in 2 processes, on a fresh server"
    )
    server: Server | None = None
    try:
        (work / "ws-root").mkdir()
        server = start(work / "ws-root")
        figures = workspaces.measure(server, count, WORKSPACE_CLIENTS)
    except BaseException:
        _print_log_tail(work / "ws-root.log")
        raise
    finally:
        if server is not None:
            stop(server)
    return _print_workspaces(figures, count)


def _run_levels(server: Server, levels: list[api_rates.Level]) -> dict[int, dict[str, Rate]]:
    for ns in (NAMESPACE, LIST_NAMESPACE, WATCH_NAMESPACE):
        code, body, _ = server.request(
            "POST",
            "/clusters/root/api/v1/namespaces",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
        )
        if code != 201:
            raise RuntimeError(f"creating namespace {ns}: {code} {body}")
    api_rates.seed_list_namespace(server, LIST_NAMESPACE)
    print("[b, c] HTTPS over loopback, keep-alive (one connection per client), admin bearer token;")
    print(
        f"       noop = GET /clusters/root/version; list = {api_rates.LIST_ITEMS} ConfigMaps; "
        "load generators are separate processes;\n"
        "       CPU columns: cores busy on average, 100% = one core of the machine's 2; 'other' is every\n"
        "       other process on the machine (anything well above 0% skews that row)\n"
    )
    print(
        f"  {'clients':>7} {'procs':>5}  {'op':<7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'requests':>10}{'errors':>8}{'server CPU':>12}{'loadgen CPU':>13}{'other CPU':>11}"
    )
    rates: dict[int, dict[str, Rate]] = {}
    for level in levels:
        rates[level.clients] = api_rates.measure(server, level, NAMESPACE, LIST_NAMESPACE)
        for rate in rates[level.clients].values():
            print(
                f"  {level.clients:>7} {level.processes:>5}  {rate.label:<7}{rate.per_second:>9,.0f}"
                f"{rate.p50_ms:>9.2f}{rate.p99_ms:>9.2f}{rate.ok:>10,}{rate.errors:>8}"
                f"{rate.server_cpu:>12.0%}{rate.loadgen_cpu:>13.0%}{rate.other_cpu:>11.0%}"
            )
            for error in rate.sample_errors:
                print(f"  {'':>23}error: {error}")
    print()
    return rates


def _print_sqlite(rates: sqlite_rate.SqliteRates) -> None:
    print(f"[a] raw SQLite inserts, WAL + synchronous=FULL, {sqlite_rate.ROW_BYTES}-byte rows")
    print(
        f"    one commit per row        {rates.single_per_second:>10,.0f} rows/s "
        f"({rates.single_rows:,} rows in {rates.single_seconds:.2f} s)"
    )
    print(
        f"    {sqlite_rate.BATCH:,} rows per commit     {rates.batched_per_second:>10,.0f} rows/s "
        f"({rates.batched_rows:,} rows in {rates.batched_seconds:.2f} s)"
    )
    print(f"    batched / one per row     {rates.batched_per_second / rates.single_per_second:>10.1f}x\n")


def _print_watch(watch: watch_latency.WatchLatency) -> None:
    print(
        f"[d] watch delivery: {watch.watchers} watchers ({watch.processes} processes) on one namespace, "
        f"{watch.writes} creates at {watch.rate:.0f}/s from another process"
    )
    print(
        f"    events delivered          {watch.delivered:,} of {watch.expected:,}  "
        f"(write errors: {watch.write_errors})"
    )
    print(
        f"    write ack -> event        p50 {watch.p50_ms:.2f} ms   p99 {watch.p99_ms:.2f} ms   "
        f"max {watch.max_ms:.2f} ms"
    )
    print(f"    write sent -> event       p50 {watch.sent_p50_ms:.2f} ms   p99 {watch.sent_p99_ms:.2f} ms\n")


def _print_workspaces(f: workspaces.WorkspaceFigures, count: int) -> list[Check]:
    kib, mib = 1024, 1024 * 1024
    for label, phase in (
        ("namespaces created", f.namespaces),
        ("workspaces created (POST)", f.posted),
        ("workspaces Ready", f.ready),
    ):
        print(
            f"    {label:<26}{phase.count:>7,} in {phase.seconds:7.2f} s = {phase.per_second:>7,.0f}/s   "
            f"server CPU {phase.server_cpu / max(phase.count, 1) * 1000:5.2f} ms each, "
            f"other CPU {phase.other_cpu:.0%}   errors {phase.errors}"
        )
        for error in phase.sample_errors:
            print(f"    {'':<26}error: {error}")
    print(
        f"    server RSS, settled       {f.rss_before / mib:.1f} MiB before, "
        f"{f.rss_after / mib:.1f} MiB after (peak {f.rss_peak / mib:.1f} MiB): "
        f"{f.rss_per_workspace / kib:.2f} KiB per workspace"
    )
    print(
        f"    root directory            {f.disk_before / mib:.1f} MiB before, "
        f"{f.disk_after / mib:.1f} MiB after: "
        f"{f.disk_per_workspace / kib:.1f} KiB per workspace "
        f"({'after' if f.checkpointed else 'WAL not truncated: no'} checkpoint)"
    )
    print(
        f"    time to Ready / time to create as many namespaces = "
        f"{f.ready.seconds:.2f} / {f.namespaces.seconds:.2f} = {f.ratio:.2f}"
        f" (POST only: {f.posted.seconds / f.namespaces.seconds:.2f})\n"
    )
    busy = [p for p in (f.namespaces, f.ready) if p.other_cpu > OTHER_CPU_WARN]
    if busy:
        print(f"    WARNING: other processes kept over {OTHER_CPU_WARN:.0%} of a core busy; figures skewed\n")
    errors = f.namespaces.errors + f.posted.errors
    return [
        (
            f"workspaces to Ready @{f.clients}",
            f"{f.ready.per_second:,.0f}/s",
            f">= {TARGET_WORKSPACES_PER_SECOND:.0f}/s",
            f.ready.per_second >= TARGET_WORKSPACES_PER_SECOND,
        ),
        (
            "RSS per idle workspace",
            f"{f.rss_per_workspace / kib:.2f} KiB",
            f"<= {TARGET_RSS_PER_WORKSPACE / kib:.0f} KiB",
            f.rss_per_workspace <= TARGET_RSS_PER_WORKSPACE,
        ),
        (
            "workspace time to Ready / namespace create",
            f"{f.ratio:.2f}",
            f"<= {TARGET_WORKSPACE_VS_NAMESPACE:.0f}",
            f.ratio <= TARGET_WORKSPACE_VS_NAMESPACE,
        ),
        ("workspaces Ready / requested", f"{f.ready.count:,} / {count:,}", "all", f.ready.count == count),
        ("failed creates, namespaces and workspaces", f"{errors}", "= 0", errors == 0),
    ]


def _api_checks(
    sqlite: sqlite_rate.SqliteRates, rates: dict[int, dict[str, Rate]], watch: watch_latency.WatchLatency
) -> list[Check]:
    creates, noop, single = (
        rates[50]["create"].per_second,
        rates[50]["noop"].per_second,
        sqlite.single_per_second,
    )
    vs_noop, vs_sqlite = _ratio(creates, noop), _ratio(creates, single)
    get_p99 = rates[10]["get"].p99_ms
    errors = sum(r.errors for level in rates.values() for r in level.values()) + watch.write_errors
    missing = watch.expected - watch.delivered
    checks: list[Check] = [
        (
            "API creates @50 / no-op @50",
            f"{creates:,.0f} / {noop:,.0f} = {vs_noop:.3f}",
            f">= {TARGET_CREATE_VS_NOOP}",
            vs_noop >= TARGET_CREATE_VS_NOOP,
        ),
        (
            "API creates @50 / SQLite 1 commit per row",
            f"{creates:,.0f} / {single:,.0f} = {vs_sqlite:.3f}",
            f"> {TARGET_CREATE_VS_SQLITE}",
            vs_sqlite > TARGET_CREATE_VS_SQLITE,
        ),
        (
            "p99 GET @10 clients",
            f"{get_p99:.2f} ms",
            f"<= {TARGET_GET_P99_MS} ms",
            get_p99 <= TARGET_GET_P99_MS,
        ),
        ("failed requests, all phases", f"{errors}", "= 0", errors == 0),
        ("watch events missing", f"{missing}", "= 0", missing == 0),
    ]
    busy = [
        f"{c}/{r.label}" for c, level in rates.items() for r in level.values() if r.other_cpu > OTHER_CPU_WARN
    ]
    if busy:
        print(
            f"    WARNING: other processes kept over {OTHER_CPU_WARN:.0%} of a core busy during "
            f"{len(busy)} of {sum(map(len, rates.values()))} phases ({', '.join(busy)}); "
            "those figures are skewed, run again\n"
        )
    return checks


def _print_targets(checks: list[Check]) -> bool:
    print("[f] targets")
    for label, value, target, ok in checks:
        print(f"    {label:<44}{value:<28}{target:<12}{'PASS' if ok else 'FAIL'}")
    return all(ok for *_, ok in checks)


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def _print_log_tail(log: Path, lines: int = 30) -> None:
    if log.exists():
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        print(f"--- last {len(tail)} lines of the server log {log} ---", *tail, sep="\n", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
