"""The swagger 2.0 document as gnostic's `openapi_v2.Document` protobuf, the only form kubectl accepts.

kubectl asks /openapi/v2 for `application/com.github.proto-openapi.spec.v2@v1.0+protobuf` before every
apply, create -f, replace or edit, and fails without it. The message definitions are built here from
gnostic's public field numbers (openapiv2/OpenAPIv2.proto): only the messages a kube-style document
uses, so anything else in the input is an error rather than silently lost. Vendor extensions, defaults
and enums travel as YAML text, as gnostic carries them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

import yaml
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

PACKAGE = "openapi.v2"
# kubectl asks for `...spec.v2@v1.0+protobuf`; the answer must say `.v1.0` as kube-openapi does, for Go's
# media type parser rejects the "@" and kubectl then fails with "mime: unexpected content".
CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {"string": _F.TYPE_STRING, "bool": _F.TYPE_BOOL, "double": _F.TYPE_DOUBLE, "int64": _F.TYPE_INT64}
_VALIDATIONS = (  # shared by Schema and the parameter sub-schemas, in this order, from `first` on
    "default Any", "maximum double", "exclusive_maximum bool", "minimum double", "exclusive_minimum bool",
    "max_length int64", "min_length int64", "pattern string", "max_items int64", "min_items int64",
    "unique_items bool", "enum *Any", "multiple_of double",
)  # fmt: skip


def _numbered(first: int, *fields: str) -> tuple[str, ...]:
    return tuple(f"{f.split()[0]} {n} {f.split()[1]}" for n, f in enumerate(fields, first))


# message -> fields as "name number type"; "*" marks a repeated field. Every field of a message listed
# in _ONEOF belongs to its single oneof, as in gnostic.
_MESSAGES: dict[str, tuple[str, ...]] = {
    "Any": ("value 1 .google.protobuf.Any", "yaml 2 string"),
    "NamedAny": ("name 1 string", "value 2 Any"),
    "Info": ("title 1 string", "version 2 string", "description 3 string", "terms_of_service 4 string",
             "vendor_extension 7 *NamedAny"),
    "Document": ("swagger 1 string", "info 2 Info", "host 3 string", "base_path 4 string",
                 "schemes 5 *string", "consumes 6 *string", "produces 7 *string", "paths 8 Paths",
                 "definitions 9 Definitions",
                 "security 12 *SecurityRequirement", "security_definitions 13 SecurityDefinitions",
                 "vendor_extension 16 *NamedAny"),
    "Paths": ("vendor_extension 1 *NamedAny", "path 2 *NamedPathItem"),
    "NamedPathItem": ("name 1 string", "value 2 PathItem"),
    "PathItem": ("_ref 1 string", "get 2 Operation", "put 3 Operation", "post 4 Operation",
                 "delete 5 Operation", "options 6 Operation", "head 7 Operation", "patch 8 Operation",
                 "parameters 9 *ParametersItem", "vendor_extension 10 *NamedAny"),
    "Operation": ("tags 1 *string", "summary 2 string", "description 3 string", "operation_id 5 string",
                  "produces 6 *string", "consumes 7 *string", "parameters 8 *ParametersItem",
                  "responses 9 Responses", "schemes 10 *string", "deprecated 11 bool",
                  "security 12 *SecurityRequirement", "vendor_extension 13 *NamedAny"),
    "ParametersItem": ("parameter 1 Parameter", "json_reference 2 JsonReference"),
    "JsonReference": ("_ref 1 string", "description 2 string"),
    "Parameter": ("body_parameter 1 BodyParameter", "non_body_parameter 2 NonBodyParameter"),
    "BodyParameter": ("description 1 string", "name 2 string", "in 3 string", "required 4 bool",
                      "schema 5 Schema", "vendor_extension 6 *NamedAny"),
    "NonBodyParameter": ("query_parameter_sub_schema 3 QueryParameterSubSchema",
                         "path_parameter_sub_schema 4 PathParameterSubSchema"),
    "QueryParameterSubSchema": ("required 1 bool", "in 2 string", "description 3 string", "name 4 string",
                                "allow_empty_value 5 bool", "type 6 string", "format 7 string",
                                "collection_format 9 string", *_numbered(10, *_VALIDATIONS),
                                "vendor_extension 23 *NamedAny"),
    "PathParameterSubSchema": ("required 1 bool", "in 2 string", "description 3 string", "name 4 string",
                               "type 5 string", "format 6 string", "collection_format 8 string",
                               *_numbered(9, *_VALIDATIONS), "vendor_extension 22 *NamedAny"),
    "Responses": ("response_code 1 *NamedResponseValue", "vendor_extension 2 *NamedAny"),
    "NamedResponseValue": ("name 1 string", "value 2 ResponseValue"),
    "ResponseValue": ("response 1 Response", "json_reference 2 JsonReference"),
    "Response": ("description 1 string", "schema 2 SchemaItem", "vendor_extension 5 *NamedAny"),
    "SchemaItem": ("schema 1 Schema",),
    "Schema": ("_ref 1 string", "format 2 string", "title 3 string", "description 4 string", "default 5 Any",
               "multiple_of 6 double", "maximum 7 double", "exclusive_maximum 8 bool", "minimum 9 double",
               "exclusive_minimum 10 bool", "max_length 11 int64", "min_length 12 int64", "pattern 13 string",
               "max_items 14 int64", "min_items 15 int64", "unique_items 16 bool", "max_properties 17 int64",
               "min_properties 18 int64", "required 19 *string", "enum 20 *Any",
               "additional_properties 21 AdditionalPropertiesItem", "type 22 TypeItem", "items 23 ItemsItem",
               "all_of 24 *Schema", "properties 25 Properties", "discriminator 26 string",
               "read_only 27 bool", "example 30 Any", "vendor_extension 31 *NamedAny"),
    "Properties": ("additional_properties 1 *NamedSchema",),
    "Definitions": ("additional_properties 1 *NamedSchema",),
    "NamedSchema": ("name 1 string", "value 2 Schema"),
    "AdditionalPropertiesItem": ("schema 1 Schema", "boolean 2 bool"),
    "TypeItem": ("value 1 *string",),
    "ItemsItem": ("schema 1 *Schema",),
    "SecurityDefinitions": ("additional_properties 1 *NamedSecurityDefinitionsItem",),
    "NamedSecurityDefinitionsItem": ("name 1 string", "value 2 SecurityDefinitionsItem"),
    "SecurityDefinitionsItem": ("api_key_security 2 ApiKeySecurity",),
    "ApiKeySecurity": ("type 1 string", "name 2 string", "in 3 string", "description 4 string",
                       "vendor_extension 5 *NamedAny"),
    "SecurityRequirement": ("additional_properties 1 *NamedStringArray",),
    "NamedStringArray": ("name 1 string", "value 2 StringArray"),
    "StringArray": ("value 1 *string",),
}  # fmt: skip
_ONEOF = frozenset(
    {"ParametersItem", "Parameter", "NonBodyParameter", "ResponseValue", "SchemaItem",
     "AdditionalPropertiesItem", "SecurityDefinitionsItem"}
)  # fmt: skip


def _file() -> descriptor_pb2.FileDescriptorProto:
    f = descriptor_pb2.FileDescriptorProto(
        name="openapiv2/OpenAPIv2.proto",
        package=PACKAGE,
        syntax="proto3",
        dependency=["google/protobuf/any.proto"],
    )
    for name, fields in _MESSAGES.items():
        m = f.message_type.add(name=name)
        if name in _ONEOF:
            m.oneof_decl.add(name="oneof")
        for spec in fields:
            field_name, number, kind = spec.split()
            repeated = kind.startswith("*")
            kind = kind.removeprefix("*")
            fd = m.field.add(
                name=field_name,
                number=int(number),
                label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL,
            )
            if kind in _SCALARS:
                fd.type = _SCALARS[kind]
            else:
                fd.type = _F.TYPE_MESSAGE
                fd.type_name = kind if kind.startswith(".") else f".{PACKAGE}.{kind}"
            if name in _ONEOF:
                fd.oneof_index = 0
    return f


def _pool() -> descriptor_pool.DescriptorPool:
    """A private pool: the names cannot clash with another copy of gnostic's messages in the process."""
    pool = descriptor_pool.DescriptorPool()
    any_file = descriptor_pb2.FileDescriptorProto()
    any_pb2.DESCRIPTOR.CopyToProto(any_file)
    pool.Add(any_file)
    pool.Add(_file())
    return pool


