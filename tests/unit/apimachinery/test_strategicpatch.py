"""Strategic merge patches apply as kube-apiserver applies them, on the bodies kubectl sends."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kcp.apimachinery.errors import BadRequest, Invalid, StatusError
from kcp.apimachinery.strategicpatch import REJECTED, strategic_merge_patch

Obj = dict[str, Any]

STRING: Obj = {"type": "string"}
STRING_MAP: Obj = {"type": "object", "additionalProperties": STRING}


def keyed(items: Obj, key: str, strategy: str = "merge") -> Obj:
    return {
        "type": "array",
        "items": items,
        "x-kubernetes-patch-strategy": strategy,
        "x-kubernetes-patch-merge-key": key,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": [key],
    }


def obj(**properties: Obj) -> Obj:
    return {"type": "object", "properties": properties}


META = obj(
    name=STRING,
    labels=STRING_MAP,
    annotations=STRING_MAP,
    finalizers={"type": "array", "items": STRING, "x-kubernetes-patch-strategy": "merge"},
    ownerReferences=keyed(obj(uid=STRING, name=STRING), "uid"),
)
ENV = obj(name=STRING, value=STRING)
CONTAINER = obj(
    name=STRING,
    image=STRING,
    args={"type": "array", "items": STRING, "x-kubernetes-list-type": "atomic"},
    env=keyed(ENV, "name"),
    ports=keyed(obj(containerPort={"type": "integer"}, protocol=STRING), "containerPort"),
)
VOLUME = obj(name=STRING, emptyDir=obj(medium=STRING), configMap=obj(name=STRING))
POD_SPEC = obj(containers=keyed(CONTAINER, "name"), volumes=keyed(VOLUME, "name", "merge,retainKeys"))
DEPLOYMENT = obj(
    metadata=META,
    spec=obj(
        selector={**obj(matchLabels=STRING_MAP), "x-kubernetes-map-type": "atomic"},
        template=obj(metadata=META, spec=POD_SPEC),
        strategy={
            **obj(type=STRING, rollingUpdate=obj(maxSurge=STRING)),
            "x-kubernetes-patch-strategy": "retainKeys",
        },
    ),
)
CLUSTER_ROLE = obj(
    metadata=META,
    rules={"type": "array", "x-kubernetes-list-type": "atomic", "items": obj(verbs={"type": "array"})},
)
SECRET = obj(metadata=META, data=STRING_MAP, stringData=STRING_MAP, type=STRING)
WITH_STATUS = obj(  # a keyed list with no patch strategy, as kube's CRD status conditions
    status=obj(
        conditions={
            "type": "array",
            "items": obj(type=STRING, status=STRING),
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["type"],
        }
    ),
    raw={**STRING_MAP, "x-kubernetes-patch-strategy": "replace"},
)


def deployment(*containers: Obj, **spec: Any) -> Obj:
    return {
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"template": {"spec": {"containers": list(containers), **spec}}},
    }


def containers_of(d: Obj) -> list[Obj]:
    return d["spec"]["template"]["spec"]["containers"]  # type: ignore[no-any-return]


def smp(original: Obj, patch: Obj, schema: Obj | None = DEPLOYMENT) -> Obj:
    """Apply, and check what every application must: inputs untouched, no directive stored."""
    before, patch_before = copy.deepcopy(original), copy.deepcopy(patch)
    result = strategic_merge_patch(original, patch, schema)
    assert original == before and patch == patch_before
    assert "$" not in "".join(_keys(result))
    return result


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


# --- maps: what kubectl label / annotate / patch send ------------------------------------------------


def test_label_merges_into_labels() -> None:
    cm = {"metadata": {"name": "x", "labels": {"keep": "1"}}, "data": {"k": "v"}}
    out = smp(cm, {"metadata": {"labels": {"a": "b"}}}, SECRET)
    assert out == {"metadata": {"name": "x", "labels": {"keep": "1", "a": "b"}}, "data": {"k": "v"}}


def test_null_removes_a_label_and_a_missing_one_is_not_stored() -> None:
    cm = {"metadata": {"name": "x", "labels": {"a": "b", "c": "d"}}}
    out = smp(cm, {"metadata": {"labels": {"a": None, "zzz": None}}}, SECRET)
    assert out == {"metadata": {"name": "x", "labels": {"c": "d"}}}


def test_null_deletes_a_whole_map_and_new_maps_lose_their_nulls() -> None:
    original = {"spec": {"a": {"b": 1}}, "keep": True}
    out = smp(original, {"spec": {"a": None, "new": {"x": None, "y": {"z": None, "w": 1}}}}, None)
    assert out == {"spec": {"new": {"y": {"w": 1}}}, "keep": True}


def test_secret_apply_replaces_changed_keys_and_drops_removed_ones() -> None:
    secret = {"metadata": {"name": "s"}, "type": "Opaque", "data": {"old": "b2xk", "same": "c2FtZQ=="}}
    out = smp(secret, {"data": {"old": None, "new": "bmV3"}}, SECRET)
    assert out["data"] == {"same": "c2FtZQ==", "new": "bmV3"} and out["type"] == "Opaque"


def test_a_value_of_another_type_replaces_the_old_one() -> None:
    assert smp({"a": "text", "b": [1]}, {"a": {"x": 1, "n": None}, "b": {"y": 2}}, None) == {
        "a": {"x": 1},
        "b": {"y": 2},
    }


def test_map_directives() -> None:
    original = {"metadata": {"labels": {"a": "1", "b": "2"}, "annotations": {"x": "y"}}}
    replaced = smp(original, {"metadata": {"labels": {"$patch": "replace", "c": "3", "n": None}}})
    assert replaced["metadata"] == {"labels": {"c": "3"}, "annotations": {"x": "y"}}
    merged = smp(original, {"metadata": {"labels": {"$patch": "merge", "c": "3"}}})
    assert merged["metadata"]["labels"] == {"a": "1", "b": "2", "c": "3"}
    emptied = smp(original, {"metadata": {"labels": {"$patch": "delete"}}})
    assert emptied["metadata"]["labels"] == {}  # kube empties a map it deletes
    absent = smp({"metadata": {}}, {"metadata": {"labels": {"$patch": "delete"}}})
    assert absent == {"metadata": {}}
    assert smp(original, {"$patch": "replace", "kind": "X"}) == {"kind": "X"}


@pytest.mark.parametrize("directive", ["remove", 1, None, {"a": 1}])
def test_an_unknown_map_directive_is_a_bad_request(directive: Any) -> None:
    with pytest.raises(BadRequest, match="unknown patch type"):
        strategic_merge_patch({"a": {}}, {"a": {"$patch": directive}}, None)


def test_replace_strategy_maps_and_keyed_lists_without_merge_strategy_are_replaced() -> None:
    original = {"raw": {"a": "1"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    patch = {"raw": {"b": "2"}, "status": {"conditions": [{"type": "Synced", "status": "True"}]}}
    assert smp(original, patch, WITH_STATUS) == patch


def test_atomic_map_type_does_not_stop_strategic_merge() -> None:
    """kube merges a LabelSelector's matchLabels: only the patch strategy counts."""
    original = {"spec": {"selector": {"matchLabels": {"app": "web"}}}}
    out = smp(original, {"spec": {"selector": {"matchLabels": {"tier": "1"}}}})
    assert out["spec"]["selector"] == {"matchLabels": {"app": "web", "tier": "1"}}


