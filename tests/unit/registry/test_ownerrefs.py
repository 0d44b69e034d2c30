"""The garbage collector's rules, without storage: propagation finalizers and per-dependent plans."""

from __future__ import annotations

from typing import Any

import pytest

from kcp.registry.ownerrefs import (
    FOREGROUND,
    ORPHAN,
    Owner,
    apply_propagation,
    finalizing_mode,
    matched,
    plan,
)


def ref(uid: str, block: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "name": f"n-{uid}", "uid": uid}
    if block:
        out["blockOwnerDeletion"] = True
    return out


def dep(*refs: dict[str, Any], ns: str = "ns", deleting: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "d", "namespace": ns, "uid": "d-uid", "ownerReferences": list(refs)}
    if deleting:
        meta["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    return {"metadata": meta}


@pytest.mark.parametrize(
    ("before", "policy", "after", "changed"),
    [
        ([], "Orphan", [ORPHAN], True),
        ([], "Foreground", [FOREGROUND], True),
        (["x"], "Foreground", ["x", FOREGROUND], True),
        ([ORPHAN], "Foreground", [FOREGROUND], True),
        ([FOREGROUND, "x"], "Background", ["x"], True),
        ([ORPHAN], "", [ORPHAN], False),
        ([ORPHAN], "Orphan", [ORPHAN], False),
        ([], "Background", [], False),
    ],
)
def test_apply_propagation(before: list[str], policy: str, after: list[str], changed: bool) -> None:
    meta: dict[str, Any] = {"finalizers": before} if before else {}
    assert apply_propagation(meta, policy) is changed
    assert meta.get("finalizers", []) == after


def test_finalizing_mode_needs_a_deletion_timestamp() -> None:
    assert finalizing_mode({"metadata": {"finalizers": [ORPHAN]}}) is None
    marked = {"deletionTimestamp": "t"}
    assert finalizing_mode({"metadata": {**marked, "finalizers": [ORPHAN]}}) == "orphan"
    assert finalizing_mode({"metadata": {**marked, "finalizers": ["x", FOREGROUND]}}) == "foreground"
    assert finalizing_mode({"metadata": {**marked, "finalizers": ["x"]}}) is None


def test_namespaced_owner_owns_only_its_namespace() -> None:
    owners = {"o": Owner("o", "ns", "deleted")}
    assert matched(dep(ref("o")), owners)
    assert not matched(dep(ref("o"), ns="other"), owners)
    assert matched(dep(ref("o"), ns="other"), {"o": Owner("o", "", "deleted")})  # cluster-scoped owner


def test_sole_owner_gone_deletes_in_background() -> None:
    p = plan(dep(ref("o")), {"o": Owner("o", "ns", "deleted")}, {})
    assert (p.action, p.policy) == ("delete", "Background")


def test_other_solid_owner_keeps_dependent_without_the_gone_reference() -> None:
    p = plan(dep(ref("o"), ref("b")), {"o": Owner("o", "ns", "deleted")}, {})
    assert p.action == "update" and [r["uid"] for r in p.refs] == ["b"]


def test_other_dangling_owner_does_not_keep_it() -> None:
    p = plan(dep(ref("o"), ref("b")), {"o": Owner("o", "ns", "deleted")}, {"b": "dangling"})
    assert p.action == "delete"


def test_foreground_owner_deletes_in_foreground() -> None:
    p = plan(dep(ref("o")), {"o": Owner("o", "ns", "foreground")}, {})
    assert (p.action, p.policy) == ("delete", "Foreground")


def test_orphaned_reference_is_removed_and_dependent_kept() -> None:
    p = plan(dep(ref("o")), {"o": Owner("o", "ns", "orphan")}, {})
    assert p.action == "update" and p.refs == ()
    p = plan(dep(ref("o"), ref("b")), {"o": Owner("o", "ns", "orphan")}, {})
    assert p.action == "update" and [r["uid"] for r in p.refs] == ["b"]


def test_dependent_already_being_deleted_is_left_to_its_finalizers() -> None:
    assert plan(dep(ref("o"), deleting=True), {"o": Owner("o", "ns", "deleted")}, {}).action == "keep"


def test_unrelated_dependent_is_kept() -> None:
    assert plan(dep(ref("x")), {"o": Owner("o", "ns", "deleted")}, {}).action == "keep"