_POOL = _pool()


DOCUMENT: type[Message] = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{PACKAGE}.Document"))


def encode_v2_protobuf(doc: dict[str, Any]) -> bytes:
    """The protobuf encoding of a swagger 2.0 document (as `build_v2` returns it)."""
    message = DOCUMENT()
    _fill(message, doc)
    return message.SerializeToString(deterministic=True)


def to_yaml(value: Any) -> str:
    """YAML as gnostic's Any carries it; Go's YAML 1.1 decoder reads what PyYAML writes."""
    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=False, allow_unicode=True, width=1 << 30)
    return text.removesuffix("...\n")


def _field_name(key: str) -> str:
    return "_ref" if key == "$ref" else re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _sub(message: Message, name: str) -> Message:
    """A singular sub-message, marked present even if nothing is set in it (an empty `properties`)."""
    sub = cast(Message, getattr(message, name))
    sub.SetInParent()
    return sub


def _fill(message: Any, value: Any) -> None:
    special = _SPECIAL.get(message.DESCRIPTOR.name)
    if special is not None:
        special(message, value)
        return
    fields = message.DESCRIPTOR.fields_by_name
    for key, item in value.items():
        if key.startswith("x-"):
            _named_any(message.vendor_extension.add(), key, item)
            continue
        fd = fields.get(_field_name(key))
        if fd is None:
            raise ValueError(f"{message.DESCRIPTOR.name} has no field for {key!r}")
        if fd.type != FieldDescriptor.TYPE_MESSAGE:
            if fd.is_repeated:
                getattr(message, fd.name).extend(item)
            else:
                setattr(message, fd.name, item)
        elif fd.is_repeated:
            for element in item:
                _fill(getattr(message, fd.name).add(), element)
        else:
            _fill(_sub(message, fd.name), item)


