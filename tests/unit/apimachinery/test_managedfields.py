"""Server-side apply and managedFields, driven through the flows kubectl and controllers produce.

Expected entries, FieldsV1 and messages are those kube-apiserver gives for the same requests (its
apply integration tests and structured-merge-diff's merge tests are the reference).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from kcp.apimachinery.errors import BadRequest, Conflict, Invalid
from kcp.apimachinery.managedfields import LAST_APPLIED, server_side_apply, track_update

T0, T1, T2, T3 = (f"2024-05-01T10:00:0{i}Z" for i in range(4))

STRING: dict[str, Any] = {"type": "string"}
STRING_MAP: dict[str, Any] = {"type": "object", "additionalProperties": STRING}

CONFIGMAP: dict[str, Any] = {
    "type": "object",
    "properties": {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": {"type": "object"},
        "data": STRING_MAP,
    },
}

PORT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": STRING,
        "containerPort": {"type": "integer"},
        "protocol": {"type": "string", "default": "TCP"},
    },
}
CONTAINER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": STRING,
        "image": STRING,
        "workingDir": STRING,
        "args": {"type": "array", "items": STRING},  # atomic, as kube's
        "ports": {
            "type": "array",
            "items": PORT,
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
        },
        "env": {
            "type": "array",
            "items": {"type": "object", "properties": {"name": STRING, "value": STRING}},
            "x-kubernetes-patch-merge-key": "name",
            "x-kubernetes-patch-strategy": "merge",
        },
    },
}
DEPLOYMENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "apiVersion": STRING,
        "kind": STRING,
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "properties": {
                "replicas": {"type": "integer"},
                "selector": {
                    "type": "object",
                    "x-kubernetes-map-type": "atomic",
                    "properties": {"matchLabels": STRING_MAP},
                },
                "template": {
                    "type": "object",
                    "properties": {
                        "metadata": {"type": "object", "properties": {"labels": STRING_MAP}},
                        "spec": {
                            "type": "object",
                            "properties": {
                                "hostname": STRING,
                                "containers": {
                                    "type": "array",
                                    "items": CONTAINER,
                                    "x-kubernetes-list-type": "map",
                                    "x-kubernetes-list-map-keys": ["name"],
                                },
                            },
                        },
                    },
                },
            },
        },
        "status": {
            "type": "object",
            "properties": {"replicas": {"type": "integer"}, "phase": STRING},
        },
    },
}


def configmap(data: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm", "namespace": "default", **meta},
    }
    if data is not None:
        obj["data"] = data
    return obj


def deployment(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {**spec, "template": {"spec": {"containers": list(containers)}}},
    }


def cm_apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    manager: str = "kubectl",
    *,
    force: bool = False,
    now: str = T1,
) -> dict[str, Any]:
    result = server_side_apply(
        live, applied, manager=manager, force=force, schema=CONFIGMAP, api_version="v1", now=now
    )
    return stored(result)


def deploy_apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    manager: str,
    *,
    force: bool = False,
    now: str = T1,
    **extra: Any,
) -> dict[str, Any]:
    result = server_side_apply(
        live,
        applied,
        manager=manager,
        force=force,
        schema=DEPLOYMENT,
        api_version="apps/v1",
        now=now,
        **extra,
    )
    return stored(result)


def update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    manager: str,
    *,
    schema: dict[str, Any] = CONFIGMAP,
    api_version: str = "v1",
    now: str = T2,
    **extra: Any,
) -> dict[str, Any]:
    return stored(
        track_update(old, new, manager=manager, schema=schema, api_version=api_version, now=now, **extra)
    )


def stored(obj: dict[str, Any]) -> dict[str, Any]:
    """What the registry does after apply or create: the object gets an identity."""
    obj["metadata"].setdefault("uid", "uid-1")
    return obj


def entries(obj: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e["manager"], e["operation"], e["fieldsV1"]) for e in obj["metadata"].get("managedFields", [])]


def owners(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["manager"]: e["fieldsV1"] for e in obj["metadata"].get("managedFields", [])}


# --- kubectl apply --server-side of a ConfigMap -------------------------------------------------------


def test_apply_creates_with_one_apply_entry() -> None:
    cm = cm_apply(None, configmap({"a": "1", "b": "2"}, labels={"app": "web"}), now=T0)
    assert cm["data"] == {"a": "1", "b": "2"}
    assert cm["metadata"]["managedFields"] == [
        {
            "manager": "kubectl",
            "operation": "Apply",
            "apiVersion": "v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:a": {}, "f:b": {}}, "f:metadata": {"f:labels": {"f:app": {}}}},
        }
    ]


def test_reapply_changes_values_and_removes_dropped_keys() -> None:
    cm = cm_apply(None, configmap({"a": "1", "b": "2"}), now=T0)
    cm = cm_apply(cm, configmap({"a": "changed"}), now=T1)
    assert cm["data"] == {"a": "changed"}
    [entry] = cm["metadata"]["managedFields"]
    assert entry["fieldsV1"] == {"f:data": {"f:a": {}}}
    assert entry["time"] == T1


def test_dropping_the_last_key_drops_the_map() -> None:
    cm = cm_apply(None, configmap({"a": "1"}, labels={"x": "y"}))
    cm = cm_apply(cm, configmap())
    assert "data" not in cm
    assert "labels" not in cm["metadata"]
    assert "managedFields" not in cm["metadata"]  # nothing left to own: no empty entry


def test_noop_apply_keeps_object_and_time() -> None:
    cm = cm_apply(None, configmap({"a": "1"}), now=T0)
    again = cm_apply(copy.deepcopy(cm), configmap({"a": "1"}), now=T3)
    assert again == cm


def test_inputs_are_not_modified() -> None:
    live = cm_apply(None, configmap({"a": "1"}))
    applied = configmap({"a": "2", "b": "3"})
    live_copy, applied_copy = copy.deepcopy(live), copy.deepcopy(applied)
    result = server_side_apply(
        live, applied, manager="other", force=True, schema=CONFIGMAP, api_version="v1", now=T2
    )
    result["data"]["c"] = "mutated"
    assert (live, applied) == (live_copy, applied_copy)


# --- conflicts ---------------------------------------------------------------------------------------


def test_second_manager_changing_a_field_conflicts() -> None:
    cm = cm_apply(None, configmap({"a": "1"}))
    with pytest.raises(Conflict) as raised:
        cm_apply(cm, configmap({"a": "2"}), "other")
    status = raised.value.to_status()
    assert status["code"] == 409
    assert status["reason"] == "Conflict"
    assert status["message"] == 'Apply failed with 1 conflict: conflict with "kubectl": .data.a'
    assert status["details"] == {
        "causes": [
            {"reason": "FieldManagerConflict", "message": 'conflict with "kubectl"', "field": ".data.a"}
        ]
    }


def test_force_takes_ownership_away() -> None:
    cm = cm_apply(None, configmap({"a": "1", "b": "1"}), now=T0)
    cm = cm_apply(cm, configmap({"a": "2"}), "other", force=True, now=T1)
    assert cm["data"] == {"a": "2", "b": "1"}
    assert owners(cm) == {"kubectl": {"f:data": {"f:b": {}}}, "other": {"f:data": {"f:a": {}}}}
    # kubectl no longer owns a: dropping it from its config leaves other's value alone
    cm = cm_apply(cm, configmap({"b": "1"}), now=T2)
    assert cm["data"] == {"a": "2", "b": "1"}


def test_forced_manager_with_nothing_left_disappears() -> None:
    cm = cm_apply(None, configmap({"a": "1"}))
    cm = cm_apply(cm, configmap({"a": "2"}), "other", force=True)
    assert [m for m, _, _ in entries(cm)] == ["other"]


def test_same_value_is_shared_not_conflicting() -> None:
    cm = cm_apply(None, configmap({"a": "1"}))
    cm = cm_apply(cm, configmap({"a": "1"}), "other")
    assert owners(cm) == {"kubectl": {"f:data": {"f:a": {}}}, "other": {"f:data": {"f:a": {}}}}
    cm = cm_apply(cm, configmap(), "kubectl")  # the other owner keeps it alive
    assert cm["data"] == {"a": "1"}
    assert owners(cm) == {"other": {"f:data": {"f:a": {}}}}


def test_conflicts_with_several_managers_are_listed_by_manager() -> None:
    cm = cm_apply(None, configmap({"a": "1", "b": "1"}))
    cm = update(cm, configmap({"a": "1", "b": "1", "c": "1"}, uid="uid-1"), "kube-controller")
    with pytest.raises(Conflict) as raised:
        cm_apply(cm, configmap({"a": "2", "b": "2", "c": "2"}), "other")
    assert raised.value.message == (
        'Apply failed with 3 conflicts: conflicts with "kube-controller" using v1:\n- .data.c\n'
        'conflicts with "kubectl":\n- .data.a\n- .data.b'
    )
    assert [c.field for c in raised.value.causes] == [".data.c", ".data.a", ".data.b"]


# --- client-side apply, then server-side apply (kubectl's upgrade path) ------------------------------


def client_side_applied(data: dict[str, str]) -> dict[str, Any]:
    """What `kubectl apply` (client-side) creates: the object plus its last-applied annotation."""
    config = configmap(data)
    config["metadata"]["annotations"] = {}
    annotation = json.dumps(config, separators=(",", ":"), sort_keys=True) + "\n"
    return stored(
        update(
            None, configmap(data, annotations={LAST_APPLIED: annotation}), "kubectl-client-side-apply", now=T0
        )
    )


def test_client_side_apply_is_tracked_as_an_update() -> None:
    cm = client_side_applied({"key": "v1"})
    assert cm["metadata"]["managedFields"] == [
        {
            "manager": "kubectl-client-side-apply",
            "operation": "Update",
            "apiVersion": "v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:data": {".": {}, "f:key": {}},
                "f:metadata": {"f:annotations": {".": {}, f"f:{LAST_APPLIED}": {}}},
            },
        }
    ]


def test_server_side_apply_takes_over_from_client_side_apply() -> None:
    cm = client_side_applied({"key": "v1"})
    cm = cm_apply(cm, configmap({"key": "v2"}), "kubectl")
    assert cm["data"] == {"key": "v2"}
    assert owners(cm) == {
        "kubectl": {"f:data": {"f:key": {}}},
        "kubectl-client-side-apply": {
            "f:data": {},  # the map itself, now without keys
            "f:metadata": {"f:annotations": {".": {}, f"f:{LAST_APPLIED}": {}}},
        },
    }
    # the annotation now records what was applied server-side, as kubectl would have written it
    assert json.loads(cm["metadata"]["annotations"][LAST_APPLIED]) == configmap({"key": "v2"})
    assert cm["metadata"]["annotations"][LAST_APPLIED].endswith("}\n")


def test_other_managers_do_not_inherit_client_side_ownership() -> None:
    cm = client_side_applied({"key": "v1"})
    with pytest.raises(Conflict) as raised:
        cm_apply(cm, configmap({"key": "v2"}), "my-controller")
    assert raised.value.message == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.key'
    )


def test_fields_edited_since_the_client_side_apply_still_conflict() -> None:
    cm = client_side_applied({"key": "v1", "other": "x"})
    edited = copy.deepcopy(cm)
    edited["data"]["key"] = "edited"
    cm = update(cm, edited, "kubectl-edit")
    with pytest.raises(Conflict) as raised:
        cm_apply(cm, configmap({"key": "v2", "other": "y"}), "kubectl")
    assert [c.field for c in raised.value.causes] == [".data.key"]  # .data.other upgraded silently


# --- keyed lists (containers) ------------------------------------------------------------------------


def test_keyed_list_items_are_owned_by_key() -> None:
    web = deploy_apply(None, deployment({"name": "nginx", "image": "nginx:1"}, replicas=3), "apply")
    assert owners(web)["apply"] == {
        "f:spec": {
            "f:replicas": {},
            "f:template": {
                "f:spec": {"f:containers": {'k:{"name":"nginx"}': {".": {}, "f:image": {}, "f:name": {}}}}
            },
        }
    }


def test_appliers_add_items_to_a_shared_list() -> None:
    web = deploy_apply(None, deployment({"name": "app", "image": "app:1"}), "team")
    web = deploy_apply(web, deployment({"name": "sidecar", "image": "proxy:1"}), "mesh")
    containers = web["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["app", "sidecar"]
    web = deploy_apply(web, deployment({"name": "app", "image": "app:2"}), "team")
    assert [(c["name"], c["image"]) for c in web["spec"]["template"]["spec"]["containers"]] == [
        ("app", "app:2"),
        ("sidecar", "proxy:1"),
    ]


def test_removed_item_goes_even_if_a_controller_touched_it() -> None:
    web = deploy_apply(None, deployment({"name": "nginx", "image": "nginx:1"}), "applier")
    edited = copy.deepcopy(web)
    edited["spec"]["template"]["spec"]["containers"][0]["workingDir"] = "/srv"
    web = update(web, edited, "controller", schema=DEPLOYMENT, api_version="apps/v1")
    assert "controller" in owners(web)
    web = deploy_apply(web, deployment({"name": "other", "image": "nginx:1"}), "applier")
    assert web["spec"]["template"]["spec"]["containers"] == [{"name": "other", "image": "nginx:1"}]
    assert "controller" not in owners(web)


def test_field_taken_by_a_controller_survives_the_applier_dropping_it() -> None:
    web = deploy_apply(None, deployment({"name": "nginx", "image": "nginx:1"}, replicas=3), "applier")
    scaled = copy.deepcopy(web)
    scaled["spec"]["replicas"] = 4
    web = update(web, scaled, "autoscaler", schema=DEPLOYMENT, api_version="apps/v1")
    web = deploy_apply(web, deployment({"name": "nginx", "image": "nginx:1"}), "applier")
    assert web["spec"]["replicas"] == 4


def test_dropping_an_exclusively_owned_field_unsets_it_shared_ones_stay() -> None:
    full = deployment({"name": "nginx", "image": "nginx:1"}, replicas=3)
    full["spec"]["template"]["spec"]["hostname"] = "h"
    web = deploy_apply(None, full, "one")
    web = deploy_apply(web, full, "two")
    trimmed = deployment({"name": "nginx", "image": "nginx:1"})
    web = deploy_apply(web, trimmed, "one")
    assert web["spec"]["replicas"] == 3
    assert web["spec"]["template"]["spec"]["hostname"] == "h"
    web = deploy_apply(web, trimmed, "two")
    assert "replicas" not in web["spec"]
    assert "hostname" not in web["spec"]["template"]["spec"]


def test_list_key_defaults_fill_missing_keys() -> None:
    port = {"name": "foo", "containerPort": 80}
    web = deploy_apply(None, deployment({"name": "nginx", "image": "i", "ports": [port]}), "applier")
    item = owners(web)["applier"]["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}']
    assert 'k:{"containerPort":80,"protocol":"TCP"}' in item["f:ports"]
    changed = deployment(
        {"name": "nginx", "ports": [{"name": "bar", "containerPort": 80, "protocol": "TCP"}]}
    )
    with pytest.raises(Conflict) as raised:
        deploy_apply(web, changed, "intruder")
    assert [c.field for c in raised.value.causes] == [
        '.spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].name'
    ]


def test_merge_key_lists_are_keyed_like_map_lists() -> None:
    env = [{"name": "A", "value": "1"}]
    web = deploy_apply(None, deployment({"name": "c", "env": env}), "one")
    web = deploy_apply(web, deployment({"name": "c", "env": [{"name": "B", "value": "2"}]}), "two")
    assert web["spec"]["template"]["spec"]["containers"][0]["env"] == [*env, {"name": "B", "value": "2"}]


def test_atomic_lists_are_owned_and_replaced_whole() -> None:
    web = deploy_apply(None, deployment({"name": "c", "args": ["a", "b"]}), "one")
    item = owners(web)["one"]["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"c"}']
    assert item["f:args"] == {}
    with pytest.raises(Conflict) as raised:
        deploy_apply(web, deployment({"name": "c", "args": ["a"]}), "two")
    assert raised.value.causes[0].field == '.spec.template.spec.containers[name="c"].args'


def test_atomic_maps_are_owned_whole() -> None:
    applied = deployment({"name": "c"})
    applied["spec"]["selector"] = {"matchLabels": {"app": "web"}}
    web = deploy_apply(None, applied, "one")
    assert owners(web)["one"]["f:spec"]["f:selector"] == {}


# --- sets ----------------------------------------------------------------------------------------------


def test_set_items_are_owned_by_value() -> None:
    cm = cm_apply(None, configmap(finalizers=["a.example.com/x"]), "one")
    cm = cm_apply(cm, configmap(finalizers=["b.example.com/y"]), "two")
    assert cm["metadata"]["finalizers"] == ["a.example.com/x", "b.example.com/y"]
    assert owners(cm)["two"] == {"f:metadata": {"f:finalizers": {'v:"b.example.com/y"': {}}}}
    cm = cm_apply(cm, configmap(), "one")
    assert cm["metadata"]["finalizers"] == ["b.example.com/y"]


# --- updates (create, update, patch) -----------------------------------------------------------------


def test_updates_take_changed_fields_from_appliers() -> None:
    # kube's TestApplyManagedFields: an applier, then two merge patches by one updater.
    cm = cm_apply(None, configmap({"key": "value"}, labels={"test-label": "test"}), "apply_test", now=T0)
    patched = copy.deepcopy(cm)
    patched["data"]["new-key"] = "value"
    cm = update(cm, patched, "updater", now=T1)
    patched = copy.deepcopy(cm)
    patched["data"]["key"] = "new value"
    cm = update(cm, patched, "updater", now=T2)
    assert cm["metadata"]["managedFields"] == [
        {
            "manager": "apply_test",
            "operation": "Apply",
            "apiVersion": "v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {"f:test-label": {}}}},
        },
        {
            "manager": "updater",
            "operation": "Update",
            "apiVersion": "v1",
            "time": T2,
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:key": {}, "f:new-key": {}}},
        },
    ]


def test_update_that_changes_nothing_leaves_entries_alone() -> None:
    cm = cm_apply(None, configmap({"a": "1"}), now=T0)
    assert update(cm, copy.deepcopy(cm), "noop") == cm


def test_create_without_manager_is_unknown() -> None:
    cm = update(None, configmap({"a": "1"}), "")
    assert entries(cm) == [("unknown", "Update", {"f:data": {".": {}, "f:a": {}}})]


@pytest.mark.parametrize("reset", [[], [{}]])
def test_empty_managed_fields_clear_tracking(reset: list[Any]) -> None:
    cm = cm_apply(None, configmap({"a": "1"}, labels={"l": "1"}))
    cleared = copy.deepcopy(cm)
    cleared["metadata"]["managedFields"] = reset
    cm = update(cm, cleared, "clearer")
    assert "managedFields" not in cm["metadata"]
    changed = copy.deepcopy(cm)
    changed["metadata"]["labels"]["l"] = "2"
    cm = update(cm, changed, "editor")
    assert "managedFields" not in cm["metadata"]  # untracked until the next apply
    cm = cm_apply(cm, configmap({"b": "2"}), "kubectl", now=T3)
    assert owners(cm) == {
        "kubectl": {"f:data": {"f:b": {}}},
        "before-first-apply": {
            "f:data": {".": {}, "f:a": {}},
            "f:metadata": {"f:labels": {".": {}, "f:l": {}}},
        },
    }


def test_client_sent_managed_fields_are_used() -> None:
    cm = cm_apply(None, configmap(labels={"a": "one"}), "multi_manager_one", now=T0)
    cm = cm_apply(cm, configmap(labels={"b": "two"}), "multi_manager_two", now=T1)
    renamed = copy.deepcopy(cm)
    for entry in renamed["metadata"]["managedFields"]:
        entry["manager"] = "multi_manager"
    cm = update(cm, renamed, "renamer")
    assert entries(cm) == [("multi_manager", "Apply", {"f:metadata": {"f:labels": {"f:b": {}}}})]


def test_invalid_client_managed_fields_fall_back_to_live() -> None:
    cm = cm_apply(None, configmap({"a": "1"}))
    broken = copy.deepcopy(cm)
    broken["metadata"]["managedFields"] = [
        {"manager": "x", "operation": "Apply", "apiVersion": "v1", "fieldsType": "", "fieldsV1": {}}
    ]
    assert update(cm, broken, "editor")["metadata"]["managedFields"] == cm["metadata"]["managedFields"]


def test_update_managers_beyond_ten_fold_into_ancient_changes() -> None:
    cm = cm_apply(None, configmap({"seed": "0"}), now=T0)
    for i in range(11):
        changed = copy.deepcopy(cm)
        changed["data"][f"k{i}"] = "v"
        cm = update(cm, changed, f"writer-{i:02d}", now=f"2024-05-01T10:00:{10 + i}Z")
    managers = [m for m, op, _ in entries(cm) if op == "Update"]
    assert len(managers) == 10
    assert "ancient-changes" in managers
    assert owners(cm)["ancient-changes"] == {"f:data": {"f:k0": {}, "f:k1": {}}}


# --- the status subresource --------------------------------------------------------------------------


def test_apply_to_main_resource_leaves_status_alone() -> None:
    live = deploy_apply(None, deployment({"name": "c"}), "one")
    live["status"] = {"replicas": 1}
    applied = deployment({"name": "c"})
    applied["status"] = {"replicas": 5}
    web = deploy_apply(live, applied, "two", status_subresource=True)
    assert web["status"] == {"replicas": 1}
    assert "f:status" not in owners(web)["two"]


def test_apply_to_status_changes_only_status() -> None:
    live = deploy_apply(None, deployment({"name": "c"}, replicas=1), "one")
    applied = deployment({"name": "c"}, replicas=9)
    applied["status"] = {"replicas": 1, "phase": "Ready"}
    web = deploy_apply(live, applied, "kubelet", subresource="status", status_subresource=True)
    assert web["spec"]["replicas"] == 1
    assert web["status"] == {"replicas": 1, "phase": "Ready"}
    [entry] = [e for e in web["metadata"]["managedFields"] if e["manager"] == "kubelet"]
    assert entry["subresource"] == "status"
    assert entry["fieldsV1"] == {"f:status": {"f:phase": {}, "f:replicas": {}}}


def test_status_updates_are_tracked_per_subresource_and_ignore_sent_managed_fields() -> None:
    live = deploy_apply(None, deployment({"name": "c"}), "one")
    new = copy.deepcopy(live)
    new["status"] = {"phase": "Running"}
    new["metadata"]["managedFields"] = []  # ignored through a subresource
    web = update(live, new, "kubelet", schema=DEPLOYMENT, api_version="apps/v1", subresource="status")
    assert [(e["manager"], e.get("subresource")) for e in web["metadata"]["managedFields"]] == [
        ("one", None),
        ("kubelet", "status"),
    ]
    assert owners(web)["kubelet"] == {"f:status": {".": {}, "f:phase": {}}}


# --- bad requests ------------------------------------------------------------------------------------


def test_apply_requires_a_field_manager() -> None:
    with pytest.raises(Invalid) as raised:
        cm_apply(None, configmap(), "")
    assert raised.value.code == 422
    assert raised.value.message == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
    )


def test_field_manager_must_be_short_and_printable() -> None:
    with pytest.raises(Invalid, match="Too long: may not be more than 128 bytes"):
        cm_apply(None, configmap(), "m" * 129)
    with pytest.raises(Invalid, match=r"invalid character U\+0007 \(at position 1\)"):
        cm_apply(None, configmap(), "a\ab")


def test_apply_rejects_managed_fields_in_the_body() -> None:
    with pytest.raises(BadRequest, match=r"^metadata\.managedFields must be nil$"):
        cm_apply(None, configmap(managedFields=[]))


def test_apply_must_use_the_served_version_and_kind() -> None:
    wrong = deployment({"name": "c"})
    wrong["apiVersion"] = "extensions/v1beta1"
    with pytest.raises(BadRequest, match=r"^invalid object type: extensions/v1beta1, Kind=Deployment$"):
        deploy_apply(None, wrong, "one", kind="Deployment")
    with pytest.raises(BadRequest, match=r"^invalid object type: /v1, Kind=Secret$"):
        cm_apply(cm_apply(None, configmap()), {**configmap(), "kind": "Secret"})


def test_apply_rejects_fields_a_struct_does_not_declare() -> None:
    with pytest.raises(BadRequest) as raised:
        deploy_apply(None, deployment({"name": "a", "bogus": 1}), "one")
    assert raised.value.message == (
        "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): "
        '.spec.template.spec.containers[name="a"].bogus: field not declared in schema'
    )
    with pytest.raises(BadRequest, match=r"\): \.metadata\.bogus: field not declared in schema$"):
        cm_apply(None, configmap(bogus="x"))
    # map keys, and everything under a schema that says nothing, are declared
    assert cm_apply(None, {**configmap(), "data": {"any-key": "v"}})["data"] == {"any-key": "v"}


def test_preserved_and_embedded_fields_are_declared() -> None:
    embedded = {"type": "object", "x-kubernetes-embedded-resource": True, "properties": {"spec": STRING_MAP}}
    schema = {
        "type": "object",
        "properties": {
            # a CRD may constrain metadata.name; the rest of ObjectMeta is still declared
            "metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 9}}},
            "spec": {
                "type": "object",
                "properties": {
                    "free": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                        "properties": {},
                    },
                    "known": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                        "properties": {"a": STRING},
                    },
                    "child": embedded,
                },
            },
        },
    }
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "labels": {"a": "b"}},
        "spec": {
            "free": {"x": 1},
            "known": {"a": "1", "b": 2},
            "child": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "spec": {"k": "v"}},
        },
    }
    result = server_side_apply(
        None, widget, manager="tool", force=False, schema=schema, api_version="example.com/v1", now=T0
    )
    assert result["spec"] == widget["spec"]
    with pytest.raises(BadRequest, match=r"\.spec\.child\.bogus: field not declared in schema$"):
        server_side_apply(
            None,
            {**widget, "spec": {"child": {"bogus": 1}}},
            manager="tool",
            force=False,
            schema=schema,
            api_version="example.com/v1",
            now=T0,
        )


def test_apply_rejects_duplicate_and_keyless_items() -> None:
    duplicated = deployment({"name": "a"}, {"name": "a"})
    with pytest.raises(BadRequest) as raised:
        deploy_apply(None, duplicated, "one")
    assert raised.value.message == (
        "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): "
        '.spec.template.spec.containers: duplicate entries for key [name="a"]'
    )
    with pytest.raises(
        BadRequest,
        match=r"element 0: associative list with keys has an element that omits all "
        r'key fields \["name"\]',
    ):
        deploy_apply(None, deployment({"image": "x"}), "one")


# --- without a schema ----------------------------------------------------------------------------------


def test_without_schema_maps_are_granular_and_lists_atomic() -> None:
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 1, "tags": ["a"]},
    }
    result = server_side_apply(
        None, widget, manager="tool", force=False, schema=None, api_version="example.com/v1", now=T0
    )
    assert owners(result)["tool"] == {"f:spec": {".": {}, "f:size": {}, "f:tags": {}}}
    stored(result)
    other = {**widget, "spec": {"tags": ["b"]}}
    with pytest.raises(Conflict, match=r"\.spec\.tags$"):
        server_side_apply(
            result, other, manager="other", force=False, schema=None, api_version="example.com/v1", now=T1
        )


def test_fields_inside_a_struct_made_atomic_are_owned_as_the_struct() -> None:
    spec: dict[str, Any] = {"type": "object", "properties": {"a": STRING}}
    granular = {"type": "object", "properties": {"spec": spec}}
    atomic = {"type": "object", "properties": {"spec": {**spec, "x-kubernetes-map-type": "atomic"}}}
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"a": "1"}}
    live = stored(
        server_side_apply(
            None, widget, manager="one", force=False, schema=granular, api_version="example.com/v1", now=T0
        )
    )
    assert owners(live)["one"] == {"f:spec": {"f:a": {}}}
    # The CRD now says spec is atomic: "one" owns spec whole, so replacing it conflicts.
    with pytest.raises(Conflict) as raised:
        server_side_apply(
            live,
            {**widget, "spec": {"a": "2"}},
            manager="two",
            force=False,
            schema=atomic,
            api_version="example.com/v1",
            now=T1,
        )
    assert [c.field for c in raised.value.causes] == [".spec"]
