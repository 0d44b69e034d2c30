"""apiextensions.k8s.io/v1 message tables: CustomResourceDefinition and its recursive JSONSchemaProps."""

from __future__ import annotations

from typing import Any

from kcp.apimachinery.protobuf_types import (
    RAW_JSON,
    TIME,
    Message,
    Mode,
    binary,
    boolean,
    double,
    int32,
    int64,
    mapping,
    message,
    messages,
    string,
    strings,
)
from kcp.apimachinery.prototables.meta import OBJECT_META

JSON_SCHEMA_PROPS = Message("JSONSchemaProps")  # defined below, once the wrappers that recurse exist


def _or_array(value: dict[str, Any]) -> Any:
    """A schema, or a list of them when the list is not empty."""
    return value.get("jSONSchemas") or value.get("schema")


def _or_bool(value: dict[str, Any]) -> Any:
    return value["schema"] if "schema" in value else value["allows"]


def _or_string_array(value: dict[str, Any]) -> Any:
    return value.get("property") or value.get("schema")


SCHEMA_OR_ARRAY = Message(
    "JSONSchemaPropsOrArray",
    [message(1, "schema", JSON_SCHEMA_PROPS, Mode.PTR), messages(2, "jSONSchemas", JSON_SCHEMA_PROPS)],
    form=_or_array,
)
SCHEMA_OR_BOOL = Message(
    "JSONSchemaPropsOrBool",
    [boolean(1, "allows", Mode.KEEP), message(2, "schema", JSON_SCHEMA_PROPS, Mode.PTR)],
    form=_or_bool,
)
SCHEMA_OR_STRING_ARRAY = Message(
    "JSONSchemaPropsOrStringArray",
    [message(1, "schema", JSON_SCHEMA_PROPS, Mode.PTR), strings(2, "property")],
    form=_or_string_array,
)
VALIDATION_RULE = Message(
    "ValidationRule",
    [
        string(1, "rule", Mode.KEEP),
        string(2, "message"),
        string(3, "messageExpression"),
        string(4, "reason", Mode.PTR),
        string(5, "fieldPath"),
        boolean(6, "optionalOldSelf", Mode.PTR),
    ],
)
EXTERNAL_DOCUMENTATION = Message("ExternalDocumentation", [string(1, "description"), string(2, "url")])

JSON_SCHEMA_PROPS.define(
    [
        string(1, "id"),
        string(2, "$schema"),
        string(3, "$ref", Mode.PTR),
        string(4, "description"),
        string(5, "type"),
        string(6, "format"),
        string(7, "title"),
        message(8, "default", RAW_JSON, Mode.PTR),
        double(9, "maximum", Mode.PTR),
        boolean(10, "exclusiveMaximum"),
        double(11, "minimum", Mode.PTR),
        boolean(12, "exclusiveMinimum"),
        int64(13, "maxLength", Mode.PTR),
        int64(14, "minLength", Mode.PTR),
        string(15, "pattern"),
        int64(16, "maxItems", Mode.PTR),
        int64(17, "minItems", Mode.PTR),
        boolean(18, "uniqueItems"),
        double(19, "multipleOf", Mode.PTR),
        messages(20, "enum", RAW_JSON),
        int64(21, "maxProperties", Mode.PTR),
        int64(22, "minProperties", Mode.PTR),
        strings(23, "required"),
        message(24, "items", SCHEMA_OR_ARRAY, Mode.PTR),
        messages(25, "allOf", JSON_SCHEMA_PROPS),
        messages(26, "oneOf", JSON_SCHEMA_PROPS),
        messages(27, "anyOf", JSON_SCHEMA_PROPS),
        message(28, "not", JSON_SCHEMA_PROPS, Mode.PTR),
        mapping(29, "properties", JSON_SCHEMA_PROPS),
        message(30, "additionalProperties", SCHEMA_OR_BOOL, Mode.PTR),
        mapping(31, "patternProperties", JSON_SCHEMA_PROPS),
        mapping(32, "dependencies", SCHEMA_OR_STRING_ARRAY),
        message(33, "additionalItems", SCHEMA_OR_BOOL, Mode.PTR),
        mapping(34, "definitions", JSON_SCHEMA_PROPS),
        message(35, "externalDocs", EXTERNAL_DOCUMENTATION, Mode.PTR),
        message(36, "example", RAW_JSON, Mode.PTR),
        boolean(37, "nullable"),
        boolean(38, "x-kubernetes-preserve-unknown-fields", Mode.PTR),
        boolean(39, "x-kubernetes-embedded-resource"),
        boolean(40, "x-kubernetes-int-or-string"),
        strings(41, "x-kubernetes-list-map-keys"),
        string(42, "x-kubernetes-list-type", Mode.PTR),
        string(43, "x-kubernetes-map-type", Mode.PTR),
        messages(44, "x-kubernetes-validations", VALIDATION_RULE),
    ]
)