def _named_any(message: Any, name: str, value: Any) -> None:
    message.name = name
    message.value.yaml = to_yaml(value)


def _named(field: str, fill: Callable[[Any, Any], None]) -> Callable[[Any, dict[str, Any]], None]:
    """For maps: each entry becomes a (name, value) message of the repeated `field`."""

    def encode(message: Any, value: dict[str, Any]) -> None:
        for name, item in value.items():
            if name.startswith("x-") and field != "additional_properties":
                _named_any(message.vendor_extension.add(), name, item)
                continue
            entry = getattr(message, field).add(name=name)
            fill(_sub(entry, "value"), item)

    return encode


def _parameter(message: Any, value: dict[str, Any]) -> None:
    if "$ref" in value:
        _fill(_sub(message, "json_reference"), value)
    elif value.get("in") == "body":
        _fill(_sub(_sub(message, "parameter"), "body_parameter"), value)
    else:
        kind = {"query": "query_parameter_sub_schema", "path": "path_parameter_sub_schema"}.get(
            value.get("in", "")
        )
        if kind is None:
            raise ValueError(f"unsupported parameter location: {value.get('in')!r}")
        _fill(_sub(_sub(_sub(message, "parameter"), "non_body_parameter"), kind), value)


def _response(message: Any, value: dict[str, Any]) -> None:
    _fill(_sub(message, "json_reference" if "$ref" in value else "response"), value)


def _security_definition(message: Any, value: dict[str, Any]) -> None:
    if value.get("type") != "apiKey":
        raise ValueError(f"unsupported security definition type: {value.get('type')!r}")
    _fill(_sub(message, "api_key_security"), value)


def _security_requirement(message: Any, value: dict[str, list[str]]) -> None:
    for name, scopes in value.items():
        message.additional_properties.add(name=name).value.value.extend(scopes)


def _any(message: Any, value: Any) -> None:
    message.yaml = to_yaml(value)


def _type(message: Any, value: str | list[str]) -> None:
    message.value.extend([value] if isinstance(value, str) else value)


def _items(message: Any, value: dict[str, Any] | list[dict[str, Any]]) -> None:
    for schema in [value] if isinstance(value, dict) else value:
        _fill(message.schema.add(), schema)


def _additional_properties(message: Any, value: bool | dict[str, Any]) -> None:
    if isinstance(value, bool):
        message.boolean = value
    else:
        _fill(_sub(message, "schema"), value)


_SPECIAL: dict[str, Callable[[Any, Any], None]] = {
    "Any": _any,
    "Paths": _named("path", _fill),
    "Definitions": _named("additional_properties", _fill),
    "Properties": _named("additional_properties", _fill),
    "Responses": _named("response_code", _response),
    "SecurityDefinitions": _named("additional_properties", _security_definition),
    "ParametersItem": _parameter,
    "SchemaItem": lambda message, value: _fill(_sub(message, "schema"), value),
    "SecurityRequirement": _security_requirement,
    "TypeItem": _type,
    "ItemsItem": _items,
    "AdditionalPropertiesItem": _additional_properties,
}
