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


def messages(metadata: dict[str, object], name_rule: str = "subdomain") -> list[str]:
    return [
        f"{c.field}: {c.message}"
        for c in meta.validate_object_meta(metadata, namespaced=True, name_rule=name_rule)
    ]


def test_only_one_owner_reference_may_be_the_controller() -> None:
    def ref(name: str, controller: bool | None) -> dict[str, object]:
        out: dict[str, object] = {"apiVersion": "v1", "kind": "ConfigMap", "name": name, "uid": f"u-{name}"}
        return out if controller is None else {**out, "controller": controller}

    assert messages({"name": "x", "ownerReferences": [ref("a", True), ref("b", False), ref("c", None)]}) == []
    (only,) = messages({"name": "x", "ownerReferences": [ref("a", True), ref("b", True)]})
    shown = (
        '[]v1.OwnerReference{v1.OwnerReference{APIVersion:"v1", Kind:"ConfigMap", Name:"a", UID:"u-a", '
        "Controller:(*bool)(0xc000000000), BlockOwnerDeletion:(*bool)(nil)}, "
        'v1.OwnerReference{APIVersion:"v1", Kind:"ConfigMap", Name:"b", UID:"u-b", '
        "Controller:(*bool)(0xc000000000), BlockOwnerDeletion:(*bool)(nil)}}"
    )
    assert only == (
        f"metadata.ownerReferences: Invalid value: {shown}: Only one reference can have Controller set "
        'to true. Found "true" in references for ConfigMap/a and ConfigMap/b'
    )


def test_owner_references_are_checked_as_kube_checks_them() -> None:
    refs = [{"apiVersion": "apps/", "kind": "", "name": "n", "uid": ""}]
    assert messages({"name": "x", "ownerReferences": refs}) == [
        'metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty',
        'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]
    (event,) = messages(
        {"name": "x", "ownerReferences": [{"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "u"}]}
    )
    assert event.endswith(": /v1, Kind=Event is disallowed from being an owner")


def test_annotations_are_limited_to_256_kib_together() -> None:
    at_limit = {"k": "v" * (meta.ANNOTATIONS_MAX_BYTES - 1)}
    assert messages({"name": "x", "annotations": at_limit}) == []
    over = {"k": "v" * meta.ANNOTATIONS_MAX_BYTES}
    assert messages({"name": "x", "annotations": over}) == [
        "metadata.annotations: Too long: may not be more than 262144 bytes"
    ]


def test_generate_name_is_checked_as_a_name_prefix() -> None:
    assert messages({"name": "web-x7k2p", "generateName": "web-"}) == []  # a trailing dash is fine
    long = "a" * 254
    assert messages({"name": "a" * 58 + "x7k2p", "generateName": long}) == [
        f'metadata.generateName: Invalid value: "{long}": must be no more than 253 characters'
    ]
    (bad, _name) = messages({"name": "Web-x7k2p", "generateName": "Web-"})
    assert bad.startswith('metadata.generateName: Invalid value: "Web-": a lowercase RFC 1123 subdomain')
    assert messages({"name": "a%bc", "generateName": "a%"}, name_rule="path") == [
        "metadata.generateName: Invalid value: \"a%\": may not contain '%'",
        "metadata.name: Invalid value: \"a%bc\": may not contain '%'",
    ]


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