SERVICE_REFERENCE = Message(
    "ServiceReference",
    [
        string(1, "namespace", Mode.KEEP),
        string(2, "name", Mode.KEEP),
        string(3, "path", Mode.PTR),
        int32(4, "port", Mode.PTR),
    ],
)
WEBHOOK_CLIENT_CONFIG = Message(
    "WebhookClientConfig",
    [
        string(3, "url", Mode.PTR),
        message(1, "service", SERVICE_REFERENCE, Mode.PTR),
        binary(2, "caBundle"),
    ],
)
CUSTOM_RESOURCE_CONVERSION = Message(
    "CustomResourceConversion",
    [
        string(1, "strategy", Mode.KEEP),
        message(
            2,
            "webhook",
            Message(
                "WebhookConversion",
                [
                    message(2, "clientConfig", WEBHOOK_CLIENT_CONFIG, Mode.PTR),
                    strings(3, "conversionReviewVersions", Mode.KEEP),
                ],
            ),
            Mode.PTR,
        ),
    ],
)
NAMES = Message(
    "CustomResourceDefinitionNames",
    [
        string(1, "plural", Mode.KEEP),
        string(2, "singular"),
        strings(3, "shortNames"),
        string(4, "kind", Mode.KEEP),
        string(5, "listKind"),
        strings(6, "categories"),
    ],
)
COLUMN_DEFINITION = Message(
    "CustomResourceColumnDefinition",
    [
        string(1, "name", Mode.KEEP),
        string(2, "type", Mode.KEEP),
        string(3, "format"),
        string(4, "description"),
        int32(5, "priority"),
        string(6, "jsonPath", Mode.KEEP),
    ],
)
SUBRESOURCES = Message(
    "CustomResourceSubresources",
    [
        message(1, "status", Message("CustomResourceSubresourceStatus"), Mode.PTR),
        message(
            2,
            "scale",
            Message(
                "CustomResourceSubresourceScale",
                [
                    string(1, "specReplicasPath", Mode.KEEP),
                    string(2, "statusReplicasPath", Mode.KEEP),
                    string(3, "labelSelectorPath", Mode.PTR),
                ],
            ),
            Mode.PTR,
        ),
    ],
)
VERSION = Message(
    "CustomResourceDefinitionVersion",
    [
        string(1, "name", Mode.KEEP),
        boolean(2, "served", Mode.KEEP),
        boolean(3, "storage", Mode.KEEP),
        boolean(7, "deprecated"),
        string(8, "deprecationWarning", Mode.PTR),
        message(
            4,
            "schema",
            Message("CustomResourceValidation", [message(1, "openAPIV3Schema", JSON_SCHEMA_PROPS, Mode.PTR)]),
            Mode.PTR,
        ),
        message(5, "subresources", SUBRESOURCES, Mode.PTR),
        messages(6, "additionalPrinterColumns", COLUMN_DEFINITION),
        messages(9, "selectableFields", Message("SelectableField", [string(1, "jsonPath", Mode.KEEP)])),
    ],
)
CONDITION = Message(
    "CustomResourceDefinitionCondition",
    [
        string(1, "type", Mode.KEEP),
        string(2, "status", Mode.KEEP),
        message(3, "lastTransitionTime", TIME),
        string(4, "reason"),
        string(5, "message"),
        int64(6, "observedGeneration"),
    ],
)
CUSTOM_RESOURCE_DEFINITION = Message(
    "CustomResourceDefinition",
    [
        message(1, "metadata", OBJECT_META),
        message(
            2,
            "spec",
            Message(
                "CustomResourceDefinitionSpec",
                [
                    string(1, "group", Mode.KEEP),
                    message(3, "names", NAMES),
                    string(4, "scope", Mode.KEEP),
                    messages(7, "versions", VERSION, Mode.KEEP),
                    message(9, "conversion", CUSTOM_RESOURCE_CONVERSION, Mode.PTR),
                    boolean(10, "preserveUnknownFields"),
                ],
            ),
        ),
        message(
            3,
            "status",
            Message(
                "CustomResourceDefinitionStatus",
                [
                    messages(1, "conditions", CONDITION, Mode.KEEP),
                    message(2, "acceptedNames", NAMES),
                    strings(3, "storedVersions", Mode.KEEP),
                    int64(4, "observedGeneration"),
                ],
            ),
        ),
    ],
)

KINDS = {("apiextensions.k8s.io/v1", "CustomResourceDefinition"): CUSTOM_RESOURCE_DEFINITION}
