"""Watch correctness and resume across restarts without gaps (reliability.md §5.3).

During the linearizability suite's traffic (two busy workspaces and a quiet one), watchers per
workspace and across all clusters (`/clusters/*`, as the shard admin) follow ConfigMaps with
bookmarks and short timeouts, resuming from the last RV they received, while the server restarts
on the same root and port, by SIGTERM and SIGKILL in turn. `tests.support.watching.validate`
checks every watcher against the write history and the other watchers; the history itself must
still pass Checker A. A second test compacts history and asks for it: 410 Expired, before any event.
"""

from __future__ import annotations

import http.client
import os
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support.history import KUBE_MIX, Op, Storm, key_of
from tests.support.linearizability import check
from tests.support.polling import eventually
from tests.support.server import Server, start, stop
from tests.support.watching import Watcher, validate
from tests.support.workspaces import make_workspaces

NAMESPACE = "watched"
KEYS = tuple(f"key-{i}" for i in range(5))
CM = "/api/v1/configmaps"


def shard_admin(server: Server) -> str:
    return str({u["name"]: u["user"] for u in server.config()["users"]}["shard-admin"]["token"])


def current_rv(server: Server) -> int:
    code, body, _ = server.request("GET", "/clusters/root/api/v1/namespaces/default/configmaps?limit=1")
    assert code == 200, body
    return int(body["metadata"]["resourceVersion"])


def restart_under_traffic(
    tmp_path: Path, restarts: int, every: float, per_workspace: int, wildcard: int, *flags: str
) -> tuple[list[Watcher], list[Op], int, str]:
    """Traffic, watchers and `restarts` restarts `every` seconds apart; then a final write in each
    workspace that every watcher is waited for. Returns the watchers, the history, that final RV and
    a description of the run."""
    root = tmp_path / "root"
    server = start(root, None, *flags)
    storm: Storm | None = None
    watchers: list[Watcher] = []
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    try:
        made = make_workspaces(server, 2, NAMESPACE, KEYS, clients=3)
        made += make_workspaces(server, 1, NAMESPACE, KEYS, clients=1, pause=1.0)  # quiet: bookmarks
        paths = {cluster: target.cluster for target, cluster in made}
        key_fn = _key_of(paths)
        now = current_rv(server)
        for target, _ in made:
            for n in range(per_workspace):
                watchers.append(
                    Watcher(
                        f"{target.cluster}#{n}",
                        server.port,
                        server.token,
                        server.ssl_context(),
                        target.path(),
                        key_of(target.cluster, ""),
                        max(1, now + rng.randint(-100, 100)),
                        key_fn,
                        rng.getrandbits(32),
                    )
                )
        for n in range(wildcard):
            watchers.append(
                Watcher(
                    f"*#{n}",
                    server.port,
                    shard_admin(server),
                    server.ssl_context(),
                    f"/clusters/*{CM}",
                    "",
                    max(1, now + rng.randint(-100, 100)),
                    key_fn,
                    rng.getrandbits(32),
                )
            )
        for w in watchers:
            w.begin()
        storm = Storm(
            server.port,
            server.token,
            server.ssl_context(),
            [t for t, _ in made],
            seed,
            mix=KUBE_MIX,
            reads=0.25,
        )
        storm.start()
        for n in range(restarts):
            time.sleep(every)
            stop(server, sig_kill=n % 2 == 1)  # SIGTERM first, then SIGKILL, in turn
            server = start(root, server.port, *flags)
        time.sleep(every)
        storm.stop()
        finals: dict[str, int] = {}  # watcher scope -> the RV of its last write
        for target, _ in made:
            code, body, _ = server.request("POST", target.path(), {"metadata": {"name": "final"}})
            assert code == 201, body
            finals[key_of(target.cluster, "")] = finals[""] = int(body["metadata"]["resourceVersion"])
        eventually(
            lambda: all(w.last >= finals[w.scope] for w in watchers),
            "every watcher to reach its last write",
            30,
        )
        final = min(finals.values())  # above every RV the traffic got: it had stopped
        for w in watchers:
            w.end()
        events = sum(w.events for w in watchers)
        opens = sum(1 for w in watchers for e in w.log if e[0] == "open")
        kinds = Counter(e[0] for w in watchers for e in w.log)
        context = (
            f"seed {seed}, {events} events, {opens} streams, {dict(kinds)}, {len(storm.history)} requests"
        )
        return watchers, storm.history, final, context
    finally:
        if storm is not None:
            storm.stopping.set()
        for w in watchers:
            w.stopping.set()
        stop(server)
        if storm is not None:
            storm.stop()
        for w in watchers:
            w.end()


def _key_of(paths: dict[str, str]) -> Callable[[dict[str, Any]], str]:
    """History keys for objects of the watched namespace, cluster/namespace/name for the rest."""

    def key(obj: dict[str, Any]) -> str:
        meta = obj["metadata"]
        cluster = (meta.get("annotations") or {}).get("kcp.io/cluster", "")
        if cluster in paths and meta.get("namespace") == NAMESPACE:
            return key_of(paths[cluster], meta["name"])
        return f"{cluster}/{meta.get('namespace', '')}/{meta['name']}"

    return key


def _report(
    tmp_path: Path, watchers: list[Watcher], history: list[Op], problems: list[str], context: str
) -> str:
    (tmp_path / "history.json").write_bytes(orjson.dumps([asdict(op) for op in history], default=str))
    (tmp_path / "watches.json").write_bytes(orjson.dumps({w.name: w.log for w in watchers}))
    return f"{len(problems)} problems ({context}; logs in {tmp_path}):\n" + "\n".join(problems[:30])


