"""x-kubernetes-validations: CEL rules run where kube runs them.

Evaluation uses `common-expression-language` (cel-rust): about ten times faster than cel-python
and with CEL's cross-type equality. It cannot be interrupted, so every evaluation is first bounded:
a rule's cost can grow only with its comprehension nesting, so `tokens * n**depth` (n the largest
list, map or string it can see) caps the work, and a rule over that budget fails the way kube's
cost limit does instead of hanging the event loop. Texts follow apiextensions `schema/cel`.
"""

from __future__ import annotations

import base64
import functools
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import cel as celrs

from kcp.apimachinery.duration import parse_go_duration
from kcp.apimachinery.errors import Cause
from kcp.schema.cel_library import LIBRARY
from kcp.schema.cel_rules import Rule, compile_rules
from kcp.schema.fielderrors import NIL_PATH, OMIT, duplicate, forbidden, invalid, required
from kcp.schema.validation import MISSING, correlate_items, same_json

if TYPE_CHECKING:
    from kcp.schema.structural import Node

PER_CALL_LIMIT = 10_000_000  # bound units one evaluation may cost (kube: 1e6 actual cost units)
TOTAL_BUDGET = 100_000_000  # per validated object, across all rules
MAX_MESSAGE = 5 * 1024
RESERVED = frozenset(  # CEL's reserved words: no variable may be named so
    [
        "true",
        "false",
        "null",
        "in",
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    ]
)


def prepare(node: Node) -> bool:
    """Compile every node's rules and mark what evaluation may skip; True if any rule is below."""
    node.rules = compile_rules(node)
    below = bool(node.rules)
    for sub in [*node.properties.values(), node.additional, node.items, *node.all_of]:
        if sub is not None:
            below = prepare(sub) or below
    node.cel_below = below
    node.cel_plain = (
        not node.embedded
        and not node.format
        and node.type != "number"
        and all(escape(k) == k for k in node.properties)
        and all(
            sub.cel_plain
            for sub in [*node.properties.values(), node.additional, node.items]
            if sub is not None
        )
    )
    return below


# --- evaluation (apiextensions schema/cel/validation.go) ---------------------------------------


@functools.lru_cache(maxsize=4096)
def escape(name: str) -> str | None:
    """kube's CEL spelling of a property name; None when rules cannot reach it."""
    if not name or name[0].isdigit():
        return None
    if name in RESERVED:
        return f"__{name}__"
    if not re.fullmatch(r"[\w./-]+", name, re.ASCII):
        return None
    return re.sub(
        r"__|[-./]",
        lambda m: {"__": "__underscores__", ".": "__dot__", "-": "__dash__", "/": "__slash__"}[m.group()],
        name,
    )


def _scalar(n: Node, v: Any) -> Any:
    try:
        if n.format in ("date-time", "datetime"):
            return datetime.fromisoformat(v.replace("Z", "+00:00").replace("z", "+00:00"))
        if n.format == "date":
            return datetime.fromisoformat(v).replace(tzinfo=UTC)
        if n.format == "duration":
            return _duration(v)
        if n.format == "byte":
            return base64.b64decode(v)
    except (ValueError, TypeError):
        return v
    return v


def _duration(v: str) -> timedelta:
    return timedelta(seconds=parse_go_duration(v))


def to_cel(n: Node, v: Any, resource: bool = False) -> Any:
    """The value as rules see it: escaped names, typed formats, numbers as doubles, metadata cut to
    name/generateName."""
    if isinstance(v, dict):
        if resource or n.embedded:
            out = {k: v[k] for k in ("apiVersion", "kind") if k in v}
            meta = v.get("metadata")
            if isinstance(meta, dict):
                out["metadata"] = {k: meta[k] for k in ("name", "generateName") if k in meta}
            return {**_object(n, {k: x for k, x in v.items() if k not in out and k != "metadata"}), **out}
        return _object(n, v)
    if isinstance(v, list) and n.items is not None:
        return [to_cel(n.items, x) for x in v]
    if n.type == "number" and type(v) is int:  # a number is a double whatever its JSON spelling
        return float(v)
    return _scalar(n, v) if isinstance(v, str) and n.format else v


