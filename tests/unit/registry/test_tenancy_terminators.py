"""Terminators in the tenancy registry: naming, hashed labels, the finalizer and phases they hold."""

from __future__ import annotations

from typing import Any

import pytest

from kcp.apimachinery.labels import label_key_errors, label_value_errors
from kcp.registry.tenancy.admission import lifecycle_error
from kcp.registry.tenancy.kinds import (
    DELETION_FINALIZER,
    LOGICALCLUSTERS,
    PHASE_LABEL,
    TERMINATOR_LABEL_PREFIX,
    TERMINATORS_FINALIZER,
    WORKSPACES,
    lifecycle_label,
)
from kcp.registry.tenancy.scheduling import initializers_of, terminators_of
from kcp.registry.tenancy.strategies import LogicalClusterStrategy, WorkspaceStrategy

EXAMPLE_HASH = "38e7732cde2d692db77aa02ff9191566864333f33580d861066abb16"  # sha224("root:example")


def test_a_terminator_label_is_its_hash_cut_to_a_key_and_whole_as_the_value() -> None:
    key, value = lifecycle_label(TERMINATOR_LABEL_PREFIX, "root:example")
    assert key == "terminator.internal.kcp.io/" + EXAMPLE_HASH[:36] and value == EXAMPLE_HASH


@pytest.mark.parametrize(  # kcp's TestInitializerToLabel cases: every name makes a valid label
    "name",
    [
        "simple:root:org:ws:whatever",
        "QualifiedName:root:org:ws:whatever",
        "with.dns/prefix_and.Qualified-name:root:org:ws:whatever",
        "super-super-super-super-super-super-unnecessarily-long-name-for-a-thing-that-still-works:root:org",
    ],
)
def test_every_name_makes_a_valid_label(name: str) -> None:
    key, value = lifecycle_label(TERMINATOR_LABEL_PREFIX, name)
    assert label_key_errors(key) == [] and label_value_errors(value) == []


def test_terminators_come_from_every_type_in_the_closure_that_declares_one() -> None:
    closure: dict[tuple[str, str], Any] = {
        ("root", "child"): {"spec": {"terminator": True, "initializer": True}},
        ("root:org", "parent"): {"spec": {"terminator": True}},
        ("root", "universal"): {"spec": {"initializer": True}},
    }
    assert terminators_of(closure) == ["root:child", "root:org:parent"]
    assert initializers_of(closure) == ["root:child", "root:universal"]


def _cluster(status: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {"metadata": {"name": "cluster", **meta}, "status": status}


def test_a_cluster_with_terminators_is_held_and_labelled_for_each() -> None:
    lc = _cluster({"phase": "Ready", "terminators": ["root:example"]}, finalizers=[DELETION_FINALIZER])
    LogicalClusterStrategy(LOGICALCLUSTERS).default(lc)
    assert lc["metadata"]["finalizers"] == [DELETION_FINALIZER, TERMINATORS_FINALIZER]
    key, value = lifecycle_label(TERMINATOR_LABEL_PREFIX, "root:example")
    assert lc["metadata"]["labels"] == {key: value, PHASE_LABEL: "Ready"}


def test_marked_for_deletion_it_terminates_then_deletes_and_lets_go_with_its_last_terminator() -> None:
    strategy = LogicalClusterStrategy(LOGICALCLUSTERS)
    lc = _cluster({"phase": "Ready", "terminators": ["root:a", "root:b"]}, finalizers=[DELETION_FINALIZER])
    strategy.default(lc)
    lc["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    strategy.prepare_for_delete(lc)
    assert lc["status"]["phase"] == "Terminating" and lc["metadata"]["labels"][PHASE_LABEL] == "Terminating"
    lc["status"]["terminators"] = ["root:b"]
    strategy.default(lc)
    assert lc["status"]["phase"] == "Terminating"
    assert [k for k in lc["metadata"]["labels"] if k.startswith(TERMINATOR_LABEL_PREFIX)] == [
        lifecycle_label(TERMINATOR_LABEL_PREFIX, "root:b")[0]
    ]
    lc["status"]["terminators"] = []
    strategy.default(lc)
    assert lc["status"]["phase"] == "Deleting" and lc["metadata"]["finalizers"] == [DELETION_FINALIZER]
    assert not any(k.startswith(TERMINATOR_LABEL_PREFIX) for k in lc["metadata"]["labels"])


def test_a_forged_lifecycle_label_does_not_stay() -> None:
    lc = _cluster({"phase": "Ready"}, labels={TERMINATOR_LABEL_PREFIX + "x": "y", "mine": "1"})
    LogicalClusterStrategy(LOGICALCLUSTERS).default(lc)
    assert lc["metadata"]["labels"] == {"mine": "1", PHASE_LABEL: "Ready"}


@pytest.mark.parametrize(("terminators", "phase"), [(["root:a"], "Terminating"), ([], "Deleting")])
def test_a_workspace_marked_for_deletion_says_whether_terminators_remain(
    terminators: list[str], phase: str
) -> None:
    ws = {"metadata": {"name": "w"}, "spec": {}, "status": {"phase": "Ready", "terminators": terminators}}
    WorkspaceStrategy(WORKSPACES).prepare_for_delete(ws)
    assert ws["status"]["phase"] == phase and ws["metadata"]["labels"][PHASE_LABEL] == phase


def test_others_may_drop_terminators_but_never_add_one() -> None:
    old = {"phase": "Terminating", "terminators": ["root:a"]}
    assert lifecycle_error(set(), old, {"phase": "Terminating", "terminators": []}) == ""
    grown = {"phase": "Terminating", "terminators": ["root:a", "root:b"]}
    assert lifecycle_error(set(), old, grown) == "status.terminators must not grow"
