"""x-kubernetes-validations on Widgets: rules, transition rules, messages, reasons, cost guard."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from kcp.apimachinery.errors import Cause
from kcp.schema import CompiledSchema, compile_schema

Make = Callable[..., dict[str, Any]]


def rules(prop: dict[str, Any], *rule: dict[str, Any]) -> CompiledSchema:
    return compile_schema(
        {
            "type": "object",
            "properties": {
                "spec": {"type": "object", "properties": {"a": prop}, "x-kubernetes-validations": list(rule)}
            },
        }
    )


def test_rule_on_spec(widgets: CompiledSchema, widget: Make) -> None:
    assert widgets.validate(widget(minReplicas=2, maxReplicas=2)) == []
    assert widgets.validate(widget(minReplicas=5, maxReplicas=2)) == [
        Cause("FieldValueInvalid", "Invalid value: minReplicas must not exceed maxReplicas", "spec")
    ]


def test_transition_rule_runs_only_on_update(widgets: CompiledSchema, widget: Make) -> None:
    assert widgets.validate(widget(immutableId="a")) == []
    assert widgets.validate(widget(immutableId="a"), widget(immutableId="a")) == []
    assert widgets.validate(widget(immutableId="b"), widget(immutableId="a")) == [
        Cause("FieldValueInvalid", 'Invalid value: "b": Value is immutable', "spec.immutableId")
    ]
    assert widgets.validate(widget(immutableId="b"), widget()) == []  # no old value to compare


def test_default_message_reason_field_path_and_message_expression() -> None:
    c = rules(
        {"type": "integer"},
        {"rule": "self.a > 1"},
        {"rule": "self.a > 2", "reason": "FieldValueForbidden", "fieldPath": ".a", "message": "too small"},
        {"rule": "self.a > 3", "messageExpression": "'a is ' + string(self.a)"},
        {"rule": "self.a > 4", "reason": "FieldValueRequired", "messageExpression": "1"},
    )
    assert c.validate({"spec": {"a": 1}}) == [
        Cause("FieldValueInvalid", "Invalid value: failed rule: self.a > 1", "spec"),
        Cause("FieldValueForbidden", "Forbidden: too small", "spec.a"),
        Cause("FieldValueInvalid", "Invalid value: a is 1", "spec"),
        Cause("FieldValueRequired", "Required value: failed rule: self.a > 4", "spec"),
    ]


def test_scalar_rule_shows_the_value() -> None:
    c = rules({"type": "string", "x-kubernetes-validations": [{"rule": "self.startsWith('x')"}]})
    assert c.validate({"spec": {"a": "yz"}}) == [
        Cause("FieldValueInvalid", "Invalid value: \"yz\": failed rule: self.startsWith('x')", "spec.a")
    ]


@pytest.mark.parametrize(
    ("rule", "value"),
    [
        ("self.lowerAscii() == 'abc' && self.upperAscii() == 'ABC'", "aBc"),
        ("self.split(',').size() == 2 && ['x', 'y'].join('-') == 'x-y'", "a,b"),
        ("self.indexOf('b') == 1 && self.lastIndexOf('c') == 2 && self.charAt(0) == 'a'", "abc"),
        ("self.replace('b', 'x') == 'axc' && self.substring(1) == 'bc' && ' a '.trim() == 'a'", "abc"),
        ("self.matches('^a') && self.find('[bc]+') == 'bc' && self.findAll('[a-z]').size() == 3", "abc"),
        ("[1, 2, 3].isSorted() && [1, 2].sum() == 3 && [3, 1].min() == 1 && [3, 1].max() == 3", "x"),
        ("self.all(c, c != 'z') == false || true", "x"),
    ],
)
def test_kube_string_and_list_library(rule: str, value: str) -> None:
    c = rules({"type": "string", "x-kubernetes-validations": [{"rule": rule}]})
    assert c.validate({"spec": {"a": value}}) == []


def test_types_seen_by_rules() -> None:
    c = rules(
        {
            "type": "object",
            "properties": {
                "t": {"type": "string", "format": "date-time"},
                "d": {"type": "string", "format": "duration"},
                "x-y": {"type": "integer"},
                "in": {"type": "integer"},
            },
            "x-kubernetes-validations": [
                {"rule": "self.t < timestamp('2030-01-01T00:00:00Z') && self.d > duration('1m')"},
                {"rule": "self.x__dash__y == 1 && self.__in__ == 2"},
            ],
        }
    )
    assert c.validate({"spec": {"a": {"t": "2024-05-01T10:00:00Z", "d": "1h", "x-y": 1, "in": 2}}}) == []


def test_a_number_is_a_double_even_when_written_as_an_integer() -> None:
    """kube hands rules a `type: number` value as a double whatever its JSON spelling: `3` and `3.0`
    (which reaches a custom resource as 3) both take double arithmetic."""
    c = rules({"type": "number"}, {"rule": "self.a * 2.0 > 1.0 && self.a == 3.0"})
    assert c.validate({"spec": {"a": 3}}) == []
    assert c.validate({"spec": {"a": 3.0}}) == []
    lists = rules({"type": "array", "items": {"type": "number"}}, {"rule": "self.a.all(x, x / 2.0 > 1.0)"})
    assert lists.validate({"spec": {"a": [3, 4.5]}}) == []


def test_root_rule_sees_only_name_in_metadata() -> None:
    c = compile_schema(
        {
            "type": "object",
            "properties": {"spec": {"type": "object"}},
            "x-kubernetes-validations": [
                {"rule": "self.metadata.name.startsWith('w') && !has(self.metadata.labels)"},
                {"rule": "self.metadata == oldSelf.metadata"},
            ],
        }
    )
    obj = {"apiVersion": "x/v1", "kind": "W", "metadata": {"name": "w1", "labels": {"a": "b"}}, "spec": {}}
    old = {**obj, "metadata": {"name": "w1", "resourceVersion": "5"}}
    assert c.validate(obj, old) == []


def test_runtime_errors_read_like_kube() -> None:
    c = rules(
        {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
            "x-kubernetes-validations": [{"rule": "self.missing == 1"}, {"rule": "self.n / 0 == 1"}],
        }
    )
    assert c.validate({"spec": {"a": {"n": 1}}}) == [
        Cause(
            "FieldValueInvalid",
            'Invalid value: "object": no such key: missing evaluating rule: self.missing == 1',
            "spec.a",
        ),
        Cause(
            "FieldValueInvalid",
            'Invalid value: "object": division by zero evaluating rule: self.n / 0 == 1',
            "spec.a",
        ),
    ]


def test_rules_skipped_when_schema_already_failed(widgets: CompiledSchema, widget: Make) -> None:
    got = widgets.validate(widget(color="pink", minReplicas=5, maxReplicas=1))
    assert got[-1].message.endswith("correct the existing errors to complete validation")
    assert all("minReplicas must not exceed" not in c.message for c in got)


def test_optional_old_self() -> None:
    c = rules(
        {
            "type": "string",
            "x-kubernetes-validations": [
                {
                    "rule": "!oldSelf.hasValue() || oldSelf.value() == self",
                    "optionalOldSelf": True,
                    "message": "immutable once set",
                }
            ],
        }
    )
    assert c.validate({"spec": {"a": "x"}}) == []
    assert (
        c.validate({"spec": {"a": "y"}}, {"spec": {"a": "x"}})[0].message
        == 'Invalid value: "y": immutable once set'
    )


def test_ratcheting_keeps_unchanged_rule_failures() -> None:
    c = rules({"type": "integer", "x-kubernetes-validations": [{"rule": "self > 10"}]})
    old = {"spec": {"a": 1}}
    assert c.validate({"spec": {"a": 1}, "status": {}}, old) == []
    assert c.validate({"spec": {"a": 2}}, old) != []


def test_list_map_items_correlate_for_transition_rules() -> None:
    c = rules(
        {
            "type": "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["k"],
            "items": {
                "type": "object",
                "required": ["k"],
                "properties": {"k": {"type": "string"}, "v": {"type": "integer"}},
                "x-kubernetes-validations": [{"rule": "self.v >= oldSelf.v", "message": "may not shrink"}],
            },
        }
    )
    old = {"spec": {"a": [{"k": "x", "v": 2}, {"k": "y", "v": 5}]}}
    assert (
        c.validate({"spec": {"a": [{"k": "y", "v": 6}, {"k": "x", "v": 2}, {"k": "z", "v": 0}]}}, old) == []
    )
    got = c.validate({"spec": {"a": [{"k": "y", "v": 1}]}}, old)
    assert got == [Cause("FieldValueInvalid", "Invalid value: may not shrink", "spec.a[0]")]


def test_cost_guard_refuses_pathological_rules_quickly() -> None:
    c = rules(
        {
            "type": "array",
            "items": {"type": "integer"},
            "x-kubernetes-validations": [{"rule": "self.all(x, self.all(y, self.all(z, x + y + z >= 0)))"}],
        }
    )
    started = time.perf_counter()
    got = c.validate({"spec": {"a": list(range(5000))}})
    assert time.perf_counter() - started < 0.5
    assert got == [
        Cause(
            "FieldValueInvalid",
            'Invalid value: "array": \'operation cancelled: actual cost limit '
            "exceeded': no further validation rules will be run due to call cost exceeds limit for rule: "
            "self.all(x, self.all(y, self.all(z, x + y + z >= 0)))",
            "spec.a",
        )
    ]
    assert c.validate({"spec": {"a": list(range(50))}}) == []
