"""A CRD version's `selectableFields`: which JSON paths a field selector may name, checked as kube does.

kube resolves each `jsonPath` against the version's structural schema with the field-path walk CEL's
`fieldPath` uses (apiextensions `cel.ValidFieldPath`, array notation refused), then requires a string,
integer or boolean outside `metadata`, no two paths alike and at most eight (apiextensions
`ValidateCustomResourceSelectableFields`); the messages below are kube's, which `kubectl apply` prints.
"""

from __future__ import annotations

from typing import Any

from kcp.apimachinery.errors import Cause
from kcp.schema.fielderrors import duplicate, invalid, required, too_many
from kcp.schema.structural import Node, parse

MAX_SELECTABLE_FIELDS = 8
_SELECTABLE_TYPES = ("string", "boolean", "integer")


def selectable_field_causes(fields: Any, schema: Any, path: str) -> list[Cause]:
    """What is wrong with one version's `selectableFields` (at `path`), given its openAPIV3Schema."""
    if not fields:
        return []
    if not isinstance(schema, dict):
        detail = "selectableFields may only be set when version.schema.openAPIV3Schema is not included"
        return [invalid(path, "", detail)]  # kube's words, although it means "is included"
    root = parse(schema)
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, entry in enumerate(fields if isinstance(fields, list) else []):
        at = f"{path}[{i}].jsonPath"
        json_path = entry.get("jsonPath") if isinstance(entry, dict) else None
        if not isinstance(json_path, str) or not json_path:
            causes.append(required(at, ""))
            continue
        try:
            names, found = _resolve(json_path, root)
        except ValueError as e:
            causes.append(invalid(at, json_path, f"is an invalid path: {e}"))
            continue
        if names[0] == "metadata":
            causes.append(invalid(at, json_path, "must not point to fields in metadata"))
        if found is None or found.type not in _SELECTABLE_TYPES:
            detail = (
                "must point to a field of type string, boolean or integer. "
                "Enum string fields and strings with formats are allowed."
            )
            causes.append(invalid(at, json_path, detail))
        key = ".".join(names)
        if key in seen:
            causes.append(duplicate(at, json_path))
        seen.add(key)
    if len(seen) > MAX_SELECTABLE_FIELDS:
        causes.append(too_many(path, len(seen), MAX_SELECTABLE_FIELDS))
    return causes


def _tokens(json_path: str) -> list[str]:
    """kube's scanner: `.`, `[` and `]` alone, a single-quoted string whole, any other run of text."""
    out: list[str] = []
    i = 0
    while i < len(json_path):
        if json_path[i] == "'":
            end = i + 1
            while end < len(json_path) and not (json_path[end] == "'" and json_path[end - 1] != "\\"):
                end += 1
            out.append(json_path[i : end + 1])
            i = end + 1
        elif json_path[i] in ".[]":
            out.append(json_path[i])
            i += 1
        else:
            end = i
            while end < len(json_path) and json_path[end] not in ".[]":
                end += 1
            out.append(json_path[i:end])
            i = end
    return out


def _resolve(json_path: str, schema: Node) -> tuple[list[str], Node | None]:
    """The path's segments (a map key as `[key]`) and the schema it reaches; ValueError as kube words it."""
    tokens, names = _tokens(json_path), []
    node: Node | None = schema
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "[":
            raise ValueError("array notation is not allowed")
        if token != ".":
            raise ValueError(f"expected [ or . but got: {token}")
        if i + 1 == len(tokens):
            raise ValueError("unexpected end of JSON path")
        name = tokens[i + 1]
        if node is not None and node.properties:
            if name not in node.properties:
                raise ValueError("does not refer to a valid field")
            names.append(name)
            node = node.properties[name]
        elif node is not None and node.additional_set:
            names.append(f"[{name}]")
            node = node.additional
        else:
            raise ValueError("does not refer to a valid field")
        i += 2
    return names, node