def test_retain_keys_clears_fields_it_does_not_list() -> None:
    """kubectl apply switching a Deployment from RollingUpdate to Recreate."""
    original = deployment()
    original["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}}
    strategy = {"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": None, "$setElementOrder/x": []}
    out = smp(original, {"spec": {"strategy": strategy}})
    assert out["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize(
    "strategy",
    [
        {"$retainKeys": "type", "type": "Recreate"},
        {"$retainKeys": ["type"], "type": "R", "rollingUpdate": {}},
    ],
)
def test_malformed_retain_keys_is_a_bad_request(strategy: Obj) -> None:
    live = deployment()
    live["spec"]["strategy"] = {"type": "RollingUpdate"}
    with pytest.raises(BadRequest, match=r"\$retainKeys"):
        strategic_merge_patch(live, {"spec": {"strategy": strategy}}, DEPLOYMENT)


# --- lists merged by key ------------------------------------------------------------------------------


def test_new_containers_land_before_the_live_ones_they_precede_in_the_patch() -> None:
    """`kubectl patch` adding a container: kube puts it first, not last."""
    original = deployment({"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"})
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "c"}, {"name": "b", "image": "b:2"}]}}}}
    assert containers_of(smp(original, patch)) == [
        {"name": "c"},
        {"name": "a", "image": "a:1"},
        {"name": "b", "image": "b:2"},
    ]
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "b:2"}, {"name": "c"}]}}}}
    assert [c["name"] for c in containers_of(smp(original, patch))] == ["a", "b", "c"]


