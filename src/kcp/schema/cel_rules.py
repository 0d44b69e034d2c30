"""x-kubernetes-validations entries compiled once per schema, and what CRD validation says of them.

Compile errors stay on the Rule: CRD validation reports them, serving reports them per object.
Texts follow apiextensions `schema/cel/compilation.go` and `validation.go`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cel as celrs

from kcp.apimachinery.errors import Cause
from kcp.schema.cel_analysis import analyze
from kcp.schema.fielderrors import JSONText, go_json, invalid, not_supported, required

if TYPE_CHECKING:
    from kcp.schema.structural import Node

_REASONS = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled x-kubernetes-validations entry with what the cost bound and activation need."""

    raw: dict[str, Any]
    program: Any = None
    message_program: Any = None
    error: str = ""
    message_error: str = ""
    field_path: str = ""  # normalized, appended to the node's path on failure
    uses_old_self: bool = False
    optional_old_self: bool = False
    tokens: int = 1
    depth: int = 0  # comprehension nesting
    width: int = 1  # list concatenations multiply list sizes
    self_fields: frozenset[str] | None = None  # the fields of self it reads, None for all
    old_fields: frozenset[str] | None = None


def _compile(src: str) -> tuple[Any, str]:
    _, err = analyze(src)
    if err:
        return None, err
    try:
        return celrs.compile(src), ""
    except ValueError as exc:
        text = str(exc)
        text = text[text.find("ERROR:") :] if "ERROR:" in text else text
        return None, text.replace("\n| ", "\n | ")


def compile_rule(raw: dict[str, Any], node: Node) -> Rule:
    """Compile errors stay on the Rule: CRD validation reports them, serving reports them per object."""
    src = str(raw.get("rule") or "").strip()
    info, _ = analyze(src)
    program, err = _compile(src)
    message_src = str(raw.get("messageExpression") or "").strip()
    message_program, message_err = _compile(message_src) if message_src else (None, "")
    return Rule(
        raw=raw,
        program=program,
        error=f"compilation failed: {err}" if err else "",
        message_program=message_program,
        message_error=f"messageExpression compilation failed: {message_err}" if message_err else "",
        field_path=normalize_field_path(str(raw.get("fieldPath") or ""), node) or "",
        optional_old_self=raw.get("optionalOldSelf") is True,
        **info,
    )


def normalize_field_path(path: str, node: Node) -> str | None:
    """A rule's fieldPath as a field path (`.a['b']` -> `a.b`), or None if the schema has no such field."""
    out, n, rest = "", node, path.strip()
    while rest:
        m = re.match(r"\.([^.\[\]]+)|\['((?:\\.|[^'\\])*)'\]", rest)
        if m is None:
            return None
        name = m.group(1) or re.sub(r"\\(.)", r"\1", m.group(2) or "")
        if n.properties:
            if name not in n.properties:
                return None
            out, n = (f"{out}.{name}" if out else name), n.properties[name]
        elif n.additional is not None:
            out, n = f"{out}[{name}]", n.additional
        else:
            return None
        rest = rest[m.end() :]
    return out


def rule_field_causes(rules: Any, node: Node, p: str) -> list[Cause]:
    """Static checks on each rule's fields (apiextensions ValidateCustomResourceDefinitionOpenAPISchema)."""
    errs: list[Cause] = []
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        rp = f"{p}.x-kubernetes-validations[{i}]"
        r = rule if isinstance(rule, dict) else {}
        src, msg = str(r.get("rule") or ""), str(r.get("message") or "")
        if not src.strip():
            errs.append(required(f"{rp}.rule", "rule is not specified"))
        elif msg and not msg.strip():
            errs.append(invalid(f"{rp}.message", msg, "must be non-empty if specified"))
        elif re.search(r"[\n\r]", msg.strip()):
            errs.append(invalid(f"{rp}.message", msg, "must not contain line breaks"))
        elif re.search(r"[\n\r]", src.strip()) and not msg.strip():
            errs.append(required(f"{rp}.message", "message must be specified if rule contains line breaks"))
        expr = str(r.get("messageExpression") or "")
        if expr and not expr.strip():
            errs.append(
                required(f"{rp}.messageExpression", "messageExpression must be non-empty if specified")
            )
        if r.get("reason") is not None and r["reason"] not in _REASONS:
            errs.append(not_supported(f"{rp}.reason", r["reason"], _REASONS))
        fp = str(r.get("fieldPath") or "")
        if fp and not fp.strip():
            errs.append(invalid(f"{rp}.fieldPath", fp, "must be non-empty if specified"))
        if "\n" in fp or "\r" in fp:
            errs.append(invalid(f"{rp}.fieldPath", fp, "must not contain line breaks"))
        if fp and normalize_field_path(fp, node) is None:
            errs.append(invalid(f"{rp}.fieldPath", fp, "must be a valid path"))
    return errs


_RULE_KEYS = ("rule", "message", "messageExpression", "reason", "fieldPath", "optionalOldSelf")


def rule_compile_causes(node: Node, p: str, no_old_self: str | None) -> list[Cause]:
    """Compile errors and misplaced oldSelf of a node's rules, as CRD validation errors."""
    errs: list[Cause] = []
    for i, rule in enumerate(node.rules or compile_rules(node)):
        rp = f"{p}.x-kubernetes-validations[{i}]"
        shown = shown_rule(rule.raw)
        if rule.error:
            errs.append(invalid(f"{rp}.rule", shown, rule.error))
        if rule.message_error:
            errs.append(invalid(f"{rp}.messageExpression", shown, rule.message_error))
        if rule.uses_old_self and no_old_self is not None:
            errs.append(
                invalid(
                    f"{rp}.rule",
                    rule.raw.get("rule"),
                    "oldSelf cannot be used on the uncorrelatable portion of the schema within "
                    + str(no_old_self),
                )
            )
        elif not rule.uses_old_self and rule.raw.get("optionalOldSelf") is not None:
            errs.append(
                invalid(
                    f"{rp}.optionalOldSelf",
                    rule.raw["optionalOldSelf"],
                    "may not be set if oldSelf is not used in rule",
                )
            )
    return errs


def compile_rules(node: Node) -> list[Rule]:
    raw = node.raw.get("x-kubernetes-validations")
    return [compile_rule(r, node) for r in raw if isinstance(r, dict)] if isinstance(raw, list) else []


def shown_rule(raw: dict[str, Any]) -> JSONText:
    """A rule as kube shows a ValidationRule value: JSON in the struct's field order."""
    return JSONText(
        "{"
        + ",".join(f"{go_json(k)}:{go_json(raw[k])}" for k in _RULE_KEYS if raw.get(k) not in (None, ""))
        + "}"
    )
