"""A create's managedFields come from a memo keyed by the object's shape: it must agree with the
typed comparison for every object, including ones that share a shape but not their values."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kcp.apimachinery import managedfields
from kcp.apimachinery.managedfields import track_update

T1, T2 = "2024-05-01T10:00:01Z", "2024-05-01T10:00:02Z"
STRING: dict[str, Any] = {"type": "string"}
ITEM: dict[str, Any] = {"type": "object", "properties": {"name": STRING, "port": {"type": "integer"}}}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": {"type": "object"},
        "data": {"type": "object", "additionalProperties": STRING},
        "spec": {
            "type": "object",
            "properties": {
                "keyed": {
                    "type": "array",
                    "items": ITEM,
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                },
                "set": {"type": "array", "items": STRING, "x-kubernetes-list-type": "set"},
                "atomic": {"type": "array", "items": STRING},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            },
        },
        "status": {"type": "object", "properties": {"phase": STRING}},
    },
}

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "a", "b"]))
names = st.sampled_from(["a", "b", "c"])
free = st.recursive(
    scalars,
    lambda inner: st.dictionaries(names, inner, max_size=3) | st.lists(inner, max_size=2),
    max_leaves=6,
)
item = st.fixed_dictionaries({"name": names}, optional={"port": scalars})
objects = st.fixed_dictionaries(
    {"apiVersion": st.just("v1"), "kind": st.just("Thing"), "metadata": st.just({"name": "x"})},
    optional={
        "data": st.dictionaries(names, st.sampled_from(["1", "2"]), max_size=3),
        "spec": st.fixed_dictionaries(
            {},
            optional={
                "keyed": st.lists(item, max_size=3),
                "set": st.lists(names, max_size=3),
                "atomic": st.lists(names, max_size=2),
                "free": st.dictionaries(names, free, max_size=3),
            },
        ),
        "status": st.fixed_dictionaries({}, optional={"phase": scalars}),
        "labels": st.dictionaries(names, names, max_size=2),
    },
)


def _relabel(value: Any) -> Any:
    """The same shape with other scalar values outside lists."""
    if isinstance(value, dict):
        return {k: _relabel(v) for k, v in value.items()}
    if isinstance(value, list):
        return value
    return "other" if value != "other" else "else"


def _typed(obj: dict[str, Any], status: bool) -> dict[str, Any]:
    return managedfields._track_update(None, obj, "m", SCHEMA, "v1", T1, "", status)


def _memo(obj: dict[str, Any], status: bool) -> dict[str, Any]:
    return track_update(
        None, obj, manager="m", schema=SCHEMA, api_version="v1", now=T1, status_subresource=status
    )


@settings(max_examples=300)
@given(objects, st.booleans())
def test_memoized_creates_match_the_typed_comparison(obj: dict[str, Any], status: bool) -> None:
    assert _memo(obj, status) == _typed(obj, status)
    twin = _relabel(obj)
    assert _memo(twin, status) == _typed(twin, status)  # a hit, on other values


def test_a_hit_is_a_fresh_object_with_this_create_s_time() -> None:
    obj = {"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "x"}, "data": {"a": "1"}}
    first = _memo(obj, False)
    later = track_update(None, obj, manager="m", schema=SCHEMA, api_version="v1", now=T2)
    assert later["metadata"]["managedFields"][0]["time"] == T2
    assert first["metadata"]["managedFields"][0]["time"] == T1
    assert "managedFields" not in obj["metadata"]
