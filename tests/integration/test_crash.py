"""kill -9 during a write storm: every acknowledged write survives a crash (reliability.md §5.1).

Writer threads create, update and delete ConfigMaps over a small shared key set, each write carrying
a unique write id and a resourceVersion precondition (creates: the key is absent; updates: the
object's RV; deletes: `preconditions.resourceVersion`). The server gets SIGKILL at a random moment;
every write is recorded as acked (2xx and its RV), unknown (cut off, or 5xx) or failed (refused
before sending, or 4xx). After a restart on the same root the final state must be explained by the
history, revisions must move on, /readyz must be 200 within 5 s, and the database must pass
`PRAGMA integrity_check` (read-only) both as the kill left it and after the restarted server stops.

Plain `http.client` connections on purpose: aiohttp silently resends PUT and DELETE once when a
kept-alive connection drops, and a resent write would be recorded with the wrong outcome.
"""

from __future__ import annotations

import http.client
import os
import random
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support.server import Server, start, stop

TRIALS = 20
WRITERS = 8
KEYS = [f"key-{i}" for i in range(16)]
NAMESPACE = "storm"
KILL_AFTER = (0.5, 3.0)  # seconds into the storm
READY_WITHIN = 5.0
CM_PATH = f"/clusters/root/api/v1/namespaces/{NAMESPACE}/configmaps"


@dataclass(frozen=True)
class Write:
    """One attempted write. `rv` is the returned RV of an acked create/update; `precondition` the RV a
    delete or update required. Deletes answer with a Status that carries no RV."""

    wid: str
    key: str
    kind: str  # create | update | delete
    outcome: str  # acked | unknown | failed
    rv: int | None
    precondition: int | None


class Storm:
    """Writer threads over one server; each keeps its own persistent HTTPS connection."""

    def __init__(self, server: Server, seed: int) -> None:
        self.server = server
        self.seed = seed
        self.headers = {
            "Authorization": f"Bearer {server.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.ssl = server.ssl_context()
        self.view: dict[str, int | None] = {}  # key -> RV we last saw (None: absent); only steers choices
        self.history: list[Write] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.crashes: list[BaseException] = []  # a writer that died would silently shorten the history
        self.threads = [
            threading.Thread(target=self._writer, args=(n,), name=f"storm-{n}") for n in range(WRITERS)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            if thread.ident is not None:
                thread.join(timeout=30)
        assert not any(t.is_alive() for t in self.threads), "a writer thread hung"
        assert not self.crashes, f"writer threads crashed: {self.crashes!r}"

    def _connect(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.server.port, context=self.ssl, timeout=5)

    def _writer(self, n: int) -> None:
        try:
            self._write(n)
        except BaseException as e:
            self.crashes.append(e)

    def _write(self, n: int) -> None:
        rng = random.Random(self.seed * 100 + n)
        conn: http.client.HTTPSConnection | None = None
        seq = 0
        while not self.stopping.is_set():
            key = rng.choice(KEYS)
            with self.lock:
                current = self.view.get(key)
            wid = f"w{n}-{seq}"
            seq += 1
            if current is None:
                kind, method, path, body = "create", "POST", CM_PATH, _configmap(key, wid)
            elif rng.random() < 0.75:
                kind, method, path, body = "update", "PUT", f"{CM_PATH}/{key}", _configmap(key, wid, current)
            else:
                kind, method, path = "delete", "DELETE", f"{CM_PATH}/{key}"
                body = orjson.dumps({"preconditions": {"resourceVersion": str(current)}})
            if conn is None:
                conn = self._connect()
            try:
                conn.request(method, path, body=body, headers=self.headers)
                resp = conn.getresponse()
                status, payload = resp.status, resp.read()
            except ConnectionRefusedError:  # nothing was sent
                self._record(wid, key, kind, "failed", None, current)
                conn.close()
                conn = None
                continue
            except (OSError, http.client.HTTPException):  # cut off mid-request: it may have landed
                self._record(wid, key, kind, "unknown", None, current)
                conn.close()
                conn = None
                continue
            if 200 <= status < 300:
                rv = None if kind == "delete" else int(orjson.loads(payload)["metadata"]["resourceVersion"])
                self._record(wid, key, kind, "acked", rv, current)
                with self.lock:
                    self.view[key] = rv
            elif status >= 500:
                self._record(wid, key, kind, "unknown", None, current)
            else:
                self._record(wid, key, kind, "failed", None, current)
                if status in (404, 409):
                    self._refresh(conn, key)

    def _record(
        self, wid: str, key: str, kind: str, outcome: str, rv: int | None, current: int | None
    ) -> None:
        with self.lock:
            self.history.append(Write(wid, key, kind, outcome, rv, None if kind == "create" else current))

    def _refresh(self, conn: http.client.HTTPSConnection, key: str) -> None:
        """After a conflict, learn the key's current RV so the next write on it can succeed."""
        try:
            conn.request("GET", f"{CM_PATH}/{key}", headers=self.headers)
            resp = conn.getresponse()
            status, payload = resp.status, resp.read()
        except (OSError, http.client.HTTPException):
            return  # the next write reconnects and records its own outcome
        if status in (200, 404):
            rv = int(orjson.loads(payload)["metadata"]["resourceVersion"]) if status == 200 else None
            with self.lock:
                self.view[key] = rv


def _configmap(name: str, wid: str, rv: int | None = None) -> bytes:
    meta: dict[str, Any] = {"name": name}
    if rv is not None:
        meta["resourceVersion"] = str(rv)
    return orjson.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"wid": wid}})