def _object(n: Node, v: dict[str, Any]) -> dict[str, Any]:
    if n.properties:
        out = {}
        for k, x in v.items():
            sub, name = n.properties.get(k), escape(k)
            if sub is not None and name is not None:
                out[name] = to_cel(sub, x)
        return out
    if n.additional is not None:
        return {k: to_cel(n.additional, x) for k, x in v.items()}
    return v


def extent(v: Any, fields: frozenset[str] | None) -> int:
    """The largest list, map or string (in tens of characters) reachable from v."""
    if isinstance(v, dict):
        items = [v[k] for k in fields if k in v] if fields is not None else list(v.values())
        return max([len(v) if fields is None else 1, *(extent(x, None) for x in items)])
    if isinstance(v, list):
        return max([len(v), *(extent(x, None) for x in v)])
    return len(v) // 10 + 1 if isinstance(v, str) else 1


class _Run:
    """One object's CEL pass: its causes and the budget left."""

    __slots__ = ("errs", "ratchet", "spent", "stopped")

    def __init__(self, ratchet: bool) -> None:
        self.errs: list[Cause] = []
        self.ratchet = ratchet
        self.spent = 0
        self.stopped = False


def validate(
    node: Node, obj: Any, old: Any = MISSING, path: str = NIL_PATH, ratchet: bool = True
) -> list[Cause]:
    """Causes from every rule in the tree; transition rules run only where an old value correlates."""
    run = _Run(ratchet)
    _walk(node, obj, None if old is MISSING else old, path, run, False, True)
    return run.errs


def _child(path: str, name: str, key: bool = False) -> str:
    if key:
        return f"{path}[{name}]"
    return name if path == NIL_PATH else f"{path}.{name}"


def _walk(n: Node, v: Any, old: Any, path: str, run: _Run, parent_ratchet: bool, root: bool) -> None:
    if v is None or run.stopped or not n.cel_below:
        return
    ratchet = same_json(v, old) if old is not None and run.ratchet else parent_ratchet
    if n.rules:
        _eval(n, v, old, path, run, ratchet, root)
    for sub in n.all_of:
        _walk(sub, v, old, path, run, parent_ratchet, False)
    if isinstance(v, dict):
        by_key = old if isinstance(old, dict) and n.map_type in ("", "granular", "atomic") else {}
        for k, x in v.items():
            child = n.additional if n.additional is not None else n.properties.get(k)
            if child is not None and child.cel_below:
                at = _child(path, k, key=n.additional is not None)
                _walk(child, x, by_key.get(k), at, run, ratchet, False)
    elif isinstance(v, list) and n.items is not None and n.items.cel_below:
        olds = correlate_items(n, v, old)
        for i, x in enumerate(v):
            _walk(n.items, x, None if olds[i] is MISSING else olds[i], f"{path}[{i}]", run, ratchet, False)


