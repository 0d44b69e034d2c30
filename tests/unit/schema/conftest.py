"""A realistic Widget CRD schema, shared by the schema tests as fixtures."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from kcp.schema import CompiledSchema, compile_schema

WIDGET: dict[str, Any] = {
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "required": ["size"],
            "x-kubernetes-validations": [
                {
                    "rule": "self.minReplicas <= self.maxReplicas",
                    "message": "minReplicas must not exceed maxReplicas",
                },
            ],
            "properties": {
                "size": {"type": "integer", "minimum": 1, "maximum": 100},
                "color": {"type": "string", "enum": ["red", "green", "blue"], "default": "red"},
                "minReplicas": {"type": "integer", "format": "int32", "default": 1},
                "maxReplicas": {"type": "integer", "format": "int32", "default": 3},
                "name": {"type": "string", "maxLength": 10, "pattern": "^[a-z]+$"},
                "immutableId": {
                    "type": "string",
                    "x-kubernetes-validations": [
                        {"rule": "self == oldSelf", "message": "Value is immutable"}
                    ],
                },
                "port": {"x-kubernetes-int-or-string": True},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "ports": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string"},
                            "port": {"type": "integer", "default": 80},
                        },
                    },
                },
                "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
                "createdAt": {"type": "string", "format": "date-time"},
            },
        },
        "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
    },
}


@pytest.fixture
def widget_schema() -> dict[str, Any]:
    return copy.deepcopy(WIDGET)


@pytest.fixture
def widgets() -> CompiledSchema:
    return compile_schema(WIDGET)


def _widget(**spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"size": 3, "color": "red", "minReplicas": 1, "maxReplicas": 3}
    body.update(spec)
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": body}


@pytest.fixture
def widget() -> Callable[..., dict[str, Any]]:
    """A valid Widget object with spec fields overridden."""
    return _widget