def test_kubectl_apply_three_way_patch_with_element_order() -> None:
    """kubectl apply: bump the image, add env B between A and C, drop container `old`."""
    live = deployment(
        {
            "name": "app",
            "image": "nginx:1",
            "env": [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}],
        },
        {"name": "sidecar", "image": "proxy"},  # added by someone else: kubectl leaves it
        {"name": "old", "image": "old"},
    )
    patch = {
        "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}"}},
        "spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "app"}],
            "containers": [
                {
                    "$setElementOrder/env": [{"name": "A"}, {"name": "B"}, {"name": "C"}],
                    "env": [{"name": "B", "value": "2"}],
                    "image": "nginx:2",
                    "name": "app",
                },
                {"$patch": "delete", "name": "old"},
            ],
        }}},
    }  # fmt: skip
    out = smp(live, patch)
    app, sidecar = containers_of(out)
    assert app == {
        "name": "app",
        "image": "nginx:2",
        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
    }
    assert sidecar == {"name": "sidecar", "image": "proxy"}
    assert out["metadata"]["annotations"] == {"kubectl.kubernetes.io/last-applied-configuration": "{...}"}


def test_element_order_puts_new_items_where_it_says_and_keeps_server_only_items_in_place() -> None:
    live = deployment({"name": "a"}, {"name": "injected"}, {"name": "b"})
    patch = {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
        "containers": [{"name": "c", "image": "c"}],
    }}}}  # fmt: skip
    names = [c["name"] for c in containers_of(smp(live, patch))]
    assert names == ["a", "injected", "b", "c"]


def test_element_order_with_a_deleted_item_reuses_its_place_as_kube_does() -> None:
    live = deployment({"name": "1"}, {"name": "2"}, {"name": "4"})
    patch = {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "2"}, {"name": "3"}],
        "containers": [{"name": "3"}, {"name": "1", "$patch": "delete"}],
    }}}}  # fmt: skip
    assert [c["name"] for c in containers_of(smp(live, patch))] == ["2", "4", "3"]


def test_list_item_directives() -> None:
    live = deployment({"name": "a"}, {"name": "b", "image": "1"}, {"name": "a", "image": "dup"})
    deleted = smp(live, {"spec": {"template": {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}}})
    assert containers_of(deleted) == [{"name": "b", "image": "1"}]
    replace = [{"$patch": "replace"}, {"name": "z", "image": None}]
    replaced = smp(live, {"spec": {"template": {"spec": {"containers": replace}}}})
    assert containers_of(replaced) == [{"name": "z"}]
    emptied = smp(live, {"spec": {"template": {"spec": {"containers": [{"$patch": "replace"}]}}}})
    assert containers_of(emptied) == []


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"name": "a", "$patch": "merge"}, "not supported in a list"),
        ({"name": "a", "$patch": "drop"}, "unknown patch type"),
        ({"$patch": "delete"}, "does not contain declared merge key: name"),
        ({"image": "x"}, "does not contain declared merge key: name"),
    ],
)
def test_bad_list_items_are_bad_requests(item: Obj, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        strategic_merge_patch(
            deployment({"name": "a"}), {"spec": {"template": {"spec": {"containers": [item]}}}}, DEPLOYMENT
        )


def test_merge_keys_compare_by_type_like_go() -> None:
    live = deployment({"name": "a", "ports": [{"containerPort": 80}, {"containerPort": 443}]})
    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "a", "ports": [{"containerPort": 80, "protocol": "UDP"}, {"containerPort": "443"}]},
    ]}}}}  # fmt: skip
    ports = containers_of(smp(live, patch))[0]["ports"]
    assert ports == [
        {"containerPort": 80, "protocol": "UDP"},
        {"containerPort": "443"},
        {"containerPort": 443},
    ]