def _eval(n: Node, v: Any, old: Any, path: str, run: _Run, ratchet: bool, root: bool) -> None:
    typ = "object" if root else n.type
    contexts: dict[bool, Any] = {}
    for rule in n.rules:
        text = str(rule.raw.get("message") or "").strip() or str(rule.raw.get("rule") or "").strip()
        if rule.error:
            run.errs.append(invalid(path, typ, f"rule compile error: {rule.error}"))
            continue
        if rule.program is None or (rule.uses_old_self and old is None and not rule.optional_old_self):
            continue
        cost = (
            rule.tokens * (rule.width * extent(v, rule.self_fields)) ** rule.depth
            if rule.depth
            else rule.tokens
        )
        run.spent += cost
        if cost > PER_CALL_LIMIT:
            run.errs.append(
                invalid(
                    path,
                    typ,
                    "'operation cancelled: actual cost limit exceeded': no further validation "
                    f"rules will be run due to call cost exceeds limit for rule: {text}",
                )
            )
            run.stopped = True
            return
        if run.spent > TOTAL_BUDGET:
            run.errs.append(
                invalid(
                    path,
                    typ,
                    "validation failed due to running out of cost budget, no further "
                    "validation rules will be run",
                )
            )
            run.stopped = True
            return
        if rule.optional_old_self not in contexts:
            contexts[rule.optional_old_self] = _context(n, n.rules, v, old, root, rule.optional_old_self)
        ctx = contexts[rule.optional_old_self]
        try:
            result = rule.program.execute(ctx)
        except Exception as exc:  # cel-rust raises builtin types; each becomes kube's runtime error text
            run.errs.append(_runtime_error(exc, path, typ, text))
            continue
        if result is True:
            continue
        if result is not False:
            run.errs.append(
                invalid(path, typ, f"cel expression must evaluate to a bool evaluating rule: {text}")
            )
            continue
        if ratchet and not rule.uses_old_self:
            continue  # unchanged since the old object: kube turns this error into a warning
        at = _child(path, rule.field_path) if rule.field_path else path
        detail = _message(rule, ctx) or (str(rule.raw.get("message") or "").strip() or f"failed rule: {text}")
        run.errs.append(_cause(rule.raw.get("reason"), at, OMIT if typ in ("object", "array") else v, detail))


def _context(n: Node, rules: list[Rule], v: Any, old: Any, root: bool, optional: bool) -> Any:
    """One activation for all rules of a node: only the fields they read are converted for cel-rust."""
    variables: dict[str, Any] = {"self": _visible(n, v, root, _reads(rules, "self_fields"))}
    if old is not None or optional:
        seen = None if old is None else _visible(n, old, root, _reads(rules, "old_fields"))
        variables["oldSelf"] = (
            (celrs.OptionalValue.none() if old is None else celrs.OptionalValue.of(seen))
            if optional
            else seen
        )
    return celrs.Context(variables, LIBRARY)


def _reads(rules: list[Rule], attr: str) -> frozenset[str] | None:
    out: frozenset[str] = frozenset()
    for rule in rules:
        got = getattr(rule, attr)
        if got is None:
            return None
        out |= got
    return out


def _visible(n: Node, v: Any, root: bool, fields: frozenset[str] | None) -> Any:
    if fields is not None and isinstance(v, dict) and n.properties:
        v = {k: x for k, x in v.items() if k in fields or escape(k) in fields or (root and k == "metadata")}
    return v if n.cel_plain and not root else to_cel(n, v, resource=root)


def _message(rule: Rule, ctx: Any) -> str:
    if rule.message_program is None:
        return ""
    try:
        msg = rule.message_program.execute(ctx)
    except Exception:  # kube logs and falls back to the static message
        return ""
    text = msg.strip() if isinstance(msg, str) else ""
    return text if text and len(text) <= MAX_MESSAGE and "\n" not in text else ""


def _cause(reason: Any, path: str, value: Any, detail: str) -> Cause:
    if reason == "FieldValueForbidden":
        return forbidden(path, detail)
    if reason == "FieldValueRequired":
        return required(path, detail)
    if reason == "FieldValueDuplicate":
        return duplicate(path, value)
    return invalid(path, value, detail)


def _runtime_error(exc: Exception, path: str, typ: str, text: str) -> Cause:
    if isinstance(exc, TypeError) or "Undefined variable or function" in str(exc):
        return invalid(
            path,
            typ,
            f"'no such overload': call arguments did not match a supported operator, function "
            f"or macro signature for rule: {text}",
        )
    if isinstance(exc, KeyError):
        why = f"no such key: {exc.args[0] if exc.args else ''}"
    elif isinstance(exc, ZeroDivisionError):
        why = "division by zero"
    elif isinstance(exc, OverflowError):
        why = "integer overflow"
    else:
        m = re.search(r"failed: \w+: (.*?)\. Check function arguments", str(exc), re.S)
        why = m.group(1) if m else str(exc).split("\n", 1)[0]
    return invalid(path, typ, f"{why} evaluating rule: {text}")
