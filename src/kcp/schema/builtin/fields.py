"""Small constructors for inline OpenAPI v3 schemas, so kind modules read like the Go types they mirror.

Every helper returns a fresh dict; kind schemas are plain JSON data the validator, pruner and patcher
read, and the OpenAPI publishers turn into documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Schema = dict[str, Any]

ATOMIC: Schema = {"x-kubernetes-list-type": "atomic"}
ATOMIC_STRUCT: Schema = {"x-kubernetes-map-type": "atomic"}


def string(description: str, *, fmt: str = "", enum: tuple[str, ...] = ()) -> Schema:
    out: Schema = {"description": description, "type": "string"}
    if fmt:
        out["format"] = fmt
    if enum:
        out["enum"] = list(enum)
    return out


def boolean(description: str) -> Schema:
    return {"description": description, "type": "boolean"}


def int32(description: str) -> Schema:
    return {"description": description, "type": "integer", "format": "int32"}


def int64(description: str) -> Schema:
    return {"description": description, "type": "integer", "format": "int64"}


def timestamp(description: str) -> Schema:
    """meta/v1 Time and MicroTime: RFC 3339 strings on the wire."""
    return string(description, fmt="date-time")


def string_map(description: str, *, fmt: str = "") -> Schema:
    value: Schema = {"type": "string"}
    if fmt:
        value["format"] = fmt
    return {"description": description, "type": "object", "additionalProperties": value}


def array(description: str, items: Schema) -> Schema:
    return {"description": description, "type": "array", "items": items}


def strings(description: str) -> Schema:
    """An atomic list of strings, the commonest list in kube's types (`+listType=atomic`)."""
    return array(description, {"type": "string"}) | ATOMIC


def map_list(*keys: str, merge: bool) -> Schema:
    """A list keyed by `keys`; `merge` adds the strategic-merge-patch directives kubectl reads."""
    out: Schema = {"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": list(keys)}
    if merge:
        out["x-kubernetes-patch-merge-key"] = keys[0]
        out["x-kubernetes-patch-strategy"] = "merge"
    return out


def obj(description: str, properties: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    out: Schema = {"description": description, "type": "object", "properties": properties}
    if required:
        out["required"] = list(required)
    return out


def preserved(description: str) -> Schema:
    """An object whose content is free-form and must survive pruning."""
    return {"description": description, "type": "object", "x-kubernetes-preserve-unknown-fields": True}


@dataclass(frozen=True)
class Definition:
    """A named nested type: inline inside kind schemas, a `$ref` in the published OpenAPI documents.

    The publishers recognise an inline copy by comparing everything but its description with `body`,
    so a field may carry its own description and still be published as a reference.
    """

    name: str
    schema: Schema
    body: Schema = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "body", {k: v for k, v in self.schema.items() if k != "description"})

    def field(self, description: str) -> Schema:
        """The inline schema of a field of this type."""
        return {**self.schema, "description": description}

    def item(self) -> Schema:
        """The inline schema of a list item or map value of this type."""
        return dict(self.schema)
