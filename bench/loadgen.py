"""Load-generator processes, driven phase by phase by the benchmark (`Fleet`).

A child (`python -m bench.loadgen`, spec as one JSON line on stdin) opens one keep-alive aiohttp
session per client, then for each phase prints `ready`, waits for `go`, runs the phase and prints one
JSON result line. Clients live outside the server's process so their CPU is not the server's, and
several children can share one load. Timestamps are `time.monotonic()`: on Linux one clock for all
processes, so the parent may compare one child's times with another's.
"""

from __future__ import annotations

import asyncio
import queue
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import aiohttp
import orjson
import uvloop
from tests.support.server import Server

REPO = Path(__file__).resolve().parent.parent
PAYLOAD = "x" * 200
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)
WATCH_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10)


class Phase(TypedDict):
    """One step: `op` is noop, create, get, list, update, workspace, namespace (request loops), watch
    or write. `workspace` and `namespace` create objects of that kind in root (`namespace` unused)."""

    op: str
    requests: int  # the bound: requests for loops, writes for `write`, events per watcher for `watch`
    seconds: float  # the time bound
    namespace: str
    rate: NotRequired[float]  # writes per second, `write` only


class Spec(TypedDict):
    base_url: str
    token: str
    cafile: str
    clients: int
    prefix: str  # object names are unique per child
    phases: list[Phase]


def spec(server: Server, clients: int, prefix: str, phases: list[Phase]) -> Spec:
    """A child's spec for `clients` clients of `server`, authenticated as its admin."""
    return Spec(
        base_url=server.base_url,
        token=server.token,
        cafile=str(server.root / "ca.crt"),
        clients=clients,
        prefix=prefix,
        phases=phases,
    )


def configmap(name: str, data: dict[str, str], resource_version: str = "") -> bytes:
    meta = {"name": name, "resourceVersion": resource_version} if resource_version else {"name": name}
    return orjson.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})


WORKSPACES_PATH = "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces"
NAMESPACES_PATH = "/clusters/root/api/v1/namespaces"


def workspace(name: str) -> bytes:
    """A Workspace of type root:universal (initialized by root:universal: namespaces and roles)."""
    return orjson.dumps(
        {
            "apiVersion": "tenancy.kcp.io/v1alpha1",
            "kind": "Workspace",
            "metadata": {"name": name},
            "spec": {"type": {"name": "universal", "path": "root"}},
        }
    )


def namespace(name: str) -> bytes:
    return orjson.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def configmaps_path(namespace: str, name: str = "") -> str:
    path = f"/clusters/root/api/v1/namespaces/{namespace}/configmaps"
    return f"{path}/{name}" if name else path


