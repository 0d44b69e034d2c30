"""Malformed input never gets a 5xx (reliability 5.5): a Hypothesis HTTP fuzzer against one server.

Requests come from tests/support/fuzz_requests.py: real API shapes, mutated. Every answer must be
below 500 and, when it is an error and JSON was acceptable, a `Status` whose `code` is the HTTP
status. Afterwards the server's log must hold no traceback and objects kept where the fuzzer never
writes (names starting with `sentinel`) must be unchanged. Failures are collected, not shrunk, so
one run reports every distinct problem; the seed is printed to replay it (KCP_FUZZ_SEED=<seed>);
KCP_FUZZ_TRACE=1 prints every request with its answer and time.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import ssl
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.support.fuzz_objects import WIDGET_CRD, valid, widget_crd
from tests.support.fuzz_requests import Request, requests
from tests.support.polling import eventually
from tests.support.server import Server, running

SEED = int(os.environ.get("KCP_FUZZ_SEED") or random.getrandbits(32))
CLIENT_TIMEOUT = 20.0  # a request (watches end after 1 s) that takes longer has hung
WS = "/apis/tenancy.kcp.io/v1alpha1/workspaces"
JSON_ACCEPTED = re.compile(r"(^|,)\s*(application/json|\*/\*|application/\*)")
SENTINELS = [  # (cluster, path under /clusters/<cluster>, body)
    ("root", "/api/v1/namespaces", valid("Namespace", "sentinel", "")),
    ("root", "/api/v1/namespaces/sentinel/configmaps", valid("ConfigMap", "sentinel", "sentinel")),
    ("root", "/api/v1/namespaces/sentinel/secrets", valid("Secret", "sentinel", "sentinel")),
    (
        "root",
        "/apis/fuzz.example.com/v1/namespaces/sentinel/widgets",
        valid("Widget", "sentinel", "sentinel"),
    ),
    ("root", "/apis/rbac.authorization.k8s.io/v1/clusterroles", valid("ClusterRole", "sentinel", "")),
    ("root:sentinel", "/api/v1/namespaces", valid("Namespace", "sentinel", "")),
    ("root:sentinel", "/api/v1/namespaces/sentinel/configmaps", valid("ConfigMap", "sentinel", "sentinel")),
]


class _Connection(http.client.HTTPSConnection):
    """Sends the path as generated: http.client would refuse some bytes a real client can send."""

    def _validate_path(self, url: str) -> None:
        pass

    def _encode_request(self, request: str) -> bytes:
        return request.encode("utf-8", "surrogateescape")


@dataclass
class Fuzzer:
    """One server, keep-alive connections per credential, and what went wrong."""

    server: Server
    tokens: dict[str, str | None]
    clusters: tuple[str, ...]
    context: ssl.SSLContext
    conns: dict[str, _Connection] = field(default_factory=dict)
    sent: int = 0
    codes: Counter[int] = field(default_factory=Counter)
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(8))
    watches: list[Future[None]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def send(self, req: Request) -> tuple[int, dict[str, str], bytes]:
        """One request; a connection the server closed is opened again once."""
        for attempt in (1, 2):
            conn = self.conns.get(req.token)
            if conn is None:
                conn = _Connection(
                    "127.0.0.1", self.server.port, context=self.context, timeout=CLIENT_TIMEOUT
                )
                self.conns[req.token] = conn
            headers = dict(req.headers)
            if token := self.tokens[req.token]:
                headers["Authorization"] = f"Bearer {token}"
            try:
                conn.request(req.method, req.target, body=req.body, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                if resp.will_close:
                    self._drop(req.token)
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, payload
            except TimeoutError:
                self._drop(req.token)
                raise
            except (OSError, http.client.HTTPException):
                self._drop(req.token)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _drop(self, token: str) -> None:
        conn = self.conns.pop(token, None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        for done in self.watches:
            done.result()
        self.pool.shutdown()
        for token in list(self.conns):
            self._drop(token)

    def run_one(self, req: Request) -> None:
        """Watches last their second on a pool's connections, so they do not hold up the rest."""
        self.sent += 1
        if req.watching:  # a watch must end by itself: the server's 1 s, not the client's patience
            req.query = "&".join(
                [p for p in req.query.split("&") if p and not p.startswith("timeoutSeconds=")]
                + ["timeoutSeconds=1"]
            )
            self.watches.append(self.pool.submit(self._watch, req))
        else:
            self._check(req, self.send)

    def _watch(self, req: Request) -> None:
        worker = Fuzzer(self.server, self.tokens, self.clusters, self.context, failures=self.failures)
        try:
            worker._check(req, worker.send)
        finally:
            worker.close()

    def _check(self, req: Request, send: Callable[[Request], tuple[int, dict[str, str], bytes]]) -> None:
        t0 = time.monotonic()
        try:
            code, headers, payload = send(req)
        except TimeoutError:
            self.failures.append(f"hang (> {CLIENT_TIMEOUT}s): {_show(req)}")
            return
        except (OSError, http.client.HTTPException) as exc:
            self.failures.append(f"connection lost ({exc!r}): {_show(req)}")
            return
        self.codes[code] += 1
        if os.environ.get("KCP_FUZZ_TRACE"):
            print("TRACE", code, f"{time.monotonic() - t0:.3f}", req.method, req.target[:150], payload[:200])
        problem = _judge(req, code, headers, payload)
        if problem:
            self.failures.append(f"{problem}: {_show(req)} -> {code} {payload[:300]!r}")


