"""ClusterRole aggregation by the in-process controller, against a real server."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import orjson

from kcp.logicalcluster import ClusterName, object_key
from kcp.storage.sqlite import SQLiteStorage
from tests.support.polling import eventually
from tests.support.server import Server, running, start, stop

ROLES = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
WORKSPACES = "/apis/tenancy.kcp.io/v1alpha1/workspaces"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def rule(resource: str, *verbs: str) -> dict[str, Any]:
    return {"apiGroups": ["example.com"], "resources": [resource], "verbs": list(verbs or ["get"])}


def role(name: str, rules: list[dict[str, Any]], labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if labels:
        meta["labels"] = labels
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": meta,
        "rules": rules,
    }


def aggregated(name: str, *selectors: dict[str, Any]) -> dict[str, Any]:
    return {**role(name, []), "aggregationRule": {"clusterRoleSelectors": list(selectors)}}


def create(server: Server, cluster: str, obj: dict[str, Any]) -> None:
    code, body, _ = server.request("POST", f"/clusters/{cluster}{ROLES}", obj)
    assert code == 201, body


def rules_of(server: Server, cluster: str, name: str) -> list[dict[str, Any]]:
    code, body, _ = server.request("GET", f"/clusters/{cluster}{ROLES}/{name}")
    assert code == 200, body
    return list(body.get("rules") or [])


def ready_workspace(server: Server) -> str:
    name = unique("agg")
    body = {
        "apiVersion": "tenancy.kcp.io/v1alpha1",
        "kind": "Workspace",
        "metadata": {"name": name},
        "spec": {},
    }
    code, created, _ = server.request("POST", f"/clusters/root{WORKSPACES}", body)
    assert code == 201, created

    def ready() -> bool:
        _, ws, _ = server.request("GET", f"/clusters/root{WORKSPACES}/{name}")
        return bool(ws.get("status", {}).get("phase") == "Ready")

    eventually(ready, f"workspace {name} to be Ready")
    return f"root:{name}"


def test_a_labelled_role_flows_into_view_edit_and_admin(kcp_server: Server) -> None:
    name, resource = unique("widgets-view"), unique("widgets")
    create(
        kcp_server,
        "root",
        role(name, [rule(resource)], {"rbac.authorization.k8s.io/aggregate-to-view": "true"}),
    )
    for target in ("view", "edit", "admin"):  # view feeds edit, edit feeds admin
        eventually(
            lambda t=target: rule(resource) in rules_of(kcp_server, "root", t), f"{target} to aggregate"
        )

    code, body, _ = kcp_server.request(
        "PATCH",
        f"/clusters/root{ROLES}/{name}",
        {"rules": [rule(resource, "get", "list")]},
        content_type="application/merge-patch+json",
    )
    assert code == 200, body
    eventually(lambda: rule(resource, "get", "list") in rules_of(kcp_server, "root", "admin"), "the new rule")
    assert rule(resource) not in rules_of(kcp_server, "root", "admin")

    code, body, _ = kcp_server.request("DELETE", f"/clusters/root{ROLES}/{name}")
    assert code == 200, body
    for target in ("view", "edit", "admin"):
        eventually(
            lambda t=target: all(
                resource not in r.get("resources", []) for r in rules_of(kcp_server, "root", t)
            ),
            f"{target} to drop the deleted role's rules",
        )


def test_aggregate_is_the_union_in_name_order_and_replaces_other_rules(kcp_server: Server) -> None:
    team = unique("team")
    labels = {"example.com/team": team}
    create(kcp_server, "root", role(unique("b"), [rule("beta"), rule("shared")], labels))
    create(kcp_server, "root", role(unique("a"), [rule("alpha"), rule("shared")], labels))
    target = unique("team-role")
    create(kcp_server, "root", {**aggregated(target, {"matchLabels": labels}), "rules": [rule("stray")]})
    expected = [rule("alpha"), rule("shared"), rule("beta")]
    eventually(lambda: rules_of(kcp_server, "root", target) == expected, "the union in name order")

    late = unique("c")
    create(kcp_server, "root", role(late, [rule("gamma")], labels))
    eventually(lambda: rules_of(kcp_server, "root", target) == [*expected, rule("gamma")], "a late member")

    code, body, _ = kcp_server.request(
        "PATCH",
        f"/clusters/root{ROLES}/{late}",
        {"metadata": {"labels": None}},
        content_type="application/merge-patch+json",
    )
    assert code == 200, body
    eventually(lambda: rules_of(kcp_server, "root", target) == expected, "an unlabelled role to leave")


def test_aggregation_stays_in_its_logical_cluster(kcp_server: Server) -> None:
    ours, theirs = ready_workspace(kcp_server), ready_workspace(kcp_server)
    labels = {"example.com/aggregate": "yes"}
    create(kcp_server, ours, aggregated("collected", {"matchLabels": labels}))
    create(kcp_server, theirs, aggregated("collected", {"matchLabels": labels}))
    create(kcp_server, theirs, role("foreign", [rule("foreign")], labels))
    create(kcp_server, ours, role("local", [rule("local")], labels))
    eventually(lambda: rules_of(kcp_server, ours, "collected") == [rule("local")], "the local rule")
    eventually(
        lambda: rules_of(kcp_server, theirs, "collected") == [rule("foreign")], "the other cluster's rule"
    )
    assert rules_of(kcp_server, ours, "collected") == [rule("local")]


def test_a_selector_may_match_roles_without_labels(kcp_server: Server) -> None:
    cluster = ready_workspace(kcp_server)
    create(kcp_server, cluster, role("plain", [rule("plain")]))
    create(
        kcp_server,
        cluster,
        aggregated(
            "unlabelled", {"matchExpressions": [{"key": "example.com/tier", "operator": "DoesNotExist"}]}
        ),
    )
    eventually(
        lambda: rule("plain") in rules_of(kcp_server, cluster, "unlabelled"), "the unlabelled role's rule"
    )


def test_an_aggregation_cut_short_is_finished_at_the_next_start(tmp_path: Path) -> None:
    """A role's rules gone stale while no server ran (a stop or crash before the controller got to
    it) are aggregated again once the server starts, with no other role changing."""
    root = tmp_path / "root"
    root.mkdir()
    selector = {"matchLabels": {"agg": "restart"}}
    with running(root) as server:
        create(server, "root", role(unique("part"), [rule("widgets")], {"agg": "restart"}))
        create(server, "root", aggregated("restart-target", selector))
        eventually(lambda: rules_of(server, "root", "restart-target") == [rule("widgets")], "aggregation")
        port = server.port

    async def make_stale() -> None:
        storage = SQLiteStorage(root / "kcp.db")
        await storage.start()
        try:
            key = object_key(
                "rbac.authorization.k8s.io", "clusterroles", ClusterName("root"), "", "restart-target"
            )
            entry = await storage.get(key)
            assert entry is not None
            stale = {**orjson.loads(entry.value), "rules": []}
            await storage.update(key, orjson.dumps(stale), expect=entry.mod_revision)
        finally:
            await storage.close()

    asyncio.run(make_stale())
    server = start(root, port)
    try:
        eventually(lambda: rules_of(server, "root", "restart-target") == [rule("widgets")], "re-aggregation")
    finally:
        stop(server)