def test_watchers_resume_across_restarts_without_gaps(tmp_path: Path) -> None:
    """CI size: 5 restarts, ≥ 5,000 events received; no gap, duplicate or reorder."""
    watchers, history, final, context = restart_under_traffic(
        tmp_path, restarts=5, every=1.5, per_workspace=3, wildcard=2
    )
    problems = validate(watchers, history, final) + check(history)
    assert not problems, _report(tmp_path, watchers, history, problems, context)
    assert sum(w.events for w in watchers) >= 5000, context
    logs = [e for w in watchers for e in w.log]
    assert any(e[0] == "bookmark" for e in logs), f"no bookmark was ever sent: {context}"
    # nothing is compacted within five minutes of history: every resume must continue exactly
    assert not any(e[0] == "expired" for e in logs), context


@pytest.mark.slow
def test_watchers_resume_across_twenty_restarts(tmp_path: Path) -> None:
    """make bench's soak: 20 restarts (the plan says 100 and 200,000 events), 10 watchers per
    workspace, compaction every 10 s (a resume may get 410 and relist, never skip)."""
    watchers, history, final, context = restart_under_traffic(
        tmp_path, 20, 10.0, 10, 2, "--etcd-compaction-interval=10s"
    )
    problems = validate(watchers, history, final) + check(history)
    assert not problems, _report(tmp_path, watchers, history, problems, context)
    assert sum(w.events for w in watchers) >= 40_000, context


def _watch_lines(server: Server, path: str, rv: int) -> list[dict[str, Any]]:
    """Everything a watch from `rv` sends in one second (it ends by timeout or by an ERROR)."""
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=server.ssl_context(), timeout=10)
    try:
        conn.request(
            "GET",
            f"{path}?watch=1&resourceVersion={rv}&timeoutSeconds=1",
            headers={"Authorization": f"Bearer {server.token}"},
        )
        resp = conn.getresponse()
        assert resp.status == 200
        return [orjson.loads(line) for line in resp.read().splitlines() if line]
    finally:
        conn.close()


def _compacted(root: Path) -> int:
    conn = sqlite3.connect(f"file:{root / 'kcp.db'}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT value FROM meta WHERE name = 'compacted'").fetchone()[0])
    finally:
        conn.close()


def test_watch_from_a_compacted_revision_is_expired_before_any_event(tmp_path: Path) -> None:
    """etcd #18089/#19179, kine PR #238: below the compacted revision a watch gets 410 and nothing
    else; from it exactly, every later event, deletes included, as a watcher that was there saw them;
    the compacted revision survives a kill."""
    root = tmp_path / "root"
    server = start(root, None, "--etcd-compaction-interval=1s")
    reference: Watcher | None = None
    try:
        code, body, _ = server.request(
            "POST", "/clusters/root/api/v1/namespaces", {"metadata": {"name": "old"}}
        )
        assert code == 201, body
        path = "/clusters/root/api/v1/namespaces/old/configmaps"
        first = current_rv(server)
        reference = Watcher(
            "reference",
            server.port,
            server.token,
            server.ssl_context(),
            path,
            "",
            first,
            lambda o: o["metadata"]["name"],
        )
        reference.begin()

        def churn(rounds: int) -> int:
            """Creates, updates and deletes over four names; the RV of the last write."""
            rv = 0
            for i in range(rounds):
                name = f"k{i % 4}"
                code, obj, _ = server.request(
                    "POST", path, {"metadata": {"name": name}, "data": {"i": str(i)}}
                )
                if code == 409:
                    code, obj, _ = server.request("DELETE", f"{path}/{name}")
                    code, obj, _ = server.request("GET", path)
                assert code in (200, 201), obj
                rv = max(rv, int(obj["metadata"]["resourceVersion"]))
            return rv

        def compacted_past_first() -> bool:
            churn(4)  # compaction goes as far as the writes of a second ago
            return _compacted(root) > first + 5

        eventually(compacted_past_first, "compaction past the first writes", 20)
        for _ in range(10):  # compaction may move on between reading its revision and watching
            compacted = _compacted(root)
            at = _watch_lines(server, path, compacted)
            if not any(f["type"] == "ERROR" for f in at):
                break
        assert not any(f["type"] == "ERROR" for f in at), at
        below = _watch_lines(server, path, compacted - 1)
        assert [f["type"] for f in below] == ["ERROR"], below
        assert below[0]["object"]["code"] == 410 and below[0]["object"]["reason"] == "Expired", below

        stop(server, sig_kill=True)
        server = start(root, server.port, "--etcd-compaction-interval=0")  # the revision holds still now
        compacted = _compacted(root)
        final = churn(12)
        eventually(lambda: reference.last >= final, "the reference watcher to see the last write")
        below = _watch_lines(server, path, compacted - 1)
        assert [f["type"] for f in below] == ["ERROR"] and below[0]["object"]["code"] == 410, below
        at = _watch_lines(server, path, compacted)
        got = [
            (f["type"], f["object"]["metadata"]["name"], int(f["object"]["metadata"]["resourceVersion"]))
            for f in at
        ]
        seen = [(e[4], e[2], e[1]) for e in reference.log if e[0] == "event" and e[1] > compacted]
        assert got == seen, (compacted, got, seen)
        assert {"ADDED", "MODIFIED", "DELETED"} >= {t for t, _, _ in got} and any(
            t == "DELETED" for t, _, _ in got
        )
        reference.end()
        assert not any(e[0] == "expired" for e in reference.log), reference.log
    finally:
        if reference is not None:
            reference.stopping.set()
        stop(server, sig_kill=True)
        if reference is not None:
            reference.end()
