"""Table conversion (`meta.k8s.io/v1 Table`): what `kubectl get` prints, as kube-apiserver builds it.

Built-in kinds get kube's printers (`printers`); custom resources their CRD's
additionalPrinterColumns (apiextensions `tableconvertor`), AGE when none, read with `jsonpath`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from kcp.apimachinery.errors import BadRequest
from kcp.apimachinery.labels import go_quote
from kcp.registry.jsonpath import JSONPathError, compile_jsonpath, find_jsonpath, go_text
from kcp.registry.printers import BUILTIN, DOC, NAME, Obj, Printer, age_of, col, name_of, parse_time

# --- custom resources: the CRD's additionalPrinterColumns -----------------------------------------


def _typed_cell(type_: str, value: Any, now: datetime) -> Any:
    """cellForJSONValue: a value of the wrong JSON type is an empty cell."""
    if type_ == "integer" and isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if type_ == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        # Go writes an integral float64 without a fraction, so kubectl reads it back as an integer
        # and prints 100000000, not the 1e+08 of a float
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**63 else number
    if type_ == "boolean" and isinstance(value, bool):
        return value
    if type_ == "date" and isinstance(value, str):
        try:
            return age_of(parse_time("" if value == "null" else value), now)
        except ValueError:
            return "<invalid>"
    return None


_DEFAULT_PRINTER_COLUMNS = [
    {"name": "Age", "type": "date", "description": DOC["created"], "jsonPath": ".metadata.creationTimestamp"}
]


def _custom_table(printer_columns: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], Printer]:
    """NAME plus the CRD's columns; like kube, an unparsable jsonPath drops it and those after."""
    definitions, paths = [NAME], []
    for column in printer_columns or _DEFAULT_PRINTER_COLUMNS:
        path_text = column.get("jsonPath", "")
        try:
            paths.append((column.get("type", ""), compile_jsonpath(path_text)))
        except JSONPathError:
            break
        doc = (
            column.get("description")
            or f"Custom resource definition column (in JSONPath format): {path_text}"
        )
        fmt, priority = column.get("format", ""), int(column.get("priority", 0))
        definitions.append(
            col(column.get("name", ""), column.get("type", ""), doc, fmt=fmt, priority=priority)
        )

    def row(obj: Obj, now: datetime) -> list[Any]:
        cells: list[Any] = [name_of(obj)]
        for type_, steps in paths:
            try:
                found = find_jsonpath(steps, obj)
            except JSONPathError:
                found = []
            if not found:
                cells.append(None)
            else:
                cells.append(go_text(found[0]) if type_ == "string" else _typed_cell(type_, found[0], now))
        return cells

    return definitions, row


# --- the Table ------------------------------------------------------------------------------------


META_V1 = "meta.k8s.io/v1"


def partial_metadata(obj: Obj) -> dict[str, Any]:
    """An object's metadata alone, as kube answers `as=PartialObjectMetadata` and embeds in rows."""
    return {"apiVersion": META_V1, "kind": "PartialObjectMetadata", "metadata": obj.get("metadata", {})}


_EMBED: dict[str, Callable[[Obj], Any]] = {
    "None": lambda obj: None,
    "Metadata": partial_metadata,
    "": partial_metadata,
    "Object": lambda obj: obj,
}


def to_table(
    kind_key: tuple[str, str],
    objects: Sequence[Obj],
    *,
    list_meta: Mapping[str, Any],
    include_object: str = "Metadata",
    now: datetime,
    printer_columns: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The Table for `objects` of (group, kind); `printer_columns` marks a custom resource.

    `list_meta` gives resourceVersion, continue and remainingItemCount (for a single object,
    its resourceVersion). `include_object` is the request's includeObject: None, Metadata
    (PartialObjectMetadata, kube's default) or Object.
    """
    embed = _EMBED.get(include_object)
    if embed is None:
        raise BadRequest(f"unrecognized includeObject value: {go_quote(include_object)}")
    if printer_columns is None and kind_key in BUILTIN:
        columns, printer = BUILTIN[kind_key]
    else:
        columns, printer = _custom_table(printer_columns or [])
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    metadata = {k: list_meta[k] for k in ("resourceVersion", "continue") if list_meta.get(k)}
    if list_meta.get("remainingItemCount") is not None:
        metadata["remainingItemCount"] = list_meta["remainingItemCount"]
    return {
        "apiVersion": "meta.k8s.io/v1",
        "kind": "Table",
        "metadata": metadata,
        "columnDefinitions": [dict(c) for c in columns],
        "rows": [{"cells": printer(obj, now), "object": embed(obj)} for obj in objects],
    }
