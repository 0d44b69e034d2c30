"""Figures from raw samples: rates and nearest-rank percentiles, merged over load-generator processes."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all processes on the machine have used so far, summed over cores (Linux /proc)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Rate:
    """One phase of requests: successes per second of wall time, latency percentiles in ms."""

    label: str
    ok: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    server_cpu: float  # cores the server used on average during the phase
    loadgen_cpu: float  # cores all load-generator processes used together
    other_cpu: float  # cores everything else on the machine used: other work skews the figures
    sample_errors: tuple[str, ...] = ()

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    @classmethod
    def merge(
        cls, label: str, results: Sequence[dict[str, Any]], server_cpu_seconds: float, busy_seconds: float
    ) -> Rate:
        """Combine one phase's results from several processes: wall time spans first start to last end."""
        latencies = [x for r in results for x in r["latencies_ms"]]
        seconds = max(r["end"] for r in results) - min(r["start"] for r in results)
        loadgen_cpu_seconds = sum(r["cpu_seconds"] for r in results)
        return cls(
            label=label,
            ok=sum(r["ok"] for r in results),
            errors=sum(r["errors"] for r in results),
            seconds=seconds,
            p50_ms=percentile(latencies, 50),
            p99_ms=percentile(latencies, 99),
            server_cpu=server_cpu_seconds / seconds,
            loadgen_cpu=loadgen_cpu_seconds / seconds,
            other_cpu=max(0.0, busy_seconds - server_cpu_seconds - loadgen_cpu_seconds) / seconds,
            sample_errors=tuple(e for r in results for e in r["sample_errors"])[:3],
        )
