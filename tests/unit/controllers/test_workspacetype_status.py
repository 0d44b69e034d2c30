"""WorkspaceType status: the lifecycle views' URLs and kcp's conditions, in kcp's order."""

from __future__ import annotations

from kcp.controllers.workspacetype import needs_status, ready_conditions, virtual_workspaces


def test_both_views_are_listed_under_the_types_logical_cluster_and_name() -> None:
    assert virtual_workspaces("https://kcp:6443/", "2x7ab9kq", "example") == [
        {"url": "https://kcp:6443/services/initializingworkspaces/2x7ab9kq:example", "type": "initializing"},
        {"url": "https://kcp:6443/services/terminatingworkspaces/2x7ab9kq:example", "type": "terminating"},
    ]


def test_ready_summarizes_and_comes_first_and_times_stay_while_nothing_changes() -> None:
    first = ready_conditions(
        [{"type": "Custom", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}]
    )
    assert [(c["type"], c["status"]) for c in first] == [
        ("Ready", "True"),
        ("Custom", "True"),
        ("VirtualWorkspaceURLsReady", "True"),
    ]
    assert ready_conditions(first) == first


def test_a_type_needs_status_until_its_views_are_under_this_shard_and_it_is_ready() -> None:
    base = "https://kcp:6443"
    meta = {"name": "t", "annotations": {"kcp.io/cluster": "root"}}
    done = {
        "metadata": meta,
        "status": {
            "virtualWorkspaces": virtual_workspaces(base, "root", "t"),
            "conditions": ready_conditions([]),
        },
    }
    assert needs_status({"metadata": meta}, base)
    assert not needs_status(done, base)
    assert needs_status(done, "https://kcp:7443")  # restarted on another address
    assert needs_status({"metadata": meta, "status": {**done["status"], "conditions": []}}, base)
