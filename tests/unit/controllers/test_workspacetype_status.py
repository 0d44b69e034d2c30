"""WorkspaceType status: the lifecycle views' URLs and kcp's conditions, in kcp's order."""

from __future__ import annotations

from kcp.controllers.workspacetype import ready_conditions, virtual_workspaces


def test_both_views_are_listed_under_the_types_path_and_name() -> None:
    assert virtual_workspaces("https://kcp:6443/", "root:org", "example") == [
        {"url": "https://kcp:6443/services/initializingworkspaces/root:org:example", "type": "initializing"},
        {"url": "https://kcp:6443/services/terminatingworkspaces/root:org:example", "type": "terminating"},
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
