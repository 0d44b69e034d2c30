"""Compiled schemas are shared by content, bounded in number, and fast to apply."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from kcp.schema import CompiledSchema, cache_info, compile_schema, compiled

Make = Callable[..., dict[str, Any]]


def test_identical_schemas_share_one_entry(widget_schema: dict[str, Any]) -> None:
    reordered = dict(reversed(list(copy.deepcopy(widget_schema).items())))
    first, second = compile_schema(widget_schema), compile_schema(reordered)
    assert first is second
    assert len(first.digest) == 64
    widget_schema["properties"]["spec"]["properties"]["size"]["maximum"] = 5
    assert compile_schema(widget_schema) is not first


def test_cache_is_bounded(monkeypatch: Any) -> None:
    monkeypatch.setattr(compiled, "MAX_ENTRIES", 3)
    for i in range(10):
        compile_schema({"type": "object", "properties": {"n": {"type": "integer", "maximum": i}}})
    assert cache_info().size <= 3


def test_compiled_schema_does_not_alias_the_callers_dict(widget_schema: dict[str, Any]) -> None:
    c = compile_schema(widget_schema)
    widget_schema["properties"]["spec"]["properties"]["size"]["minimum"] = 50
    assert c.validate({"spec": {"size": 2, "minReplicas": 1, "maxReplicas": 1}}) == []


def test_typical_object_validates_fast(widgets: CompiledSchema, widget: Make) -> None:
    obj = widget(
        name="abc",
        immutableId="x",
        port=8080,
        labels={"a": "b"},
        tags=["a", "b"],
        ports=[{"name": "http", "port": 80}],
        createdAt="2024-01-01T00:00:00Z",
    )
    old = copy.deepcopy(obj)
    obj["spec"]["size"] = 4
    widgets.validate(obj, old)
    runs = 200
    started = time.perf_counter()
    for _ in range(runs):
        assert widgets.validate(obj, old) == []
    per_call = (time.perf_counter() - started) / runs
    assert per_call < 0.002  # measured about 0.06 ms; generous for slow CI machines
