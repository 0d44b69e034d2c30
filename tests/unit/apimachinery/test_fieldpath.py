"""FieldsV1 as kube writes it: element syntax, the `.` marker, ordering, and Go-compatible JSON."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcp.apimachinery.fieldpath import (
    PathElement,
    from_fields_v1,
    go_json,
    make_path,
    ordered,
    parse_element,
    path_string,
    recursive_difference,
    serialize_element,
    to_fields_v1,
)


def test_elements_serialize_in_kube_syntax() -> None:
    assert serialize_element(PathElement.of_field("data")) == "f:data"
    assert serialize_element(PathElement.of_key({"protocol": "TCP", "containerPort": 80})) == (
        'k:{"containerPort":80,"protocol":"TCP"}'
    )
    assert serialize_element(PathElement.of_value("example.com/x")) == 'v:"example.com/x"'
    assert serialize_element(PathElement.of_value(True)) == "v:true"
    assert serialize_element(PathElement.of_index(3)) == "i:3"


@pytest.mark.parametrize(
    "text",
    ["f:spec", 'k:{"containerPort":80,"protocol":"TCP"}', 'v:"a"', "v:1.5", "v:null", "i:0", "f:"],
)
def test_elements_round_trip(text: str) -> None:
    element = parse_element(text)
    assert element is not None
    assert serialize_element(element) == text


def test_key_fields_parse_in_any_order() -> None:
    assert parse_element('k:{"protocol":"TCP","containerPort":80}') == PathElement.of_key(
        {"containerPort": 80, "protocol": "TCP"}
    )


@pytest.mark.parametrize("text", ["f", "fx", 'k:["name"]', "k:{bad", "i:one"])
def test_malformed_elements_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_element(text)


def test_unknown_element_kinds_are_skipped() -> None:
    assert parse_element("z:future") is None
    assert from_fields_v1({"f:a": {}, "z:future": {"f:b": {}}}) == {make_path("a")}


def test_values_keep_json_types_apart() -> None:
    assert PathElement.of_value(1) == PathElement.of_value(1.0)
    assert PathElement.of_value(True) != PathElement.of_value(1)
    assert PathElement.of_key({"port": 1}) != PathElement.of_key({"port": "1"})


def test_path_strings_read_like_kube_conflicts() -> None:
    path = make_path("spec", "template", "spec", "containers", {"name": "nginx"}, "ports")
    path += (PathElement.of_key({"containerPort": 80, "protocol": "TCP"}), PathElement.of_field("name"))
    assert path_string(path) == (
        '.spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].name'
    )
    assert path_string((PathElement.of_field("finalizers"), PathElement.of_value("a"))) == '.finalizers[="a"]'
    assert path_string(make_path("items", 2)) == ".items[2]"


def test_members_with_children_get_the_dot_marker() -> None:
    containers = make_path("spec", "containers")
    item = (*containers, PathElement.of_key({"name": "sidecar"}))
    fields = frozenset({item, (*item, PathElement.of_field("image")), (*item, PathElement.of_field("name"))})
    encoded = to_fields_v1(fields | {make_path("metadata", "labels", "sidecar_version")})
    # Byte for byte what kube-apiserver stores for this set.
    assert json.dumps(encoded, separators=(",", ":")) == (
        '{"f:metadata":{"f:labels":{"f:sidecar_version":{}}},"f:spec":{"f:containers":'
        '{"k:{\\"name\\":\\"sidecar\\"}":{".":{},"f:image":{},"f:name":{}}}}}'
    )


def test_fields_v1_round_trips() -> None:
    raw = {
        "f:data": {".": {}, "f:key": {}},
        "f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}},
        "f:spec": {"f:ports": {'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:port": {}}}},
        "f:finalizers": {'v:"a"': {}},
    }
    fields = from_fields_v1(raw)
    assert make_path("data") in fields
    assert make_path("metadata") not in fields
    assert make_path("metadata", "annotations") in fields
    assert to_fields_v1(fields) == raw


def test_fields_v1_must_be_objects_all_the_way_down() -> None:
    with pytest.raises(ValueError):
        from_fields_v1([])
    with pytest.raises(ValueError):
        from_fields_v1({"f:a": "x"})


def test_child_without_entries_is_a_member() -> None:
    assert from_fields_v1({"f:a": {"f:b": {}}}) == {make_path("a", "b")}
    assert from_fields_v1({"f:a": {".": {}, "f:b": {}}}) == {make_path("a"), make_path("a", "b")}


def test_ordering_lists_members_before_deeper_paths() -> None:
    paths = frozenset({make_path("data", "b"), make_path("zz"), make_path("data"), make_path("data", "a")})
    assert [path_string(p) for p in ordered(paths)] == [".data", ".zz", ".data.a", ".data.b"]


def test_fields_sort_before_keys_values_and_indexes() -> None:
    elements = [
        PathElement.of_index(0),
        PathElement.of_value("a"),
        PathElement.of_key({"name": "a"}),
        PathElement.of_field("z"),
    ]
    assert sorted(elements) == list(reversed(elements))
    values = [PathElement.of_value(v) for v in (None, {"a": 1}, [1], True, "s", 2, 1.5)]
    assert sorted(values) == list(reversed(values))


def test_recursive_difference_drops_whole_subtrees() -> None:
    paths = frozenset({make_path("spec", "a"), make_path("status", "phase"), make_path("status")})
    assert recursive_difference(paths, frozenset({make_path("status")})) == {make_path("spec", "a")}


def test_go_json_matches_encoding_json() -> None:
    assert (
        go_json({"b": 1, "a": [True, None, "x<y>&z"]}) == '{"a":[true,null,"x\\u003cy\\u003e\\u0026z"],"b":1}'
    )
    assert go_json("é\u2028") == '"é\\u2028"'
    assert [go_json(v) for v in (1.0, 0.5, 1e21, 1e-7, 0.00001, 123456789.0)] == [
        "1",
        "0.5",
        "1e+21",
        "1e-07",
        "0.00001",
        "123456789",
    ]


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3))
_elements = st.one_of(
    st.text(min_size=1, max_size=3).map(PathElement.of_field),
    st.dictionaries(st.sampled_from(["name", "port", "protocol"]), _scalars, min_size=1).map(
        PathElement.of_key
    ),
    _scalars.map(PathElement.of_value),
    st.integers(0, 3).map(PathElement.of_index),
)


@given(st.frozensets(st.lists(_elements, min_size=1, max_size=4).map(tuple), max_size=8))
def test_any_field_set_survives_fields_v1(paths: frozenset[tuple[PathElement, ...]]) -> None:
    encoded = json.loads(json.dumps(to_fields_v1(paths)))  # through the wire, as stored
    assert from_fields_v1(encoded) == paths