def _judge(req: Request, code: int, headers: dict[str, str], payload: bytes) -> str | None:
    """What is wrong with one answer, if anything."""
    body: Any = None
    content_type = headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = orjson.loads(payload) if code != 200 or not req.watching else None
        except orjson.JSONDecodeError:
            return "an undecodable JSON body"
    elif content_type.startswith("application/yaml") and code >= 400:  # a client that prefers YAML
        try:
            body = yaml.safe_load(payload)
        except yaml.YAMLError:
            return "an undecodable YAML body"
    if code >= 500 and not _kube_timeout(req, code, body):
        return f"a {code}"
    if code == 200 and req.watching:
        for line in payload.splitlines():
            event = orjson.loads(line)
            status = event["object"] if event.get("type") == "ERROR" else {}
            if status.get("code", 0) >= 500 and not _kube_timeout(req, status["code"], status):
                return f"a watch ERROR event with code {status['code']}"
    if code >= 400 and JSON_ACCEPTED.search(req.headers.get("Accept", "*/*")):
        if not isinstance(body, dict) or body.get("kind") != "Status":
            return "an error body that is not a Status"
        if body.get("code") != code or body.get("status") != "Failure" or body.get("apiVersion") != "v1":
            return "a Status whose code or status disagrees with the answer"
    return None


def _kube_timeout(req: Request, code: int, body: Any) -> bool:
    """kube's own 504s: a request's `timeout` ran out, or a resourceVersion not reached in time."""
    if code != 504 or not isinstance(body, dict) or body.get("reason") != "Timeout":
        return False
    causes = (body.get("details") or {}).get("causes") or [{}]
    return "timeout=" in req.query or causes[0].get("reason") == "ResourceVersionTooLarge"


def _show(req: Request) -> str:
    body = req.body if req.body is None or len(req.body) < 400 else req.body[:400] + b"..."
    return f"{req.method} {req.target[:300]} token={req.token} headers={req.headers} body={body!r}"


