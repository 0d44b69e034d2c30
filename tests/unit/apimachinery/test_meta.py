"""Metadata helpers every layer shares."""

from __future__ import annotations

from kcp.apimachinery import meta


def test_set_condition_moves_its_transition_time_only_with_its_status() -> None:
    old = [
        {"type": "Other", "status": "True"},
        {"type": "Ready", "status": "False", "lastTransitionTime": "2020-01-01T00:00:00Z", "reason": "A"},
    ]
    same = meta.set_condition(old, "Ready", "False", "B", "still not")
    assert same[0] is old[0] and same[1]["lastTransitionTime"] == "2020-01-01T00:00:00Z"
    assert (same[1]["reason"], same[1]["message"]) == ("B", "still not")
    flipped = meta.set_condition(old, "Ready", "True", "Done", "ready")
    assert flipped[1]["lastTransitionTime"] != "2020-01-01T00:00:00Z"
    added = meta.set_condition(old, "New", "True", "R", "m")
    assert [c["type"] for c in added] == ["Other", "Ready", "New"] and old[1]["reason"] == "A"
