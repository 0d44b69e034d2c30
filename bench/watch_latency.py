"""Watch delivery latency: many watchers on one namespace's ConfigMaps while another process writes.

Latency is measured twice per (watcher, write): from the moment the writer read its 2xx response
(delivery after the ack; may be slightly negative, since the server hands events to watchers before
it answers the writer) and from the moment the writer sent the request (end to end).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.server import Server

from bench.loadgen import Fleet, Phase, spec
from bench.stats import percentile


@dataclass(frozen=True)
class WatchLatency:
    watchers: int
    processes: int
    writes: int  # acknowledged
    rate: float
    expected: int  # watchers x acknowledged writes
    delivered: int
    p50_ms: float  # from ack
    p99_ms: float
    max_ms: float
    sent_p50_ms: float  # from send
    sent_p99_ms: float
    write_errors: int


def measure(
    server: Server,
    namespace: str,
    *,
    watchers: int = 100,
    processes: int = 2,
    writes: int = 200,
    rate: float = 50.0,
    seconds: float = 15.0,
) -> WatchLatency:
    watch = Phase(op="watch", requests=writes, seconds=seconds, namespace=namespace)
    write = Phase(op="write", requests=writes, seconds=seconds, namespace=namespace, rate=rate)
    specs = [spec(server, watchers // processes, f"watch-{i}", [watch]) for i in range(processes)]
    specs.append(spec(server, 1, "write", [write]))
    with Fleet(specs) as fleet:
        *watched, written = fleet.step(timeout=seconds + 60)
    acks: dict[str, list[float]] = written["acks"]
    from_ack: list[float] = []
    from_sent: list[float] = []
    for result in watched:
        for got in result["received"]:
            for name, arrived in got.items():
                if name in acks:
                    sent, acked = acks[name]
                    from_ack.append((arrived - acked) * 1000)
                    from_sent.append((arrived - sent) * 1000)
    return WatchLatency(
        watchers=watchers // processes * processes,
        processes=processes,
        writes=len(acks),
        rate=rate,
        expected=len(acks) * (watchers // processes * processes),
        delivered=len(from_ack),
        p50_ms=percentile(from_ack, 50),
        p99_ms=percentile(from_ack, 99),
        max_ms=max(from_ack, default=0.0),
        sent_p50_ms=percentile(from_sent, 50),
        sent_p99_ms=percentile(from_sent, 99),
        write_errors=written["errors"],
    )