def _create(server: Server, cluster: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    code, got, _ = server.request("POST", f"/clusters/{cluster}{path}", body)
    assert code == 201, got
    return dict(got)


def _workspace_ready(server: Server, name: str) -> str:
    """Creates root:<name> and waits until it is Ready; returns its logical cluster name."""
    _create(server, "root", WS, valid("Workspace", name, ""))

    def ready() -> str | None:
        _, body, _ = server.request("GET", f"/clusters/root{WS}/{name}")
        return str(body["spec"]["cluster"]) if body.get("status", {}).get("phase") == "Ready" else None

    return eventually(ready, f"workspace {name} Ready")


def _install_crd(server: Server, cluster: str) -> None:
    _create(server, cluster, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widget_crd())

    def served() -> bool:
        code, _, _ = server.request("GET", f"/clusters/{cluster}/apis/fuzz.example.com/v1/widgets")
        return code == 200

    eventually(served, f"{WIDGET_CRD} served in {cluster}")


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """A server of its own: the fuzzer leaves its workspaces in no state another test could use."""
    root = tmp_path_factory.mktemp("fuzz") / "root"
    with running(root) as server:
        yield server, root.parent / f"{root.name}.log"


def _fuzz(server: Server, log: Path, examples: int, budget: float) -> None:
    """Prepare, fuzz for at most `budget` seconds, then check the log and the sentinels."""
    fuzz_cluster = _workspace_ready(server, "fuzz")
    _workspace_ready(server, "sentinel")
    for cluster in ("root", "root:fuzz"):
        _install_crd(server, cluster)
        for ns in ("fuzz", "nope"):
            server.request("POST", f"/clusters/{cluster}/api/v1/namespaces", valid("Namespace", ns, ""))
    kept = [(cluster, path, _create(server, cluster, path, body)) for cluster, path, body in SENTINELS]
    kept.append(("root", WS, server.request("GET", f"/clusters/root{WS}/sentinel")[1]))
    fuzzer = Fuzzer(
        server,
        {"admin": server.token, "none": None, "bad": "not-a-token"},
        (fuzz_cluster,),
        server.ssl_context(),
    )
    started = time.monotonic()
    batch = 0
    try:  # batches of examples until the budget is spent: Hypothesis has no time limit of its own
        while time.monotonic() - started < budget and fuzzer.sent < examples:
            _batch(fuzzer, SEED + batch)
            batch += 1
    finally:
        fuzzer.close()
    elapsed = time.monotonic() - started
    print(f"fuzz seed {SEED}: {fuzzer.sent} requests in {elapsed:.1f}s, {len(fuzzer.failures)} failures")
    print("answers by code:", dict(sorted(fuzzer.codes.items())))
    assert not fuzzer.failures, f"seed {SEED}, {len(fuzzer.failures)} failures:\n" + "\n".join(
        fuzzer.failures[:40]
    )
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "internal error" not in text, (
        f"seed {SEED}: server log:\n{text[-5000:]}"
    )
    for cluster, path, before in kept:
        name = before["metadata"]["name"]
        code, now, _ = server.request("GET", f"/clusters/{cluster}{path}/{name}")
        assert code == 200, f"seed {SEED}: sentinel {cluster} {path}/{name} lost: {now}"
        assert now["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"], (
            f"seed {SEED}: sentinel {cluster} {path}/{name} changed:\n{before}\n{now}"
        )


BATCH = 400


def _batch(fuzzer: Fuzzer, batch_seed: int) -> None:
    @settings(
        max_examples=BATCH,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # collect every failure; no shrinking on a live server
        suppress_health_check=list(HealthCheck),
    )
    @seed(batch_seed)
    @given(req=requests(extra_clusters=fuzzer.clusters))
    def one(req: Request) -> None:
        fuzzer.run_one(req)

    one()


def test_fuzz_never_answers_5xx(fuzz_server: tuple[Server, Path]) -> None:
    """About 35 seconds of requests; KCP_FUZZ_SEED replays a run."""
    _fuzz(*fuzz_server, examples=20_000, budget=35.0)


@pytest.mark.slow
@pytest.mark.timeout(900)  # the suite's 300 s would end the soak's 600 s of requests
def test_fuzz_soak(tmp_path: Path) -> None:
    """Ten minutes of requests against a fresh server (make bench)."""
    with running(tmp_path / "root") as server:
        _fuzz(server, tmp_path / "root.log", examples=1_000_000, budget=600.0)
