"""Pruning unknown fields and the paths fieldValidation=Strict reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kcp.schema import CompiledSchema, compile_schema

Make = Callable[..., dict[str, Any]]


def test_unknown_fields_are_dropped_and_reported(widgets: CompiledSchema, widget: Make) -> None:
    obj = widget(bogus=1, labels={"a": "b"}, ports=[{"name": "x", "junk": True}], extra={"kept": {"deep": 1}})
    obj["metadata"]["bogusMeta"] = "x"
    obj["metadata"]["ownerReferences"] = [{"name": "o", "what": 1}]
    obj["topLevel"] = 1
    assert widgets.prune(obj) == [
        "metadata.bogusMeta",
        "metadata.ownerReferences[0].what",
        "spec.bogus",
        "spec.ports[0].junk",
        "topLevel",
    ]
    assert "bogus" not in obj["spec"] and "topLevel" not in obj and "junk" not in obj["spec"]["ports"][0]
    assert obj["spec"]["extra"] == {"kept": {"deep": 1}}
    assert obj["metadata"] == {"name": "w1", "ownerReferences": [{"name": "o"}]}
    assert obj["apiVersion"] == "example.com/v1" and obj["kind"] == "Widget"


def test_reported_paths_are_sorted_after_metadata(widgets: CompiledSchema, widget: Make) -> None:
    obj = widget(zzz=1, aaa={"x": 1})
    obj["metadata"]["zz"] = 1
    assert widgets.prune(obj) == ["metadata.zz", "spec.aaa", "spec.zzz"]


def test_nulls_without_default_go_nullable_stay() -> None:
    c = compile_schema(
        {
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "properties": {
                        "a": {"type": "string"},
                        "b": {"type": "string", "nullable": True},
                        "c": {"type": "string", "default": "x"},
                    },
                }
            },
        }
    )
    obj: dict[str, Any] = {"spec": {"a": None, "b": None, "c": None}}
    assert c.prune(obj) == []
    assert obj == {"spec": {"b": None, "c": None}}
    c.default(obj)
    assert obj == {"spec": {"b": None, "c": "x"}}


def test_embedded_resource_metadata_is_object_meta_only() -> None:
    c = compile_schema(
        {
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "properties": {
                        "template": {
                            "type": "object",
                            "x-kubernetes-embedded-resource": True,
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            },
        }
    )
    obj: dict[str, Any] = {
        "spec": {
            "template": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p", "junk": 1, "creationTimestamp": None},
                "spec": {"anything": 1},
            },
            "other": 1,
        }
    }
    assert c.prune(obj) == ["spec.other", "spec.template.metadata.junk"]
    assert obj["spec"]["template"] == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"anything": 1},
    }


def test_additional_properties_keep_keys_and_prune_inside() -> None:
    c = compile_schema(
        {
            "type": "object",
            "properties": {
                "m": {
                    "type": "object",
                    "additionalProperties": {"type": "object", "properties": {"v": {"type": "string"}}},
                }
            },
        }
    )
    obj: dict[str, Any] = {"m": {"k1": {"v": "a", "x": 1}, "k2": {}}}
    assert c.prune(obj) == ["m.k1.x"]
    assert obj == {"m": {"k1": {"v": "a"}, "k2": {}}}
