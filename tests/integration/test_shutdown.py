"""SIGTERM drains instead of dropping (reliability.md §5.4): open watches end with a clean stream
close, writes in flight are answered and durable, and the process exits promptly with status 0.

Plain `http.client` connections, so every write is sent exactly once and its outcome is known.
"""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path

import orjson

from tests.support.server import Server, start, stop

NAMESPACE = "drain"
CM_PATH = f"/clusters/root/api/v1/namespaces/{NAMESPACE}/configmaps"
WRITERS = 8
EXIT_WITHIN = 10.0


def connect(server: Server) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection("127.0.0.1", server.port, context=server.ssl_context(), timeout=20)


def headers(server: Server) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}


def writer(server: Server, n: int, acked: list[str], answers: list[int], stop_at: threading.Event) -> None:
    """Creates until the server refuses or goes away; records names acknowledged with 201."""
    conn = connect(server)
    i = 0
    try:
        while not stop_at.is_set():
            name = f"w{n}-{i}"
            i += 1
            body = orjson.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}})
            try:
                conn.request("POST", CM_PATH, body=body, headers=headers(server))
                resp = conn.getresponse()
                payload = resp.read()
            except (OSError, http.client.HTTPException):
                return  # refused or closed before an answer: never acknowledged
            answers.append(resp.status)
            if resp.status == 201:
                acked.append(name)
            elif resp.status == 429:
                assert resp.getheader("Retry-After") == "5"
                assert orjson.loads(payload)["kind"] == "Status"
                return
    finally:
        conn.close()


def test_sigterm_ends_watches_cleanly_and_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    root = tmp_path / "root"
    server = start(root)
    try:
        code, _, _ = server.request(
            "POST", "/clusters/root/api/v1/namespaces", {"metadata": {"name": NAMESPACE}}
        )
        assert code == 201
        watch = connect(server)
        watch.request("GET", f"{CM_PATH}?watch=1&timeoutSeconds=120", headers=headers(server))
        stream = watch.getresponse()
        assert stream.status == 200

        acked: list[str] = []
        answers: list[int] = []
        done = threading.Event()
        threads = [
            threading.Thread(target=writer, args=(server, n, acked, answers, done)) for n in range(WRITERS)
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(acked) < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        server.proc.terminate()
        seen = stream.read()  # raises IncompleteRead if the stream is cut instead of ended
        watch.close()
        assert server.proc.wait(timeout=EXIT_WITHIN) == 0
        assert time.monotonic() - started < EXIT_WITHIN
        done.set()
        for t in threads:
            t.join(timeout=20)
        assert set(answers) <= {201, 429}, answers
        events = [orjson.loads(line) for line in seen.splitlines() if line]
        assert all(e["type"] in ("ADDED", "BOOKMARK") for e in events)
    finally:
        stop(server)

    server = start(root, server.port)
    try:
        code, listing, _ = server.request("GET", CM_PATH)
        assert code == 200
        stored = {item["metadata"]["name"] for item in listing["items"]}
        assert set(acked) <= stored, sorted(set(acked) - stored)[:5]
    finally:
        stop(server)
