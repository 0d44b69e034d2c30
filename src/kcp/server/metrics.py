"""Prometheus metrics for requests; label values are bounded (never a workspace name).

Custom resources are named by their workspaces' CRDs, so their group and resource labels could grow
with every workspace and never shrink (kcp's own #4007): past `MAX_RESOURCES` distinct pairs, further
ones are counted together under group and resource "*"."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.exposition import choose_encoder

if TYPE_CHECKING:
    from kcp.server.requestinfo import RequestInfo

REQUESTS = Counter(
    "apiserver_request_total",
    "Requests by verb, group, resource and code.",
    ["verb", "group", "resource", "code"],
)
LATENCY = Histogram(
    "apiserver_request_duration_seconds",
    "Request latency by verb, group and resource.",
    ["verb", "group", "resource"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def observe(method: str, info: RequestInfo | None, code: int, seconds: float) -> None:
    if info is not None and info.is_resource_request:
        verb, group, resource = info.verb.upper(), info.group, info.resource
    else:
        verb, group, resource = method, "", ""
    count, latency = _series(verb, group, resource, code)
    count.inc()
    if latency is not None:
        latency.observe(seconds)


MAX_RESOURCES = 1024
_resources: set[tuple[str, str]] = set()


@functools.lru_cache(maxsize=4096)
def _series(verb: str, group: str, resource: str, code: int) -> tuple[Counter, Histogram | None]:
    """A request's two series, looked up once: `labels()` takes a lock and checks every label."""
    if (group, resource) not in _resources:
        if len(_resources) >= MAX_RESOURCES:
            group = resource = "*"
        else:
            _resources.add((group, resource))
    latency = LATENCY.labels(verb, group, resource) if verb != "WATCH" else None
    return REQUESTS.labels(verb, group, resource, str(code)), latency


def response(accept: str) -> web.Response:
    """Text exposition, or OpenMetrics when the scraper asks for it."""
    encode, content_type = choose_encoder(accept)
    return web.Response(body=encode(REGISTRY), headers={"Content-Type": content_type})