class Worker:
    """The child side: sessions, the objects each client created, and one method per kind of phase."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        ctx = ssl.create_default_context(cafile=spec["cafile"])
        headers = {
            "Authorization": f"Bearer {spec['token']}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        self.sessions = [
            aiohttp.ClientSession(
                spec["base_url"],
                headers=headers,
                timeout=REQUEST_TIMEOUT,
                connector=aiohttp.TCPConnector(ssl=ctx, limit=1, keepalive_timeout=120),
            )
            for _ in range(spec["clients"])
        ]
        self.owned: list[dict[str, str]] = [{} for _ in self.sessions]  # per client: name -> resourceVersion
        self.watches: list[aiohttp.ClientResponse] = []

    async def close(self) -> None:
        for resp in self.watches:
            resp.close()
        for session in self.sessions:
            await session.close()

    async def warm_up(self) -> None:
        """Open every keep-alive connection (TLS handshake included) before anything is timed."""
        for _ in range(2):
            await asyncio.gather(*(self._version(s) for s in self.sessions))

    async def prepare(self, phase: Phase) -> None:
        """Work that must finish before `ready`: watches are open before the writer starts."""
        if phase["op"] != "watch":
            return
        path = configmaps_path(phase["namespace"])
        async with self.sessions[0].get(path) as resp:
            listing = orjson.loads(await resp.read())
        params = {
            "watch": "1",
            "resourceVersion": listing["metadata"]["resourceVersion"],
            "timeoutSeconds": str(int(phase["seconds"]) + 30),
        }
        self.watches = list(
            await asyncio.gather(*(s.get(path, params=params, timeout=WATCH_TIMEOUT) for s in self.sessions))
        )
        statuses = {resp.status for resp in self.watches}
        if statuses != {200}:
            raise RuntimeError(f"watch answered {statuses}")

    async def run(self, phase: Phase) -> dict[str, Any]:
        if phase["op"] == "watch":
            return await self._watch(phase)
        if phase["op"] == "write":
            return await self._write(phase)
        return await self._loop(phase)

    async def _version(self, session: aiohttp.ClientSession) -> None:
        async with session.get("/clusters/root/version") as resp:
            await resp.read()
            resp.raise_for_status()

    def _request(self, phase: Phase, client: int, n: int) -> tuple[str, str, bytes | None]:
        op, ns, owned = phase["op"], phase["namespace"], self.owned[client]
        if op == "noop":
            return "GET", "/clusters/root/version", None
        if op == "list":
            return "GET", configmaps_path(ns), None
        if op == "create":
            name = f"{self.spec['prefix']}-{client}-{len(owned)}"
            return "POST", configmaps_path(ns), configmap(name, {"payload": PAYLOAD})
        if op == "workspace":
            return "POST", WORKSPACES_PATH, workspace(f"{self.spec['prefix']}-{client}-{len(owned)}")
        if op == "namespace":
            return "POST", NAMESPACES_PATH, namespace(f"{self.spec['prefix']}-{client}-{len(owned)}")
        names = list(owned)  # get and update cycle over what this client created
        if not names:
            raise RuntimeError(f"client {client} created nothing to {op}")
        name = names[n % len(names)]
        if op == "get":
            return "GET", configmaps_path(ns, name), None
        if op == "update":
            return (
                "PUT",
                configmaps_path(ns, name),
                configmap(name, {"payload": PAYLOAD, "n": str(n)}, owned[name]),
            )
        raise ValueError(f"unknown op {op!r}")

    async def _loop(self, phase: Phase) -> dict[str, Any]:
        """Every client sends one request at a time until the shared request or time bound is hit."""
        deadline = time.monotonic() + phase["seconds"]
        issued = 0
        latencies: list[float] = []
        errors: list[str] = []

        async def client(i: int) -> None:
            nonlocal issued
            session, n = self.sessions[i], 0
            while issued < phase["requests"] and time.monotonic() < deadline:
                issued += 1
                method, path, body = self._request(phase, i, n)
                n += 1
                started = time.perf_counter()
                try:
                    async with session.request(method, path, data=body) as resp:
                        payload, status = await resp.read(), resp.status
                except (aiohttp.ClientError, TimeoutError) as e:
                    errors.append(repr(e))
                    continue
                if status >= 300:
                    errors.append(f"{method} {status}: {payload[:200].decode(errors='replace')}")
                    continue
                latencies.append(time.perf_counter() - started)
                if method in ("POST", "PUT"):
                    meta = orjson.loads(payload)["metadata"]
                    self.owned[i][meta["name"]] = meta["resourceVersion"]

        start, cpu = time.monotonic(), time.process_time()
        await asyncio.gather(*(client(i) for i in range(len(self.sessions))))
        return {
            "start": start,
            "end": time.monotonic(),
            "cpu_seconds": time.process_time() - cpu,
            "ok": len(latencies),
            "errors": len(errors),
            "sample_errors": errors[:3],
            "latencies_ms": [round(x * 1000, 3) for x in latencies],
        }

    async def _watch(self, phase: Phase) -> dict[str, Any]:
        """Each watcher records when each ADDED event arrived, until it has all of them or time is up."""
        deadline = time.monotonic() + phase["seconds"]
        received: list[dict[str, float]] = [{} for _ in self.watches]

        async def consume(resp: aiohttp.ClientResponse, got: dict[str, float]) -> None:
            while len(got) < phase["requests"]:
                try:
                    line = await asyncio.wait_for(resp.content.readline(), deadline - time.monotonic())
                except TimeoutError:
                    return
                arrived = time.monotonic()
                if not line:
                    return
                event = orjson.loads(line)
                if event["type"] == "ADDED":
                    got[event["object"]["metadata"]["name"]] = arrived

        await asyncio.gather(*(consume(resp, got) for resp, got in zip(self.watches, received, strict=True)))
        return {"received": received}

    async def _write(self, phase: Phase) -> dict[str, Any]:
        """Paced creates from one client; records when each was sent and when it was acknowledged."""
        session, interval = self.sessions[0], 1 / phase["rate"]
        start = time.monotonic()
        deadline = start + phase["seconds"]
        acks: dict[str, tuple[float, float]] = {}
        errors: list[str] = []
        for n in range(phase["requests"]):
            await asyncio.sleep(max(0.0, start + n * interval - time.monotonic()))
            if time.monotonic() >= deadline:
                break
            name = f"{self.spec['prefix']}-{n}"
            sent = time.monotonic()
            body = configmap(name, {"sent": repr(sent)})
            async with session.post(configmaps_path(phase["namespace"]), data=body) as resp:
                payload = await resp.read()
                if resp.status != 201:
                    errors.append(f"POST {resp.status}: {payload[:200].decode(errors='replace')}")
                    continue
            acks[name] = (sent, time.monotonic())
        return {"acks": acks, "errors": len(errors), "sample_errors": errors[:3]}


async def _child() -> None:
    loop = asyncio.get_running_loop()
    spec: Spec = orjson.loads(await loop.run_in_executor(None, sys.stdin.readline))
    worker = Worker(spec)
    try:
        await worker.warm_up()
        for phase in spec["phases"]:
            await worker.prepare(phase)
            _say(b"ready")
            if (await loop.run_in_executor(None, sys.stdin.readline)).strip() != "go":
                return
            _say(orjson.dumps(await worker.run(phase)))
    finally:
        await worker.close()


def _say(line: bytes) -> None:
    sys.stdout.buffer.write(line + b"\n")
    sys.stdout.buffer.flush()


class Fleet:
    """Child processes started together and stepped through their phases in lock-step.

    Every child gets `ready` before anyone gets `go`, so the processes of one load start together.
    Children are stopped by handle on exit, killed if they do not finish.
    """

    def __init__(self, specs: list[Spec]) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.lines: list[queue.Queue[bytes]] = []
        for spec in specs:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bench.loadgen"],
                cwd=REPO,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            lines: queue.Queue[bytes] = queue.Queue()
            threading.Thread(target=_pump, args=(proc, lines), daemon=True).start()
            self.procs.append(proc)
            self.lines.append(lines)
            self._send(proc, orjson.dumps(spec))

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            if proc.stdin is not None and not proc.stdin.closed:
                proc.stdin.close()  # a child reading for `go` sees EOF and exits
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    def step(self, timeout: float) -> list[dict[str, Any]]:
        """Run the next phase in every child; returns their results in child order."""
        self.ready()
        return self.go(timeout)

    def ready(self) -> None:
        """Wait until every child is set up for its next phase (started, connected, warmed up)."""
        for lines in self.lines:
            self._expect(lines, 60.0, ready=True)

    def go(self, timeout: float) -> list[dict[str, Any]]:
        """Start the phase every child is ready for; returns their results in child order."""
        for proc in self.procs:
            self._send(proc, b"go")
        return [orjson.loads(self._expect(lines, timeout)) for lines in self.lines]

    @staticmethod
    def _send(proc: subprocess.Popen[bytes], line: bytes) -> None:
        assert proc.stdin is not None
        proc.stdin.write(line + b"\n")
        proc.stdin.flush()

    @staticmethod
    def _expect(lines: queue.Queue[bytes], timeout: float, *, ready: bool = False) -> bytes:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"a load generator did not answer within {timeout:.0f}s") from None
        if not line or (ready and line.strip() != b"ready"):
            raise RuntimeError(f"a load generator failed (said {line[:200]!r}); see its stderr above")
        return line


def _pump(proc: subprocess.Popen[bytes], lines: queue.Queue[bytes]) -> None:
    """Forward a child's stdout lines; an empty line means it exited."""
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.put(line)
    lines.put(b"")


if __name__ == "__main__":
    uvloop.run(_child())
