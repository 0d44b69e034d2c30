"""Recorded client traffic for the reliability suites (reliability.md §5.1-§5.3).

Client threads create, update and delete ConfigMaps over small key sets, every write carrying a
unique write id and a resourceVersion precondition (creates: the key is absent; updates: the
object's RV; deletes: `preconditions.resourceVersion`), and may also read. Every request becomes
one `Op` in the history: acked (2xx), failed (refused before sending, or another definite answer)
or unknown (cut off, or 5xx: it may have landed), with the times it was invoked and answered.

Plain `http.client` connections on purpose: aiohttp silently resends PUT and DELETE once when a
kept-alive connection drops, and a resent write would be recorded with the wrong outcome.
"""

from __future__ import annotations

import http.client
import math
import random
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

WRITES = ("create", "update", "delete")
# etcd's Kubernetes traffic profile: 75% update, 15% delete, 10% create (reliability.md §1.2)
KUBE_MIX = (("update", 0.75), ("delete", 0.15), ("create", 0.10))


@dataclass(frozen=True)
class Op:
    """One request. Keys are `<cluster>/<name>`; a list's key is its scope, `<cluster>/`.

    `rv` is the new RV of an acked create/update, the object's RV for a get, the list's RV for a
    list (deletes answer with a Status that carries none). `precondition` is the RV an update or
    delete required. Reads note what came back in `seen` as (key, wid, rv). `completed` is when the
    answer came: infinite for an unknown outcome, which may take effect at any time after `invoked`.
    """

    wid: str
    key: str
    kind: str  # create | update | delete | get | list
    outcome: str  # acked | unknown | failed
    rv: int | None
    precondition: int | None
    invoked: float = 0.0
    completed: float = math.inf
    status: int = 0  # the HTTP status; 0 when none came
    reason: str = ""  # the Status reason of a refusal
    seen: tuple[tuple[str, str, int], ...] = ()
    not_older_than: int | None = None  # a list with resourceVersion=N (NotOlderThan)


@dataclass(frozen=True)
class Target:
    """One namespace in one workspace, written by `clients` threads over `keys` names."""

    cluster: str
    namespace: str
    keys: tuple[str, ...]
    clients: int
    pause: float = 0.0  # seconds each client sleeps between requests (a quiet workspace)

    def path(self, name: str = "") -> str:
        base = f"/clusters/{self.cluster}/api/v1/namespaces/{self.namespace}/configmaps"
        return f"{base}/{name}" if name else base


def key_of(cluster: str, name: str) -> str:
    return f"{cluster}/{name}"


def configmap(name: str, wid: str, rv: int | None = None) -> bytes:
    meta: dict[str, Any] = {"name": name}
    if rv is not None:
        meta["resourceVersion"] = str(rv)
    return orjson.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"wid": wid}})


@dataclass
class _Client:
    target: Target
    n: int
    rng: random.Random
    conn: http.client.HTTPSConnection | None = None
    seq: int = 0
    highest: int = 0  # the highest RV this client has seen, for NotOlderThan reads
    extra: dict[str, Any] = field(default_factory=dict)


