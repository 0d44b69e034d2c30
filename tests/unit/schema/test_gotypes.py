"""Wrong JSON types in built-in kinds get encoding/json's message, naming the Go struct, field and type."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcp.schema.builtin import definition_name, schema_for
from kcp.schema.gotypes import GoType, go_type, type_error


def kind(group: str, k: str) -> GoType:
    schema = schema_for(group, "v1", k)
    assert schema is not None
    return go_type(schema, definition_name(group, "v1", k))


LEASE = kind("coordination.k8s.io", "Lease")
BINDING = kind("rbac.authorization.k8s.io", "RoleBinding")
SECRET = kind("", "Secret")


@pytest.mark.parametrize(
    ("t", "obj", "message"),
    [
        (
            LEASE,
            {"spec": {"leaseDurationSeconds": "abc"}},
            "json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds"
            " of type int32",
        ),
        (
            LEASE,
            {"spec": {"leaseDurationSeconds": 1.5}},
            "json: cannot unmarshal number 1.5 into Go struct field LeaseSpec.spec.leaseDurationSeconds"
            " of type int32",
        ),
        (
            LEASE,
            {"spec": {"leaseDurationSeconds": 2**31}},
            "json: cannot unmarshal number 2147483648 into Go struct field "
            "LeaseSpec.spec.leaseDurationSeconds of type int32",
        ),
        (
            LEASE,
            {"spec": []},
            "json: cannot unmarshal array into Go struct field Lease.spec of type v1.LeaseSpec",
        ),
        (
            BINDING,
            {"subjects": "bob"},
            "json: cannot unmarshal string into Go struct field RoleBinding.subjects of type []v1.Subject",
        ),
        (
            BINDING,
            {"subjects": [{"kind": "User"}, {"kind": 5}]},
            "json: cannot unmarshal number into Go struct field Subject.subjects.kind of type string",
        ),
        (
            SECRET,
            {"metadata": {"labels": {"a": True}}},
            "json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string",
        ),
        (
            SECRET,
            {"data": {"a": 1}},
            "json: cannot unmarshal number into Go struct field Secret.data of type []uint8",
        ),
    ],
)
def test_first_type_error_is_reported_as_go_does(t: GoType, obj: dict[str, Any], message: str) -> None:
    assert type_error(t, obj) == message


NAMESPACE = kind("", "Namespace")


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            {"spec": {"finalizers": "kubernetes"}},
            "json: cannot unmarshal string into Go struct field NamespaceSpec.spec.finalizers"
            " of type []v1.FinalizerName",
        ),
        (
            {"metadata": {"ownerReferences": [{"uid": 5}]}},
            "json: cannot unmarshal number into Go struct field OwnerReference.metadata.ownerReferences.uid"
            " of type types.UID",
        ),
    ],
)
def test_named_types_are_printed_by_their_go_names(obj: dict[str, Any], message: str) -> None:
    assert type_error(NAMESPACE, obj) == message


def test_document_order_decides_which_error_is_reported() -> None:
    obj = {"spec": {"holderIdentity": 1, "leaseDurationSeconds": "x"}}
    assert "holderIdentity" in str(type_error(LEASE, obj))


def test_nulls_unknown_fields_and_free_form_values_pass() -> None:
    assert type_error(LEASE, {"spec": {"leaseDurationSeconds": None}, "bogus": [1, {"x": 2}]}) is None
    managed = {"metadata": {"managedFields": [{"fieldsV1": {"f:data": {}}, "manager": "m"}]}}
    assert type_error(SECRET, managed) is None


@given(st.integers(min_value=-(2**31), max_value=2**31 - 1))
def test_every_int32_fits(n: int) -> None:
    assert type_error(LEASE, {"spec": {"leaseDurationSeconds": n, "leaseTransitions": n}}) is None


@pytest.mark.parametrize(
    ("value", "offset"),
    [("YQ=", 3), ("YQ", 0), ("a b", 1), ("bad!", 3), ("YQ==x", 4), ("Y===", 1), ("notbase64", 8)],
)
def test_byte_fields_report_base64_errors_as_go_does(value: str, offset: int) -> None:
    cm = kind("", "ConfigMap")
    assert type_error(cm, {"binaryData": {"k": value}}) == f"illegal base64 data at input byte {offset}"
    assert type_error(cm, {"binaryData": {"k": "YWJj\nYWJj", "l": ""}}) is None


CRD = kind("apiextensions.k8s.io", "CustomResourceDefinition")
SCHEMA_AT = "Go struct field JSONSchemaProps.spec.versions.schema.openAPIV3Schema"


def crd_with(schema: Any) -> dict[str, Any]:
    return {"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": schema}}]}}


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {"properties": []},
            f"json: cannot unmarshal array into {SCHEMA_AT}.properties of type map[string]v1.JSONSchemaProps",
        ),
        (
            {"properties": {"a": {"type": 5}}},
            f"json: cannot unmarshal number into {SCHEMA_AT}.properties.type of type string",
        ),
        (
            {"items": {"minItems": "1"}},
            f"json: cannot unmarshal string into {SCHEMA_AT}.items.minItems of type int64",
        ),
        ({"additionalProperties": "yes"}, "boolean or JSON schema expected"),
        (
            {"x-kubernetes-validations": [{"rule": ["x"]}]},
            "json: cannot unmarshal array into Go struct field ValidationRule.spec.versions.schema."
            "openAPIV3Schema.x-kubernetes-validations.rule of type string",
        ),
    ],
)
def test_a_crd_schema_is_decoded_as_go_decodes_json_schema_props(schema: Any, message: str) -> None:
    """Found by the HTTP fuzzer: a list where `properties` goes reached CRD validation (a 500)."""
    assert type_error(CRD, crd_with(schema)) == message


def test_json_schema_props_unions_take_what_their_unmarshalers_take() -> None:
    for schema in (
        {"items": [{"type": "string"}], "additionalProperties": False, "dependencies": {"a": ["b"]}},
        {"items": "ignored", "dependencies": {"a": 5}, "additionalItems": True, "default": [1]},
        {"type": "object", "properties": {"a": {"type": "string", "enum": ["x", 1, None]}}},
    ):
        assert type_error(CRD, crd_with(schema)) is None
