"""Workspaces: create N through the API, time them to Ready, and weigh what each leaves in RSS and on disk.

Against its own fresh server: a warm-up of both kinds (first-use costs, and filling bounded pools such
as the controllers' connections, are not the workspaces'), then N namespaces in root at the same
concurrency (the yardstick), then the server settles and RSS and disk are read, then N workspaces of
type root:universal are created while one watch in this process records when each first reports
`status.phase: Ready`; the server settles again and RSS and disk are read again. Creates come from
load-generator processes, so their CPU is not the server's.

Settled means the server used under SETTLE_CPU of a core for two consecutive seconds, then stayed idle
for SETTLE_IDLE more: only memory that the server still holds at rest is charged to the workspaces.
Disk is every file under the root directory after a `wal_checkpoint(TRUNCATE)` from a second SQLite
connection (the WAL is then empty when the checkpoint succeeds; its size is counted either way).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from tests.support.server import Server

from bench.loadgen import WATCH_TIMEOUT, WORKSPACES_PATH, Fleet, Phase, spec
from bench.stats import cpu_seconds, machine_busy_seconds

SETTLE_CPU = 0.03  # cores
SETTLE_IDLE = 3.0  # seconds
WARM_UP = 200  # enough to fill the controllers' connection pools: a fixed cost, not a per-workspace one


@dataclass(frozen=True)
class Created:
    """One create phase: `seconds` spans the first request sent to the last answer (or last Ready)."""

    count: int  # acknowledged creates
    errors: int
    seconds: float
    server_cpu: float  # server CPU seconds over the phase
    other_cpu: float  # cores used by everything else on average
    sample_errors: tuple[str, ...] = ()

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class WorkspaceFigures:
    clients: int
    processes: int
    namespaces: Created
    posted: Created  # workspaces, until the last POST was answered
    ready: Created  # workspaces, until the last was Ready; count is how many became Ready
    rss_before: int  # bytes, settled, after the namespaces
    rss_after: int  # bytes, settled, after the workspaces
    rss_peak: int  # VmHWM: the most the server held at any time
    disk_before: int
    disk_after: int
    checkpointed: bool  # both disk readings followed a successful TRUNCATE checkpoint

    @property
    def rss_per_workspace(self) -> float:
        return (self.rss_after - self.rss_before) / max(self.ready.count, 1)

    @property
    def disk_per_workspace(self) -> float:
        return (self.disk_after - self.disk_before) / max(self.ready.count, 1)

    @property
    def ratio(self) -> float:
        """Time to Ready for the workspaces over time to create as many namespaces."""
        return self.ready.seconds / self.namespaces.seconds if self.namespaces.seconds else float("nan")


def measure(server: Server, count: int, clients: int = 20, processes: int = 2) -> WorkspaceFigures:
    _create(server, "namespace", WARM_UP, clients, processes, "warm-ns")
    _create(server, "workspace", WARM_UP, clients, processes, "warm-ws", timeout=120.0)
    os.sync()  # each phase starts with nothing left to write back: fsyncs wait on no one's pages
    namespaces, _ = _create(server, "namespace", count, clients, processes, "ns")
    settle(server)
    rss_before = rss_bytes(server.proc.pid)
    ok_before, disk_before = checkpoint(server.root / "kcp.db"), disk_bytes(server.root)
    os.sync()  # the checkpoint's pages, written back now rather than during the workspaces
    posted, ready = _create(
        server, "workspace", count, clients, processes, "ws", timeout=max(300.0, count / 10)
    )
    assert ready is not None
    settle(server)
    rss_after, rss_peak = rss_bytes(server.proc.pid), rss_bytes(server.proc.pid, "VmHWM")
    ok_after, disk_after = checkpoint(server.root / "kcp.db"), disk_bytes(server.root)
    return WorkspaceFigures(
        clients=clients,
        processes=processes,
        namespaces=namespaces,
        posted=posted,
        ready=ready,
        rss_before=rss_before,
        rss_after=rss_after,
        rss_peak=rss_peak,
        disk_before=disk_before,
        disk_after=disk_after,
        checkpointed=ok_before and ok_after,
    )


def _create(
    server: Server, op: str, count: int, clients: int, processes: int, prefix: str, timeout: float = 120.0
) -> tuple[Created, Created | None]:
    """Create `count` objects; for workspaces also wait until every acknowledged one is Ready."""
    phase = Phase(op=op, requests=count // processes, seconds=timeout, namespace="")
    specs = [spec(server, clients // processes, f"{prefix}-{i}", [phase]) for i in range(processes)]
    watch = ReadyWatch(server, f"{prefix}-", count // processes * processes) if op == "workspace" else None
    with Fleet(specs) as fleet:
        fleet.ready()  # the children's start-up is nobody's CPU in the figures
        if watch is not None:
            watch.start()
        cpu, busy = cpu_seconds(server.proc.pid), machine_busy_seconds()
        results = fleet.go(timeout=timeout + 60)
        posted = _phase(results, cpu, busy, server, max(r["end"] for r in results))
    if watch is None:
        return posted, None
    try:
        watch.wait(max(r["start"] for r in results) + timeout)
    finally:
        watch.stop()
    last = max(watch.ready.values(), default=max(r["end"] for r in results))
    ready = _phase(results, cpu, busy, server, last, count=len(watch.ready))
    return posted, ready


def _phase(
    results: list[dict[str, Any]],
    cpu: float,
    busy: float,
    server: Server,
    end: float,
    count: int | None = None,
) -> Created:
    start = min(r["start"] for r in results)
    seconds = end - start
    server_cpu = cpu_seconds(server.proc.pid) - cpu
    loadgen = sum(r["cpu_seconds"] for r in results)
    other = max(0.0, machine_busy_seconds() - busy - server_cpu - loadgen)
    return Created(
        count=sum(r["ok"] for r in results) if count is None else count,
        errors=sum(r["errors"] for r in results),
        seconds=seconds,
        server_cpu=server_cpu,
        other_cpu=other / seconds if seconds > 0 else 0.0,
        sample_errors=tuple(e for r in results for e in r["sample_errors"])[:3],
    )


class ReadyWatch:
    """One watch on root's workspaces, in a thread: when each name with `prefix` was first Ready.

    Opened (list, then watch from the list's revision) before the creates start; resumed from the
    last revision seen if the server ends the stream.
    """

    def __init__(self, server: Server, prefix: str, expected: int) -> None:
        self.server = server
        self.prefix = prefix
        self.expected = expected
        self.ready: dict[str, float] = {}
        self.opened = threading.Event()
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self.opened.wait(30):
            raise RuntimeError(f"the Ready watch did not open: {self.error!r}")

    def wait(self, deadline: float) -> None:
        self.done.wait(max(0.0, deadline - time.monotonic()))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as e:  # reported by start() or by a short count
            self.error = e
        finally:
            self.opened.set()
            self.done.set()

    async def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.server.token}", "Accept": "application/json"}
        connector = aiohttp.TCPConnector(ssl=self.server.ssl_context())
        async with aiohttp.ClientSession(self.server.base_url, headers=headers, connector=connector) as s:
            async with s.get(WORKSPACES_PATH) as resp:
                rv = orjson.loads(await resp.read())["metadata"]["resourceVersion"]
            while not self._stop.is_set() and len(self.ready) < self.expected:
                params = {"watch": "1", "resourceVersion": rv, "timeoutSeconds": "3600"}
                async with s.get(WORKSPACES_PATH, params=params, timeout=WATCH_TIMEOUT) as resp:
                    if resp.status != 200:
                        raise RuntimeError(f"watch answered {resp.status}: {(await resp.read())[:200]!r}")
                    self.opened.set()
                    rv = await self._consume(resp, rv)
        self.done.set()

    async def _consume(self, resp: aiohttp.ClientResponse, rv: str) -> str:
        while not self._stop.is_set() and len(self.ready) < self.expected:
            try:
                line = await asyncio.wait_for(resp.content.readline(), 1.0)
            except TimeoutError:
                continue
            if not line:
                return rv
            event = orjson.loads(line)
            obj = event["object"]
            if event["type"] == "ERROR":
                raise RuntimeError(f"watch error: {obj}")
            meta = obj["metadata"]
            rv = meta.get("resourceVersion", rv)
            name = meta["name"]
            if (
                name.startswith(self.prefix)
                and name not in self.ready
                and (obj.get("status") or {}).get("phase") == "Ready"
            ):
                self.ready[name] = time.monotonic()
        return rv


def settle(server: Server, timeout: float = 60.0) -> None:
    """Wait for the server to go quiet (two quiet seconds in a row), then SETTLE_IDLE more seconds."""
    deadline, quiet = time.monotonic() + timeout, 0
    while quiet < 2 and time.monotonic() < deadline:
        before = cpu_seconds(server.proc.pid)
        time.sleep(1.0)
        quiet = quiet + 1 if cpu_seconds(server.proc.pid) - before < SETTLE_CPU else 0
    time.sleep(SETTLE_IDLE)


def rss_bytes(pid: int, field: str = "VmRSS") -> int:
    """Resident set size of a process (VmRSS in /proc/<pid>/status; VmHWM for its peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} for process {pid}")


def checkpoint(db: Path) -> bool:
    """Fold the WAL into the database file and truncate it; False if the server's readers kept it busy."""
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=5.0)) as conn:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return busy == 0
    except sqlite3.Error:
        return False


def disk_bytes(root: Path) -> int:
    """Apparent size of every file under `root`: database, WAL, shared memory, certificates."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
