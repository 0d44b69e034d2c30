"""Schema validation of Widget objects: kube-openapi's checks and kube's texts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kcp.apimachinery.errors import Cause
from kcp.schema import CompiledSchema, compile_schema
from kcp.schema.fielderrors import go_float, go_json, go_value

Make = Callable[..., dict[str, Any]]
Causes = Callable[..., list[tuple[str, str, str]]]


@pytest.fixture
def causes(widgets: CompiledSchema) -> Causes:
    def run(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
        return [(c.type, c.field, c.message) for c in widgets.validate(obj, old)]

    return run


def test_valid_widget_has_no_causes(causes: Causes, widget: Make) -> None:
    assert causes(widget(name="abc", port="http", tags=["a"], ports=[{"name": "a", "port": 1}])) == []


def test_type_mismatch_reads_like_kube(causes: Causes, widget: Make) -> None:
    got = causes(widget(size="string"))
    assert got[0] == (
        "FieldValueTypeInvalid",
        "spec.size",
        'Invalid value: "string": spec.size in body must be of type integer: "string"',
    )
    assert got[-1][1] == "<nil>"
    assert got[-1][2].startswith('Invalid value: "null": some validation rules were not checked')


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"size": 0},
            (
                "FieldValueInvalid",
                "spec.size",
                "Invalid value: 0: spec.size in body should be greater than or equal to 1",
            ),
        ),
        (
            {"size": 101},
            (
                "FieldValueInvalid",
                "spec.size",
                "Invalid value: 101: spec.size in body should be less than or equal to 100",
            ),
        ),
        (
            {"color": "pink"},
            (
                "FieldValueNotSupported",
                "spec.color",
                'Unsupported value: "pink": supported values: "red", "green", "blue"',
            ),
        ),
        (
            {"name": "abcdefghijkl"},
            ("FieldValueTooLong", "spec.name", "Too long: may not be more than 10 bytes"),
        ),
        (
            {"name": "ABC"},
            (
                "FieldValueInvalid",
                "spec.name",
                "Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'",
            ),
        ),
        (
            {"port": True},
            (
                "FieldValueTypeInvalid",
                "spec.port",
                'Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
            ),
        ),
        (
            {"labels": {"a": 1}},
            (
                "FieldValueTypeInvalid",
                "spec.labels.a",
                'Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
            ),
        ),
        (
            {"createdAt": "yesterday"},
            (
                "FieldValueTypeInvalid",
                "spec.createdAt",
                'Invalid value: "yesterday": spec.createdAt in body must be of type date-time: "yesterday"',
            ),
        ),
        (
            {"minReplicas": 2**31},
            (
                "FieldValueInvalid",
                "<nil>",
                'Invalid value: "": Checked value must be of type integer with format int32 '
                "in spec.minReplicas",
            ),
        ),
        ({"ports": [{"port": 1}]}, ("FieldValueRequired", "spec.ports[0].name", "Required value")),
    ],
)
def test_value_validations(
    spec: dict[str, Any], expected: tuple[str, str, str], causes: Causes, widget: Make
) -> None:
    assert expected in causes(widget(**spec))


def test_required_and_null(causes: Causes, widget: Make) -> None:
    obj = widget()
    del obj["spec"]["size"]
    assert ("FieldValueRequired", "spec.size", "Required value") in causes(obj)
    obj = widget(size=None)
    assert causes(obj)[0] == (
        "FieldValueTypeInvalid",
        "spec.size",
        'Invalid value: "null": spec.size in body must be of type integer: "null"',
    )


def test_list_type_set_and_map_duplicates(causes: Causes, widget: Make) -> None:
    got = causes(widget(tags=["a", "b", "a", "a"], ports=[{"name": "x"}, {"name": "x", "port": 2}]))
    assert ("FieldValueDuplicate", "spec.tags[2]", 'Duplicate value: "a"') in got
    assert ("FieldValueDuplicate", "spec.ports[1]", 'Duplicate value: {"name":"x"}') in got
    assert len([c for c in got if c[0] == "FieldValueDuplicate"]) == 2


def test_float_integer_and_format_rules(causes: Causes, widget: Make) -> None:
    assert causes(widget(size=2.0)) == []
    got = causes(widget(minReplicas=1.5))
    assert (
        "FieldValueTypeInvalid",
        "spec.minReplicas",
        'Invalid value: "float64": spec.minReplicas in body must be of type int32: "float64"',
    ) in got


def test_preserve_unknown_fields_subtree_is_not_checked(causes: Causes, widget: Make) -> None:
    assert causes(widget(extra={"anything": [1, {"deep": True}]})) == []


def test_min_max_items_properties_and_unique() -> None:
    schema = {
        "type": "object",
        "properties": {
            "l": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2},
            "m": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "minProperties": 1,
                "maxProperties": 1,
            },
        },
    }
    c = compile_schema(schema)
    got = [(x.type, x.field, x.message) for x in c.validate({"l": [], "m": {}})]
    assert ("FieldValueInvalid", "l", "Invalid value: 0: l in body should have at least 1 items") in got
    assert ("FieldValueInvalid", "m", "Invalid value: 0: m in body should have at least 1 properties") in got
    got = [(x.type, x.field, x.message) for x in c.validate({"l": [1, 2, 3], "m": {"a": "x", "b": "y"}})]
    assert ("FieldValueTooMany", "l", "Too many: 3: must have at most 2 items") in got
    assert ("FieldValueTooMany", "m", "Too many: 2: must have at most 1 item") in got


def test_any_of_one_of_not() -> None:
    c = compile_schema(
        {
            "type": "object",
            "properties": {
                "v": {
                    "type": "string",
                    "anyOf": [{"maxLength": 1}, {"pattern": "^x"}],
                    "not": {"enum": ["z"]},
                }
            },
        }
    )
    assert c.validate({"v": "xyz"}) == [] and c.validate({"v": "a"}) == []
    got = c.validate({"v": "abc"})
    assert (
        Cause(
            "FieldValueInvalid", 'Invalid value: "": "v" must validate at least one schema (anyOf)', "<nil>"
        )
        in got
    )
    assert Cause("FieldValueTooLong", "Too long: may not be more than 1 byte", "v") in got
    assert c.validate({"v": "z"}) == [
        Cause("FieldValueInvalid", 'Invalid value: "": "v" must not validate the schema (not)', "<nil>")
    ]
    one = compile_schema(
        {
            "type": "object",
            "properties": {"v": {"type": "integer", "oneOf": [{"minimum": 1}, {"minimum": 2}]}},
        }
    )
    assert one.validate({"v": 1}) == []
    assert one.validate({"v": 5})[0].message.endswith(
        "must validate one and only one schema (oneOf). Found 2 valid alternatives"
    )


def test_ratcheting_keeps_unchanged_invalid_fields(causes: Causes, widget: Make) -> None:
    old = widget(name="TooLongAndUpperCase")
    assert causes(widget(name="TooLongAndUpperCase", size=4), old) == []
    assert causes(widget(name="StillBad", size=4), old) != []


def test_embedded_resource_requires_type_meta() -> None:
    c = compile_schema(
        {
            "type": "object",
            "properties": {
                "template": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "x-kubernetes-preserve-unknown-fields": True,
                }
            },
        }
    )
    got = c.validate({"template": {"metadata": {"name": "a/b"}}})
    assert Cause("FieldValueRequired", "Required value", "template.apiVersion") in got
    assert Cause("FieldValueRequired", "Required value", "template.kind") in got
    assert (
        Cause("FieldValueInvalid", "Invalid value: \"a/b\": may not contain '/'", "template.metadata.name")
        in got
    )
    assert c.validate({"template": {"apiVersion": "v1", "kind": "ConfigMap"}}) == []


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (1e6, "1e+06"),
        (123456.0, "123456"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-2.5e-7, "-2.5e-07"),
    ],
)
def test_go_float(value: float, text: str) -> None:
    assert go_float(value) == text


def test_go_json_and_values() -> None:
    assert go_json({"b": 1.0, "a": ["<x>", None, True]}) == '{"a":["\\u003cx\\u003e",null,true],"b":1}'
    assert go_value('a"b') == '"a\\"b"' and go_value(3) == "3" and go_value(None) == '"null"'
