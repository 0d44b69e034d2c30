"""CRD selectableFields validation: kube's paths, types, limits and texts."""

from __future__ import annotations

from typing import Any

from kcp.schema.selectablefields import selectable_field_causes

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "metadata": {"type": "object", "properties": {"name": {"type": "string"}}},
        "spec": {
            "type": "object",
            "properties": {
                "color": {"type": "string", "enum": ["red", "blue"]},
                "size": {"type": "integer"},
                "on": {"type": "boolean"},
                "ratio": {"type": "number"},
                "nested": {"type": "object", "properties": {"when": {"type": "string", "format": "date"}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}
AT = "spec.versions[0].selectableFields"


def causes(*paths: Any) -> list[tuple[str, str, str]]:
    fields = [{"jsonPath": p} if p is not None else {} for p in paths]
    return [(c.type, c.field, c.message) for c in selectable_field_causes(fields, SCHEMA, AT)]


def test_strings_integers_and_booleans_anywhere_outside_metadata_are_fine() -> None:
    assert causes(".spec.color", ".spec.size", ".spec.on", ".spec.nested.when", ".spec.labels.team") == []
    assert selectable_field_causes(None, None, AT) == [] and selectable_field_causes([], SCHEMA, AT) == []


def test_each_bad_path_says_why_in_kubes_words() -> None:
    must = (
        "must point to a field of type string, boolean or integer. "
        "Enum string fields and strings with formats are allowed."
    )
    assert causes(None, ".spec.ratio", ".spec", ".spec.tags", ".metadata.name", ".spec.nope") == [
        ("FieldValueRequired", f"{AT}[0].jsonPath", "Required value"),
        ("FieldValueInvalid", f"{AT}[1].jsonPath", f'Invalid value: ".spec.ratio": {must}'),
        ("FieldValueInvalid", f"{AT}[2].jsonPath", f'Invalid value: ".spec": {must}'),
        ("FieldValueInvalid", f"{AT}[3].jsonPath", f'Invalid value: ".spec.tags": {must}'),
        (
            "FieldValueInvalid",
            f"{AT}[4].jsonPath",
            'Invalid value: ".metadata.name": must not point to fields in metadata',
        ),
        (
            "FieldValueInvalid",
            f"{AT}[5].jsonPath",
            'Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field',
        ),
    ]


def test_path_syntax_errors_are_kubes() -> None:
    def why(path: str) -> str:
        (only,) = causes(path)
        return only[2].split("is an invalid path: ", 1)[1]

    assert why("spec.color") == "expected [ or . but got: spec"
    assert why(".spec.") == "unexpected end of JSON path"
    assert why(".spec['color']") == "array notation is not allowed"
    assert why(".spec.color.x") == "does not refer to a valid field"


def test_duplicates_and_more_than_eight() -> None:
    assert causes(".spec.color", ".spec.size", ".spec.color") == [
        ("FieldValueDuplicate", f"{AT}[2].jsonPath", 'Duplicate value: ".spec.color"')
    ]
    nine = [f".spec.labels.k{i}" for i in range(9)]
    assert causes(*nine) == [("FieldValueTooMany", AT, "Too many: 9: must have at most 8 items")]
    assert causes(*nine[:8], nine[0]) == [
        ("FieldValueDuplicate", f"{AT}[8].jsonPath", f'Duplicate value: "{nine[0]}"')
    ]


def test_a_version_without_schema_may_not_select() -> None:
    (only,) = selectable_field_causes([{"jsonPath": ".spec.color"}], None, AT)
    assert only.field == AT and only.message == (
        'Invalid value: "": selectableFields may only be set when version.schema.openAPIV3Schema '
        "is not included"
    )
