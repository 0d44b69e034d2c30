"""`python -m bench`: SQLite, HTTP ceiling, ConfigMap CRUD and watch figures, checked against targets.

Starts its own server (by process handle) in a temp dir, drives it over loopback from separate
load-generator processes, prints every figure, and exits 1 if a target fails.
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

from bench import api_rates, sqlite_rate, watch_latency
from bench.stats import Rate

NAMESPACE, LIST_NAMESPACE, WATCH_NAMESPACE = "bench", "bench-list", "bench-watch"
TARGET_CREATE_VS_NOOP = 0.5
TARGET_CREATE_VS_SQLITE = 1.0
TARGET_GET_P99_MS = 5.0
OTHER_CPU_WARN = 0.25  # cores used by other processes during a phase before its figures are suspect


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
    args = parser.parse_args(argv)
    scale = 0.1 if args.quick else 1.0
    levels = [
        api_rates.Level(1, 1, int(2000 * scale), 4.0),
        api_rates.Level(10, 1, int(8000 * scale), 6.0),
        api_rates.Level(50, args.processes_at_50, int(12000 * scale), 8.0),
    ]
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows when piped
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kcp-bench-") as tmp:
        work = Path(tmp)
        print(
            f"kcp benchmark: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, data in {work}\n"
        )
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
    passed = _print_targets(sqlite, rates, watch)
    print(f"\ntotal time {time.monotonic() - began:.0f} s")
    return 0 if passed else 1


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


def _print_targets(
    sqlite: sqlite_rate.SqliteRates, rates: dict[int, dict[str, Rate]], watch: watch_latency.WatchLatency
) -> bool:
    creates, noop, single = (
        rates[50]["create"].per_second,
        rates[50]["noop"].per_second,
        sqlite.single_per_second,
    )
    vs_noop, vs_sqlite = _ratio(creates, noop), _ratio(creates, single)
    get_p99 = rates[10]["get"].p99_ms
    errors = sum(r.errors for level in rates.values() for r in level.values()) + watch.write_errors
    missing = watch.expected - watch.delivered
    checks = [
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
    print("[e] targets")
    for label, value, target, ok in checks:
        print(f"    {label:<44}{value:<28}{target:<12}{'PASS' if ok else 'FAIL'}")
    busy = [
        f"{c}/{r.label}" for c, level in rates.items() for r in level.values() if r.other_cpu > OTHER_CPU_WARN
    ]
    if busy:
        print(
            f"    WARNING: other processes kept over {OTHER_CPU_WARN:.0%} of a core busy during "
            f"{len(busy)} of {sum(map(len, rates.values()))} phases ({', '.join(busy)}); "
            "those figures are skewed, run again"
        )
    return all(ok for *_, ok in checks)


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def _print_log_tail(log: Path, lines: int = 30) -> None:
    if log.exists():
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        print(f"--- last {len(tail)} lines of the server log {log} ---", *tail, sep="\n", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
