"""Field selectors (`?fieldSelector=`) and the fields each kind lets a client select on.

Parsing and the messages follow apimachinery `pkg/fields/selector.go`; which labels a kind
accepts follows kube-apiserver's field label conversions (`pkg/apis/core/v1/conversion.go`,
`pkg/apis/events/v1`), so `kubectl get --field-selector` succeeds and fails where kube's does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kcp.apimachinery.errors import BadRequest
from kcp.apimachinery.labels import go_quote

Extractor = Callable[[Mapping[str, Any]], str]

NAME, NAMESPACE = "metadata.name", "metadata.namespace"


class FieldOperator(StrEnum):
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    field: str
    operator: FieldOperator
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        """A field the object lacks reads as "" (kube's `fields.Set.Get`)."""
        equal = fields.get(self.field, "") == self.value
        return not equal if self.operator is FieldOperator.NOT_EQUALS else equal

    def __str__(self) -> str:
        op = "!=" if self.operator is FieldOperator.NOT_EQUALS else "="
        return f"{self.field}{op}{escape_value(self.value)}"


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """ANDed `field=value` / `field!=value` terms, in kube's order (terms sorted as text)."""

    requirements: tuple[FieldRequirement, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.requirements

    def matches(self, fields: Mapping[str, str]) -> bool:
        return all(r.matches(fields) for r in self.requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def parse_field_selector(text: str) -> FieldSelector:
    """Parse `?fieldSelector=`; `,` `=` and `\\` in a value must be backslash-escaped."""
    reqs: list[FieldRequirement] = []
    for term in sorted(_split_terms(text)):
        if not term:
            continue
        for i in range(len(term)):
            op = next((o for o in ("!=", "==", "=") if term.startswith(o, i)), None)
            if op is not None:
                value = _unescape_value(term[i + len(op) :])
                reqs.append(FieldRequirement(term[:i], FieldOperator(op), value))
                break
        else:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{term}'")
    return FieldSelector(tuple(reqs))


def escape_value(value: str) -> str:
    """What a client writes for a literal value (kube's `fields.EscapeValue`)."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _split_terms(text: str) -> list[str]:
    """Split on unescaped commas, keeping escapes for `_unescape_value`."""
    if not text:
        return []
    terms, start, escaped = [], 0, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _unescape_value(raw: str) -> str:
    out: list[str] = []
    escaped = False
    for ch in raw:
        if escaped:
            if ch not in "\\,=":
                raise BadRequest(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            # kube formats the rune with %v: its code point, not the character
            raise BadRequest(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if escaped:
        raise BadRequest("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


# --- which fields a kind offers ------------------------------------------------------------------


def _path(*keys: str) -> Extractor:
    def extract(obj: Mapping[str, Any]) -> str:
        node: Any = obj
        for key in keys:
            node = node.get(key) if isinstance(node, Mapping) else None
        return node if isinstance(node, str) else ""

    return extract


def json_path_extractor(json_path: str) -> Extractor:
    """A CRD selectable field (`.spec.color`), read as kube prints it (Go's fmt.Sprint of a string,
    integer or boolean); absent or null reads as "". CRD validation allows only those types there."""
    keys = json_path.removeprefix(".").split(".")

    def extract(obj: Mapping[str, Any]) -> str:
        node: Any = obj
        for key in keys:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, bool):
            return "true" if node else "false"
        return str(node) if isinstance(node, str | int) else ""

    return extract


def _first(*extractors: Extractor) -> Extractor:
    """The first non-empty value: an Event's `source` falls back to its reporting controller."""

    def extract(obj: Mapping[str, Any]) -> str:
        return next((v for v in (e(obj) for e in extractors) if v), "")

    return extract


_REF_FIELDS = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
_CORE_EVENT: dict[str, Extractor] = {f"involvedObject.{f}": _path("involvedObject", f) for f in _REF_FIELDS}
_CORE_EVENT |= {
    "reason": _path("reason"),
    "reportingComponent": _path("reportingComponent"),
    "source": _first(_path("source", "component"), _path("reportingComponent")),
    "type": _path("type"),
}
# events.k8s.io Events are selected by core's names, read from the events.k8s.io shape.
_EVENTS_EVENT: dict[str, Extractor] = {f"involvedObject.{f}": _path("regarding", f) for f in _REF_FIELDS}
_EVENTS_EVENT |= {
    "reason": _path("reason"),
    "reportingComponent": _path("reportingController"),
    "source": _first(_path("deprecatedSource", "component"), _path("reportingController")),
    "type": _path("type"),
}
_EVENTS_ALIASES = {f"regarding.{f}": f"involvedObject.{f}" for f in _REF_FIELDS} | {
    "reportingController": "reportingComponent",
}

_EXTRACTORS: dict[tuple[str, str], dict[str, Extractor]] = {
    ("", "Event"): _CORE_EVENT,
    ("events.k8s.io", "Event"): _EVENTS_EVENT,
    ("", "Namespace"): {"status.phase": _path("status", "phase")},
    ("", "Secret"): {"type": _path("type")},
    ("certificates.k8s.io", "CertificateSigningRequest"): {"spec.signerName": _path("spec", "signerName")},
}
# Labels a client may name, beyond the extractors' own (kube's conversion funcs list them).
_LABELS: dict[tuple[str, str], frozenset[str]] = {
    ("", "Event"): frozenset(_CORE_EVENT) | {NAME, NAMESPACE},
    ("events.k8s.io", "Event"): frozenset(_EVENTS_ALIASES) | {"reason", "source", "type", NAME, NAMESPACE},
    ("", "Namespace"): frozenset({"status.phase", NAME}),
    ("", "Secret"): frozenset({"type", NAME, NAMESPACE}),
    ("certificates.k8s.io", "CertificateSigningRequest"): frozenset({"spec.signerName", NAME}),
}


def selectable_fields(group: str, kind: str) -> set[str]:
    """The field labels kube-apiserver accepts for a built-in kind (others: name and namespace)."""
    return set(_LABELS.get((group, kind), {NAME, NAMESPACE}))


def field_extractors(group: str, kind: str) -> Mapping[str, Extractor]:
    """Per-kind fields beyond metadata, keyed as `convert_field_selector` leaves the labels."""
    return _EXTRACTORS.get((group, kind), {})


def object_fields(obj: Mapping[str, Any], extra: Mapping[str, Extractor] | None = None) -> dict[str, str]:
    """The field set a selector is matched against: name, namespace if set, then `extra`."""
    meta = obj.get("metadata") or {}
    fields = {NAME: meta.get("name") or ""}
    if meta.get("namespace"):
        fields[NAMESPACE] = meta["namespace"]
    for label, extract in (extra or {}).items():
        fields[label] = extract(obj)
    return fields


def convert_field_selector(selector: FieldSelector, group: str, kind: str) -> FieldSelector:
    """Check each label against the kind and rename it as `field_extractors` keys it.

    Kinds with a conversion in kube say `field label not supported: x`; the rest fall back to
    kube's default, which names the two labels every kind has.
    """
    labels = _LABELS.get((group, kind))
    reqs = []
    for req in selector.requirements:
        if labels is None:
            if req.field not in (NAME, NAMESPACE):
                only = f"{go_quote(NAME)}, {go_quote(NAMESPACE)}"
                raise BadRequest(f"{go_quote(req.field)} is not a known field selector: only {only}")
        elif req.field not in labels:
            raise BadRequest(f"field label not supported: {req.field}")
        events_v1 = (group, kind) == ("events.k8s.io", "Event")
        renamed = _EVENTS_ALIASES.get(req.field, req.field) if events_v1 else req.field
        reqs.append(FieldRequirement(renamed, req.operator, req.value))
    return FieldSelector(tuple(reqs))


def convert_custom_resource_selector(
    selector: FieldSelector, *, namespaced: bool, selectable: Iterable[str] = ()
) -> FieldSelector:
    """A custom resource offers name, namespace when namespaced, and the CRD's selectableFields.

    `selectable` holds the CRD's `selectableFields[].jsonPath` values; a client names them
    without the leading dot.
    """
    allowed = {NAME, *(p.removeprefix(".") for p in selectable)}
    if namespaced:
        allowed.add(NAMESPACE)
    for req in selector.requirements:
        if req.field not in allowed:
            raise BadRequest(f"field label not supported: {req.field}")
    return selector
