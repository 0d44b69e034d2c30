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


def test_finalizers_must_be_qualified_and_built_in_kinds_standard_without_a_prefix() -> None:
    name_part = (
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    )
    not_standard = "name is neither a standard finalizer name nor is it fully qualified"
    got = meta.validate_object_meta(
        {"name": "x", "finalizers": ["bad finalizer", "kubernetes", "example.com/ok", "nodots"]},
        namespaced=True,
        kube_finalizers=True,
    )
    assert [(c.field, c.message) for c in got] == [
        ("metadata.finalizers", f'Invalid value: "bad finalizer": {name_part}'),
        ("metadata.finalizers[0]", f'Invalid value: "bad finalizer": {not_standard}'),
        ("metadata.finalizers[3]", f'Invalid value: "nodots": {not_standard}'),
    ]
    custom = meta.validate_object_meta({"name": "x", "finalizers": ["nodots"]}, namespaced=True)
    assert custom == []  # custom resources: only the qualified-name check
    both = meta.validate_object_meta(
        {"name": "x", "finalizers": ["orphan", "foregroundDeletion"]}, namespaced=True
    )
    assert [c.message for c in both] == [
        'Invalid value: []string{"orphan", "foregroundDeletion"}: '
        "finalizer orphan and foregroundDeletion cannot be both set"
    ]