def test_element_order_problems_are_bad_requests() -> None:
    live = deployment({"name": "a"}, {"name": "b"})
    for spec, message in [
        ({"$setElementOrder/containers": [{"name": "a"}], "containers": [{"name": "b"}]}, "not in the order"),
        ({"$setElementOrder/containers": {"name": "a"}}, "expected a list"),
        ({"$setElementOrder/containers": ["a"], "containers": [{"name": "a"}]}, "merge key"),
        ({"$setElementOrder": [{"name": "a"}]}, "expected \\$setElementOrder/<field>"),
    ]:
        with pytest.raises(BadRequest, match=message):
            strategic_merge_patch(live, {"spec": {"template": {"spec": spec}}}, DEPLOYMENT)


def test_element_order_for_a_list_the_live_object_lacks_orders_the_new_list() -> None:
    patch = {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
        "containers": [
            {"name": "b"},
            {"name": "a", "$setElementOrder/env": [{"name": "E"}], "env": [{"name": "E"}]},
        ],
    }}}}  # fmt: skip
    live: Obj = {"spec": {"template": {"spec": {}}}}
    assert containers_of(smp(live, patch)) == [{"name": "b"}, {"name": "a", "env": [{"name": "E"}]}]


def test_directives_inside_new_content_are_spent_not_stored() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": "a"}, {"name": "gone", "$patch": "delete"}],
                    "volumes": [{"name": "v", "$retainKeys": ["name"]}],
                }
            }
        }
    }
    out = smp({"metadata": {"name": "web"}}, patch)
    assert out["spec"]["template"]["spec"] == {"containers": [{"name": "a"}], "volumes": [{"name": "v"}]}


def test_volume_source_switch_with_retain_keys_in_a_merged_list() -> None:
    live = deployment(
        {"name": "a"}, volumes=[{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}]
    )
    patch = {"spec": {"template": {"spec": {
        "$setElementOrder/volumes": [{"name": "data"}, {"name": "tmp"}],
        "volumes": [{"$retainKeys": ["configMap", "name"], "configMap": {"name": "cfg"}, "name": "data"}],
    }}}}  # fmt: skip
    volumes = smp(live, patch)["spec"]["template"]["spec"]["volumes"]
    assert volumes == [{"name": "data", "configMap": {"name": "cfg"}}, {"name": "tmp", "emptyDir": {}}]


def test_edge_cases_of_keyed_lists() -> None:
    live = deployment({"name": {"first": "a"}}, {"name": "b"})
    by_object = {"spec": {"template": {"spec": {"containers": [{"name": {"first": "a"}, "image": "x"}]}}}}
    assert containers_of(smp(live, by_object))[0] == {"name": {"first": "a"}, "image": "x"}
    order_then_delete: Obj = {
        "spec": {"template": {"spec": {"$setElementOrder/containers": [], "containers": None}}}
    }
    assert smp(live, order_then_delete)["spec"]["template"]["spec"] == {}
    empty = deployment()
    assert smp(empty, {"spec": {"template": {"spec": {"containers": []}}}}) == empty
    unkeyed = obj(items={"type": "array", "items": obj(a=STRING), "x-kubernetes-patch-strategy": "merge"})
    assert smp({"items": [{"a": "1"}]}, {"items": [{"a": "2", "b": None}]}, unkeyed) == {
        "items": [{"a": "2"}]
    }


# --- atomic lists and lists of primitives --------------------------------------------------------------


def test_cluster_role_rules_are_atomic() -> None:
    role = {"metadata": {"name": "r"}, "rules": [{"verbs": ["get"]}, {"verbs": ["list"]}]}
    out = smp(
        role, {"rules": [{"verbs": ["watch"], "$patch": "delete"}, {"verbs": ["*"], "x": None}]}, CLUSTER_ROLE
    )
    assert out["rules"] == [{"verbs": ["*"]}]
    # an order for a list without merge key has nothing to match items by: it is spent, not applied
    ordered = {
        "$setElementOrder/rules": [{"verbs": ["list"]}],
        "rules": [{"verbs": ["list"]}, {"verbs": ["get"]}],
    }
    assert smp(role, ordered, CLUSTER_ROLE)["rules"] == [{"verbs": ["list"]}, {"verbs": ["get"]}]