class Storm:
    """Client threads over one server (or its successors on the same port and root).

    `mix=None` is the crash suite's traffic: create when the key is believed absent, else update
    (75%) or delete. With a mix, the kind is drawn first and a fitting key second, and a `reads`
    share of requests are consistent GETs and LISTs or NotOlderThan LISTs.
    """

    def __init__(
        self,
        port: int,
        token: str,
        ssl_context: ssl.SSLContext,
        targets: list[Target],
        seed: int,
        *,
        mix: tuple[tuple[str, float], ...] | None = None,
        reads: float = 0.0,
        timeout: float = 5.0,
    ) -> None:
        self.port = port
        self.seed = seed
        self.targets = targets
        self.mix = mix
        self.reads = reads
        self.timeout = timeout
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.ssl = ssl_context
        self.view: dict[str, int | None] = {}  # key -> RV we last saw (None: absent); only steers choices
        self.history: list[Op] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.crashes: list[BaseException] = []  # a client that died would silently shorten the history
        self.threads = [
            threading.Thread(target=self._run, args=(t, n), name=f"storm-{t.cluster}-{n}")
            for t in targets
            for n in range(t.clients)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            if thread.ident is not None:
                thread.join(timeout=self.timeout + 25)
        assert not any(t.is_alive() for t in self.threads), "a client thread hung"
        assert not self.crashes, f"client threads crashed: {self.crashes!r}"

    def snapshot(self) -> list[Op]:
        with self.lock:
            return list(self.history)

    def _run(self, target: Target, n: int) -> None:
        client = _Client(target, n, random.Random(f"{self.seed}-{target.cluster}-{n}"))
        try:
            while not self.stopping.is_set():
                self._step(client)
                if target.pause:
                    time.sleep(target.pause * client.rng.uniform(0.5, 1.5))
        except BaseException as e:
            self.crashes.append(e)
        finally:
            if client.conn is not None:
                client.conn.close()

    def _step(self, c: _Client) -> None:
        t, rng = c.target, c.rng
        if self.mix is not None and rng.random() < self.reads:
            r = rng.random()
            if r < 0.5:
                self._get(c, rng.choice(t.keys))
            else:
                self._list(c, not_older_than=c.highest if r > 0.85 and c.highest else None)
            return
        with self.lock:
            view = {name: self.view.get(key_of(t.cluster, name)) for name in t.keys}
        present = [name for name, rv in view.items() if rv is not None]
        absent = [name for name, rv in view.items() if rv is None]
        if self.mix is None:
            name = rng.choice(t.keys)
            current = view[name]
            kind = "create" if current is None else ("update" if rng.random() < 0.75 else "delete")
        else:
            kind = rng.choices([k for k, _ in self.mix], [w for _, w in self.mix])[0]
            if kind != "create" and not present:
                kind = "create"
            pool = present if kind != "create" else (absent or list(t.keys))
            name = rng.choice(pool)
            current = view[name]
        wid = f"w{self.seed:x}-{t.cluster}-{c.n}-{c.seq}"
        c.seq += 1
        if kind == "create":
            method, path, body = "POST", t.path(), configmap(name, wid)
        elif kind == "update":
            method, path, body = "PUT", t.path(name), configmap(name, wid, current)
        else:
            method, path = "DELETE", t.path(name)
            body = orjson.dumps({"preconditions": {"resourceVersion": str(current)}})
        key = key_of(t.cluster, name)
        precondition = None if kind == "create" else current
        status, payload, invoked, completed = self._send(c, method, path, body)
        if status is None:  # refused before sending, or cut off mid-request (payload says which)
            self._record(Op(wid, key, kind, payload, None, precondition, invoked))
            if payload == "failed":
                time.sleep(0.02)  # the server is down: do not spin
            return
        if 200 <= status < 300:
            rv = None if kind == "delete" else int(orjson.loads(payload)["metadata"]["resourceVersion"])
            self._record(Op(wid, key, kind, "acked", rv, precondition, invoked, completed, status))
            self._learn(c, key, rv)
        elif status >= 500:
            self._record(Op(wid, key, kind, "unknown", None, precondition, invoked, math.inf, status))
        else:
            reason = _reason(payload)
            self._record(Op(wid, key, kind, "failed", None, precondition, invoked, completed, status, reason))
            if status in (404, 409):
                self._get(c, name)

    def _get(self, c: _Client, name: str) -> None:
        """A consistent GET (resourceVersion unset); it also refreshes the shared view of the key."""
        key = key_of(c.target.cluster, name)
        rid = f"r{self.seed:x}-{c.target.cluster}-{c.n}-{c.seq}"
        c.seq += 1
        status, payload, invoked, completed = self._send(c, "GET", c.target.path(name), None)
        if status is None or status >= 500:
            outcome = "failed" if payload == "failed" else "unknown"
            self._record(Op(rid, key, "get", outcome, None, None, invoked, completed, status or 0))
            return
        if status == 200:
            obj = orjson.loads(payload)
            rv = int(obj["metadata"]["resourceVersion"])
            seen = ((key, str((obj.get("data") or {}).get("wid", "")), rv),)
            self._record(Op(rid, key, "get", "acked", rv, None, invoked, completed, status, "", seen))
            self._learn(c, key, rv)
        else:
            reason = _reason(payload)
            self._record(Op(rid, key, "get", "failed", None, None, invoked, completed, status, reason))
            if status == 404:
                self._learn(c, key, None)

    def _list(self, c: _Client, not_older_than: int | None) -> None:
        t = c.target
        rid = f"r{self.seed:x}-{t.cluster}-{c.n}-{c.seq}"
        c.seq += 1
        path = t.path() + (f"?resourceVersion={not_older_than}" if not_older_than else "")
        status, payload, invoked, completed = self._send(c, "GET", path, None)
        scope = key_of(t.cluster, "")
        if status != 200:
            outcome = "failed" if payload == "failed" or (status and status < 500) else "unknown"
            reason = _reason(payload) if status else ""
            self._record(Op(rid, scope, "list", outcome, None, None, invoked, completed, status or 0, reason))
            return
        body = orjson.loads(payload)
        rv = int(body["metadata"]["resourceVersion"])
        seen = tuple(
            (
                key_of(t.cluster, item["metadata"]["name"]),
                item["data"]["wid"],
                int(item["metadata"]["resourceVersion"]),
            )
            for item in body["items"]
            if "wid" in (item.get("data") or {})  # not the namespace's kube-root-ca.crt
        )
        self._record(
            Op(rid, scope, "list", "acked", rv, None, invoked, completed, 200, "", seen, not_older_than)
        )
        c.highest = max(c.highest, rv)

    def _send(
        self, c: _Client, method: str, path: str, body: bytes | None
    ) -> tuple[int | None, Any, float, float]:
        """(status, payload, invoked, completed); status None with payload "failed" when nothing was
        sent, "unknown" when the request was cut off and may have landed."""
        if c.conn is None:
            c.conn = http.client.HTTPSConnection(
                "127.0.0.1", self.port, context=self.ssl, timeout=self.timeout
            )
        invoked = time.monotonic()
        try:
            c.conn.request(method, path, body=body, headers=self.headers)
            resp = c.conn.getresponse()
            status, payload = resp.status, resp.read()
        except ConnectionRefusedError:  # nothing was sent
            c.conn.close()
            c.conn = None
            return None, "failed", invoked, time.monotonic()
        except (OSError, http.client.HTTPException):  # cut off mid-request: it may have landed
            c.conn.close()
            c.conn = None
            return None, "unknown", invoked, math.inf
        return status, payload, invoked, time.monotonic()

    def _learn(self, c: _Client, key: str, rv: int | None) -> None:
        if rv is not None:
            c.highest = max(c.highest, rv)
        with self.lock:
            self.view[key] = rv

    def _record(self, op: Op) -> None:
        with self.lock:
            self.history.append(op)


def _reason(payload: bytes) -> str:
    try:
        return str(orjson.loads(payload).get("reason", ""))
    except (orjson.JSONDecodeError, AttributeError):
        return ""
