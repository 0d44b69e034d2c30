"""CRD schema checks: structurality, OpenAPI restrictions, defaults and rule compilation."""

from __future__ import annotations

from typing import Any

import pytest

from kcp.schema import crd_schema_causes

P = "spec.versions[0].schema.openAPIV3Schema"


def check(schema: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c.type, c.field, c.message) for c in crd_schema_causes(schema, P)]


def spec(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"spec": {"type": "object", "properties": props}}}


def test_widget_schema_is_fine(widget_schema: dict[str, Any]) -> None:
    assert check(widget_schema) == []


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (
            {"properties": {}},
            ("FieldValueRequired", f"{P}.type", "Required value: must not be empty at the root"),
        ),
        (
            {"type": "string"},
            ("FieldValueInvalid", f"{P}.type", 'Invalid value: "string": must be object at the root'),
        ),
        (
            spec(a={}),
            (
                "FieldValueRequired",
                f"{P}.properties[spec].properties[a].type",
                "Required value: must not be empty for specified object fields",
            ),
        ),
        (
            spec(a={"type": "array"}),
            (
                "FieldValueRequired",
                f"{P}.properties[spec].properties[a].items",
                "Required value: must be specified",
            ),
        ),
        (
            {"type": "object", "additionalProperties": {"type": "string"}},
            ("FieldValueForbidden", f"{P}.additionalProperties", "Forbidden: must not be used at the root"),
        ),
        (
            spec(a={"type": "string", "pattern": "(?<=x)"}),
            (
                "FieldValueInvalid",
                f"{P}.properties[spec].properties[a].pattern",
                'Invalid value: "(?<=x)": must be a valid regular expression, '
                "but isn't: error parsing regexp: invalid perl operator: (?<=",
            ),
        ),
        (
            {"type": "object", "anyOf": [{"properties": {"b": {"minLength": 1}}}]},
            (
                "FieldValueRequired",
                f"{P}.properties[b]",
                f"Required value: because it is defined in {P}.anyOf[0].properties[b]",
            ),
        ),
        (
            spec(a={"type": "object", "allOf": [{"type": "object"}]}),
            (
                "FieldValueForbidden",
                f"{P}.properties[spec].properties[a].allOf[0].type",
                "Forbidden: must be empty to be structural",
            ),
        ),
        (
            {
                "type": "object",
                "properties": {"metadata": {"type": "object", "properties": {"labels": {"type": "object"}}}},
            },
            (
                "FieldValueForbidden",
                f"{P}.properties[metadata]",
                "Forbidden: must not specify anything other than name "
                "and generateName, but metadata is implicitly specified",
            ),
        ),
    ],
)
def test_structural_errors(schema: dict[str, Any], expected: tuple[str, str, str]) -> None:
    assert expected in check(schema)


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        (
            {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            (
                "FieldValueForbidden",
                "uniqueItems",
                "Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
            ),
        ),
        (
            {
                "type": "object",
                "properties": {"b": {"type": "string"}},
                "additionalProperties": {"type": "string"},
            },
            (
                "FieldValueForbidden",
                "additionalProperties",
                "Forbidden: additionalProperties and properties are mutual exclusive",
            ),
        ),
        (
            {"type": "null"},
            (
                "FieldValueNotSupported",
                "type",
                'Unsupported value: "null": supported values: '
                '"array", "boolean", "integer", "number", "object", "string"',
            ),
        ),
        (
            {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "map"},
            (
                "FieldValueRequired",
                "x-kubernetes-list-map-keys",
                "Required value: must not be empty if x-kubernetes-list-type is map",
            ),
        ),
        (
            {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["k"],
                "items": {"type": "object", "properties": {"k": {"type": "string"}}},
            },
            (
                "FieldValueRequired",
                "items.properties[k].default",
                "Required value: this property is in "
                "x-kubernetes-list-map-keys, so it must have a default or be a required property",
            ),
        ),
        (
            {"type": "string", "x-kubernetes-list-type": "set"},
            (
                "FieldValueInvalid",
                "type",
                'Invalid value: "string": must be array if x-kubernetes-list-type is specified',
            ),
        ),
        (
            {"type": "string", "x-kubernetes-preserve-unknown-fields": False},
            (
                "FieldValueInvalid",
                "x-kubernetes-preserve-unknown-fields",
                "Invalid value: false: must be true or undefined",
            ),
        ),
    ],
)
def test_openapi_restrictions(prop: dict[str, Any], expected: tuple[str, str, str]) -> None:
    kind, field, message = expected
    assert (kind, f"{P}.properties[spec].properties[a].{field}", message) in check(spec(a=prop))


def test_defaults_must_be_valid_and_pruned() -> None:
    got = check(
        spec(
            a={"type": "integer", "default": "x"},
            b={"type": "object", "properties": {"c": {"type": "string"}}, "default": {"d": 1}},
        )
    )
    a, b = f"{P}.properties[spec].properties[a].default", f"{P}.properties[spec].properties[b].default"
    assert (
        "FieldValueTypeInvalid",
        a,
        'Invalid value: "string":  in body must be of type integer: "string"',
    ) in got
    assert ("FieldValueInvalid", b, 'Invalid value: {"d":1}: must not have unknown fields') in got
    assert (
        "FieldValueForbidden",
        f"{P}.properties[metadata].default",
        "Forbidden: must not be set in top-level metadata",
    ) in check({"type": "object", "properties": {"metadata": {"type": "object", "default": {}}}})


def test_rule_compile_errors_are_crd_errors() -> None:
    got = check(
        spec(
            a={
                "type": "string",
                "x-kubernetes-validations": [
                    {"rule": "self +"},
                    {"rule": "foo == 1"},
                    {"rule": "self.size() > 1", "reason": "Bogus"},
                    {"rule": "self == oldSelf", "fieldPath": ".nope"},
                ],
            }
        )
    )
    rules = f"{P}.properties[spec].properties[a].x-kubernetes-validations"
    fields = [f for _, f, _ in got]
    assert fields == [f"{rules}[2].reason", f"{rules}[3].fieldPath"]  # schema errors stop compilation
    got = check(
        spec(a={"type": "string", "x-kubernetes-validations": [{"rule": "self +"}, {"rule": "foo == 1"}]})
    )
    assert got[0][1] == f"{rules}[0].rule"
    assert got[0][2].startswith(
        'Invalid value: {"rule":"self +"}: compilation failed: ERROR: <input>:1:7: Syntax error'
    )
    assert got[1] == (
        "FieldValueInvalid",
        f"{rules}[1].rule",
        'Invalid value: {"rule":"foo == 1"}: compilation failed: '
        "ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')\n | foo == 1\n | ^",
    )
    membership = {"type": "string", "x-kubernetes-validations": [{"rule": "self in ['x', 'y']"}]}
    assert check(spec(a=membership)) == []  # `in` is an operator, not a reference


def test_old_self_needs_correlatable_position() -> None:
    got = check(
        spec(
            a={
                "type": "array",
                "items": {"type": "string", "x-kubernetes-validations": [{"rule": "self == oldSelf"}]},
            }
        )
    )
    assert got == [
        (
            "FieldValueInvalid",
            f"{P}.properties[spec].properties[a].items.x-kubernetes-validations[0].rule",
            'Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the '
            f"schema within {P}.properties[spec].properties[a]",
        )
    ]
