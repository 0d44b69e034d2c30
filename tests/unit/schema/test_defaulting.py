"""Applying schema defaults, nested and in items and additionalProperties."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kcp.schema import CompiledSchema, compile_schema

Make = Callable[..., dict[str, Any]]


def test_widget_defaults(widgets: CompiledSchema) -> None:
    obj: dict[str, Any] = {"spec": {"size": 1, "ports": [{"name": "http"}, {"name": "x", "port": 1}]}}
    widgets.default(obj)
    assert obj["spec"] == {
        "size": 1,
        "color": "red",
        "minReplicas": 1,
        "maxReplicas": 3,
        "ports": [{"name": "http", "port": 80}, {"name": "x", "port": 1}],
    }


def test_nested_defaults_and_maps() -> None:
    c = compile_schema(
        {
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "default": {},
                    "properties": {
                        "inner": {
                            "type": "object",
                            "default": {"a": 1},
                            "properties": {"a": {"type": "integer"}, "b": {"type": "string", "default": "b"}},
                        },
                        "m": {
                            "type": "object",
                            "additionalProperties": {
                                "type": "object",
                                "properties": {"x": {"type": "integer", "default": 7}},
                            },
                        },
                    },
                }
            },
        }
    )
    obj: dict[str, Any] = {}
    c.default(obj)
    assert obj == {"spec": {"inner": {"a": 1, "b": "b"}}}
    obj = {"spec": {"m": {"k": {}}}}
    c.default(obj)
    assert obj["spec"]["m"] == {"k": {"x": 7}}


def test_defaults_are_copies() -> None:
    c = compile_schema(
        {
            "type": "object",
            "properties": {"l": {"type": "array", "items": {"type": "string"}, "default": ["a"]}},
        }
    )
    one: dict[str, Any] = {}
    two: dict[str, Any] = {}
    c.default(one)
    one["l"].append("b")
    c.default(two)
    assert two == {"l": ["a"]}


def test_explicit_values_win(widgets: CompiledSchema, widget: Make) -> None:
    obj = widget(color="blue")
    widgets.default(obj)
    assert obj["spec"]["color"] == "blue"
