"""The structural schema: a CRD's openAPIV3Schema parsed once into the tree everything else walks.

`Node` is what pruning, defaulting, validation and CEL walk. Parsing is tolerant of malformed
input, so the CRD checks (`crd_checks`) can parse first and report what is wrong with kube's texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import re2

from kcp.schema.cel_rules import Rule

# kube validates only these formats; any other is dropped before validation (apiserver `formats.go`)
_STRING_FORMATS = frozenset(
    [
        "bsonobjectid",
        "uri",
        "email",
        "hostname",
        "ipv4",
        "ipv6",
        "cidr",
        "mac",
        "uuid",
        "uuid3",
        "uuid4",
        "uuid5",
        "isbn",
        "isbn10",
        "isbn13",
        "creditcard",
        "ssn",
        "hexcolor",
        "rgbcolor",
        "byte",
        "password",
        "date",
        "duration",
        "datetime",
        "k8sshortname",
        "k8slongname",
    ]
)
_NUMBER_FORMATS = {"integer": ("int32", "int64"), "number": ("float", "double")}
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


def compile_pattern(pattern: str) -> Any:
    """Go's regexp is RE2: same syntax, and linear time, so a CRD's pattern cannot hang the server."""
    return re2.compile(pattern, _RE2_OPTIONS)


@dataclass(eq=False, slots=True)
class Node:
    """One schema node; nested value validations (allOf, anyOf, ...) are Nodes too."""

    raw: dict[str, Any]
    type: str = ""
    format: str = ""  # the format kube validates, "" when it ignores the declared one
    nullable: bool = False
    has_default: bool = False
    default: Any = None
    properties: dict[str, Node] = field(default_factory=dict)
    additional: Node | None = None
    additional_set: bool = False  # additionalProperties given (a schema, true or false)
    additional_allows: bool = True
    items: Node | None = None
    preserve_unknown: bool = False
    embedded: bool = False
    int_or_string: bool = False
    list_type: str = ""
    map_keys: tuple[str, ...] = ()
    map_type: str = ""
    enum: list[Any] | None = None
    required: tuple[str, ...] = ()
    maximum: float | None = None
    exclusive_maximum: bool = False
    minimum: float | None = None
    exclusive_minimum: bool = False
    multiple_of: float | None = None
    max_length: int | None = None
    min_length: int | None = None
    max_items: int | None = None
    min_items: int | None = None
    max_properties: int | None = None
    min_properties: int | None = None
    pattern: str = ""
    regex: Any = None
    unique_items: bool = False
    all_of: list[Node] = field(default_factory=list)
    any_of: list[Node] = field(default_factory=list)
    one_of: list[Node] = field(default_factory=list)
    not_: Node | None = None
    rules: list[Rule] = field(default_factory=list)
    cel_below: bool = False  # rules here or in a descendant: CEL skips subtrees without
    cel_plain: bool = True  # rules see this subtree as stored: no renamed fields, typed formats, embedded
    defaults_below: bool = False  # defaulting skips subtrees without
    lists_below: bool = False  # a set or map list here or below
    embedded_below: bool = False  # an embedded resource below


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _num(v: Any) -> float | None:
    return v if isinstance(v, int | float) and not isinstance(v, bool) else None


def _effective_format(typ: str, fmt: str) -> str:
    if typ in ("", "string"):
        return fmt if fmt.replace("-", "") in _STRING_FORMATS else ""
    return fmt if fmt in _NUMBER_FORMATS.get(typ, ()) else ""


def parse(raw: Any) -> Node:
    """Build the Node tree; tolerant of malformed input, which `crd_schema_causes` reports."""
    s: dict[str, Any] = raw if isinstance(raw, dict) else {}
    typ = s.get("type") if isinstance(s.get("type"), str) else ""
    n = Node(raw=s, type=typ or "")
    n.int_or_string = s.get("x-kubernetes-int-or-string") is True
    n.format = "" if n.int_or_string else _effective_format(n.type, str(s.get("format") or ""))
    n.nullable = s.get("nullable") is True
    n.has_default, n.default = s.get("default") is not None, s.get("default")
    props = s.get("properties")
    n.properties = {k: parse(v) for k, v in props.items()} if isinstance(props, dict) else {}
    add = s.get("additionalProperties")
    if isinstance(add, dict):
        n.additional, n.additional_set = parse(add), True
    elif isinstance(add, bool):
        n.additional_set, n.additional_allows = True, add
    if isinstance(s.get("items"), dict):
        n.items = parse(s["items"])
    n.preserve_unknown = s.get("x-kubernetes-preserve-unknown-fields") is True
    n.embedded = s.get("x-kubernetes-embedded-resource") is True
    n.list_type = str(s.get("x-kubernetes-list-type") or "")
    n.map_keys = tuple(k for k in s.get("x-kubernetes-list-map-keys") or () if isinstance(k, str))
    n.map_type = str(s.get("x-kubernetes-map-type") or "")
    n.enum = list(s["enum"]) if isinstance(s.get("enum"), list) else None
    n.required = tuple(k for k in s.get("required") or () if isinstance(k, str))
    n.maximum, n.minimum, n.multiple_of = (
        _num(s.get("maximum")),
        _num(s.get("minimum")),
        _num(s.get("multipleOf")),
    )
    n.exclusive_maximum = s.get("exclusiveMaximum") is True
    n.exclusive_minimum = s.get("exclusiveMinimum") is True
    n.max_length, n.min_length = _int(s.get("maxLength")), _int(s.get("minLength"))
    n.max_items, n.min_items = _int(s.get("maxItems")), _int(s.get("minItems"))
    n.max_properties, n.min_properties = _int(s.get("maxProperties")), _int(s.get("minProperties"))
    n.unique_items = s.get("uniqueItems") is True
    if isinstance(s.get("pattern"), str) and s["pattern"]:
        n.pattern = s["pattern"]
        try:
            n.regex = compile_pattern(n.pattern)
        except re2.error:
            n.regex = None
    for key, attr in (("allOf", "all_of"), ("anyOf", "any_of"), ("oneOf", "one_of")):
        if isinstance(s.get(key), list):
            setattr(n, attr, [parse(x) for x in s[key]])
    if isinstance(s.get("not"), dict):
        n.not_ = parse(s["not"])
    kids = [x for x in (*n.properties.values(), n.additional, n.items) if x is not None]
    n.defaults_below = any(x.has_default or x.defaults_below for x in kids)
    n.lists_below = n.list_type in ("set", "map") or any(x.lists_below for x in kids)
    n.embedded_below = any(x.embedded or x.embedded_below for x in kids)
    return n