def explain(history: list[Write], final: dict[str, tuple[str, int]]) -> list[str]:
    """Problems with the final state (name -> (wid, rv)) given the history; [] when it is explained.

    Present as (W, R): W is an acked or unknown create/update of that key, R is at least every acked
    RV on the key (equal only for that very write) and above every acked delete's precondition.
    Absent: if anything was acked on the key after its last delete, some delete (acked or unknown)
    must have had a precondition at least the newest acked create/update RV on the key.
    """
    problems = []
    by_wid = {w.wid: w for w in history}
    for key in KEYS:
        writes = [w for w in history if w.key == key]
        acked = [w for w in writes if w.outcome == "acked" and w.kind != "delete"]
        newest = max(acked, key=lambda w: w.rv or 0, default=None)
        acked_deletes = [w.precondition or 0 for w in writes if w.outcome == "acked" and w.kind == "delete"]
        if key in final:
            wid, rv = final[key]
            write = by_wid.get(wid)
            if write is None or write.key != key or write.kind == "delete" or write.outcome == "failed":
                problems.append(f"{key}: holds {wid}@{rv}, which is no acked or unknown write of it: {write}")
            elif write.outcome == "acked" and write.rv != rv:
                problems.append(f"{key}: holds {wid}@{rv}, but that write was acked at RV {write.rv}")
            if newest is not None and (newest.rv or 0) > rv:
                problems.append(f"{key}: lost acked {newest.wid}@{newest.rv}; holds older {wid}@{rv}")
            if newest is not None and newest.rv == rv and newest.wid != wid:
                problems.append(f"{key}: RV {rv} was acked for {newest.wid} but holds {wid}")
            if any(p >= rv for p in acked_deletes):
                problems.append(f"{key}: holds {wid}@{rv}, older than an acked delete")
        elif newest is not None:
            deletes = [w for w in writes if w.kind == "delete" and w.outcome != "failed"]
            if not any((w.precondition or 0) >= (newest.rv or 0) for w in deletes):
                problems.append(
                    f"{key}: lost acked {newest.wid}@{newest.rv}; the key is gone and no delete came after it"
                )
    return problems