def test_without_a_schema_lists_are_replaced_and_maps_merge() -> None:
    out = smp({"a": [1, 2], "m": {"x": 1}}, {"a": [3], "m": {"y": 2}}, None)
    assert out == {"a": [3], "m": {"x": 1, "y": 2}}


def test_finalizers_merge_as_a_set_with_new_values_first() -> None:
    live = {"metadata": {"finalizers": ["a", "b"]}}
    assert smp(live, {"metadata": {"finalizers": ["c", "b", "c"]}})["metadata"]["finalizers"] == [
        "c",
        "a",
        "b",
    ]


def test_delete_from_primitive_list_and_element_order_for_primitives() -> None:
    live = {"metadata": {"finalizers": ["a", "b", "c"]}}
    patch = {
        "metadata": {
            "$setElementOrder/finalizers": ["c", "d", "a"],
            "$deleteFromPrimitiveList/finalizers": ["b"],
            "finalizers": ["d"],
        }
    }
    assert smp(live, patch)["metadata"]["finalizers"] == ["c", "d", "a"]
    nothing_to_delete_from: Obj = {"metadata": {}}
    assert smp(nothing_to_delete_from, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}}) == {
        "metadata": {}
    }
    reorder_only = {"$setElementOrder/finalizers": ["c", "a"], "$deleteFromPrimitiveList/finalizers": ["b"]}
    assert smp(live, {"metadata": reorder_only})["metadata"]["finalizers"] == ["c", "a"]


@pytest.mark.parametrize(
    "patch",
    [
        {"$deleteFromPrimitiveList": ["a"]},
        {"$deleteFromPrimitiveList/finalizers": "a"},
        {"$deleteFromPrimitiveList/ownerReferences": [{"uid": "1"}]},
    ],
)
def test_malformed_primitive_deletions_are_bad_requests(patch: Obj) -> None:
    live = {"metadata": {"finalizers": ["a"], "ownerReferences": [{"uid": "1"}]}}
    with pytest.raises(BadRequest, match=r"primitive list|expected"):
        strategic_merge_patch(live, {"metadata": patch}, DEPLOYMENT)


def test_element_kinds_must_agree_and_lists_of_lists_are_unprocessable() -> None:
    with pytest.raises(BadRequest, match="not identical"):
        strategic_merge_patch(
            {"metadata": {"finalizers": ["a"]}}, {"metadata": {"finalizers": [{"a": 1}]}}, DEPLOYMENT
        )
    with pytest.raises(Invalid) as caught:
        strategic_merge_patch(
            {"metadata": {"finalizers": [["a"]]}}, {"metadata": {"finalizers": ["b"]}}, DEPLOYMENT
        )
    assert caught.value.code == 422 and caught.value.message == REJECTED


# --- whatever the patch, the result is clean or the request fails as a client error ----------------------


def _json(keys: list[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-2, 2)
        | st.sampled_from(["a", "b", "delete", "replace", "merge"]),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(keys), inner, max_size=4),
        max_leaves=12,
    )


_FIELDS = ["name", "image", "env", "containers", "args", "value"]
_DIRECTIVES = ["$patch", "$retainKeys", "$setElementOrder/env", "$setElementOrder/containers",
               "$deleteFromPrimitiveList/args"]  # fmt: skip
_FUZZ_SCHEMA = obj(
    spec=obj(
        containers=keyed(CONTAINER, "name"), env=keyed(ENV, "name"), args=CONTAINER["properties"]["args"]
    )
)


@settings(max_examples=500, deadline=None)
@given(original=_json(_FIELDS), patch=_json(_FIELDS + _DIRECTIVES))
def test_any_patch_yields_a_clean_object_or_a_client_error(original: Any, patch: Any) -> None:
    original, patch = {"spec": original}, {"spec": patch}
    before = json.dumps([original, patch])
    try:
        result = strategic_merge_patch(original, patch, _FUZZ_SCHEMA)
    except StatusError as e:
        assert e.code in (400, 422)
    else:
        assert not [k for k in _keys(result) if k.startswith("$")]
    assert json.dumps([original, patch]) == before
