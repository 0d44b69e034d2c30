"""Request rates and latencies per number of clients: the no-op HTTP ceiling, then ConfigMap CRUD.

The no-op is `GET /clusters/root/version` with the admin token: TLS, authn, cluster resolution and
authz but no storage, so it is the most the HTTP stack can serve. Each level runs in its own
load-generator processes; a phase ends at its request bound or its time bound, whichever is first.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.server import Server

from bench.loadgen import Fleet, Phase, configmap, configmaps_path, spec
from bench.stats import Rate, cpu_seconds, machine_busy_seconds

OPS = ("noop", "create", "get", "list", "update")  # get and update use what create made
LIST_ITEMS = 20


@dataclass(frozen=True)
class Level:
    clients: int
    processes: int
    requests: int  # per op, over all processes
    seconds: float  # per op


def seed_list_namespace(server: Server, namespace: str) -> None:
    """The list phase reads a namespace of LIST_ITEMS ConfigMaps, whatever create has added elsewhere."""
    for i in range(LIST_ITEMS):
        code, body, _ = server.request(
            "POST", configmaps_path(namespace), raw=configmap(f"item-{i}", {"payload": "x" * 200})
        )
        if code != 201:
            raise RuntimeError(f"seeding {namespace}: {code} {body}")


def measure(server: Server, level: Level, namespace: str, list_namespace: str) -> dict[str, Rate]:
    """Run every op of OPS at this level; returns op -> merged rate."""
    if level.clients % level.processes:
        raise ValueError("clients must divide evenly over processes")
    phases = [
        Phase(
            op=op,
            requests=level.requests // level.processes,
            seconds=level.seconds,
            namespace=list_namespace if op == "list" else namespace,
        )
        for op in OPS
    ]
    specs = [
        spec(server, level.clients // level.processes, f"c{level.clients}-p{i}", phases)
        for i in range(level.processes)
    ]
    rates = {}
    with Fleet(specs) as fleet:
        for op in OPS:
            cpu, busy = cpu_seconds(server.proc.pid), machine_busy_seconds()
            results = fleet.step(timeout=level.seconds + 60)
            server_cpu = cpu_seconds(server.proc.pid) - cpu
            rates[op] = Rate.merge(op, results, server_cpu, machine_busy_seconds() - busy)
    return rates