def test_explain_accepts_what_the_history_allows_and_flags_lost_acks() -> None:
    """The checker itself: a checker that accepts everything would make the kill trials vacuous."""
    history = [
        Write("a", "key-0", "create", "acked", 10, None),
        Write("b", "key-0", "update", "acked", 12, 10),
        Write("c", "key-0", "delete", "unknown", None, 12),
        Write("d", "key-1", "create", "acked", 11, None),
        Write("e", "key-1", "update", "unknown", None, 11),
        Write("f", "key-2", "create", "acked", 13, None),
        Write("g", "key-2", "delete", "acked", None, 13),
        Write("h", "key-2", "create", "failed", None, None),
    ]
    assert explain(history, {"key-0": ("b", 12), "key-1": ("d", 11)}) == []
    assert explain(history, {"key-1": ("e", 20)}) == []  # key-0 deleted by the unknown delete
    assert explain(history, {"key-0": ("a", 10), "key-1": ("d", 11)}) != []  # lost the acked b@12
    assert explain(history, {"key-1": ("d", 11), "key-2": ("f", 13)}) != []  # lost the acked delete g
    assert explain(history, {"key-1": ("d", 11), "key-2": ("h", 15)}) != []  # a failed write landed
    assert explain(history, {"key-1": ("d", 12)}) != []  # acked at 11, read back at 12
    assert explain(history, {}) != []  # lost the acked d@11


def _list(server: Server) -> tuple[dict[str, tuple[str, int]], int]:
    code, body, _ = server.request("GET", CM_PATH)
    assert code == 200, body
    items = {
        item["metadata"]["name"]: (item["data"]["wid"], int(item["metadata"]["resourceVersion"]))
        for item in body["items"]
        if "wid" in item.get("data", {})  # not the namespace's kube-root-ca.crt
    }
    return items, int(body["metadata"]["resourceVersion"])


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("trial", range(TRIALS))
def test_kill9_during_write_storm_keeps_every_ack(trial: int, tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    kill_after = random.Random(seed).uniform(*KILL_AFTER)
    root = tmp_path / "root"
    server = start(root)
    restarted: Server | None = None
    storm = Storm(server, seed)
    try:
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
        code, body, _ = server.request("POST", "/clusters/root/api/v1/namespaces", namespace)
        assert code == 201, body
        storm.start()
        time.sleep(kill_after)
        stop(server, sig_kill=True)
        storm.stop()
        (tmp_path / "history.json").write_bytes(orjson.dumps([asdict(w) for w in storm.history]))
        outcomes = Counter(w.outcome for w in storm.history)
        context = (
            f"seed {seed}, killed after {kill_after:.2f}s, {dict(outcomes)}, "
            f"history in {tmp_path / 'history.json'}"
        )
        acked = [w for w in storm.history if w.outcome == "acked"]
        assert acked, f"no write was acknowledged before the kill ({context})"
        assert _integrity(root / "kcp.db") == "ok", f"the crash left a damaged database ({context})"

        began = time.monotonic()
        restarted = start(root)
        took = time.monotonic() - began
        assert took <= READY_WITHIN, f"/readyz took {took:.2f}s after restart ({context})"

        final, list_rv = _list(restarted)
        problems = explain(storm.history, final)
        assert not problems, f"{len(problems)} problems ({context}):\n" + "\n".join(problems[:20])

        highest = max([w.rv or 0 for w in acked] + [w.precondition or 0 for w in acked] + [list_rv])
        code, body, _ = restarted.request("POST", CM_PATH, orjson.loads(_configmap("after-restart", "after")))
        assert code == 201, body
        first = int(body["metadata"]["resourceVersion"])
        assert first > highest, f"first write after restart got RV {first}, not above {highest} ({context})"
    finally:
        stop(server, sig_kill=True)
        storm.stop()
        if restarted is not None:
            # SIGKILL again: a SIGTERM stop of an idle server currently takes ~5 s, and what must be
            # sound is the file a crash leaves behind.
            stop(restarted, sig_kill=True)
    assert _integrity(root / "kcp.db") == "ok"
