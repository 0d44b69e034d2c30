"""x-kubernetes-validations: CEL rules compiled once per schema and run where kube runs them.

Evaluation uses `common-expression-language` (cel-rust): about ten times faster than cel-python
and with CEL's cross-type equality. It cannot be interrupted, so every evaluation is first bounded:
a rule's cost can grow only with its comprehension nesting, so `tokens * n**depth` (n the largest
list, map or string it can see) caps the work, and a rule over that budget fails the way kube's
cost limit does instead of hanging the event loop. Texts follow apiextensions `schema/cel`.
"""

from __future__ import annotations

import base64
import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import cel as celrs
import re2

from kcp.apimachinery.errors import Cause
from kcp.schema.validation import (
    MISSING,
    NIL_PATH,
    OMIT,
    JSONText,
    correlate_items,
    duplicate,
    forbidden,
    go_json,
    invalid,
    not_supported,
    required,
    same_json,
)

if TYPE_CHECKING:
    from kcp.schema.structural import Node

PER_CALL_LIMIT = 10_000_000  # bound units one evaluation may cost (kube: 1e6 actual cost units)
TOTAL_BUDGET = 100_000_000  # per validated object, across all rules
MAX_MESSAGE = 5 * 1024
_REASONS = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"]
_MACROS = frozenset(
    {"all", "exists", "exists_one", "existsOne", "map", "filter", "transformList", "transformMap"}
)
_RESERVED = frozenset(
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
_KNOWN_IDENTS = frozenset(
    [
        "self",
        "oldSelf",
        "true",
        "false",
        "null",
        "int",
        "uint",
        "double",
        "bool",
        "string",
        "bytes",
        "list",
        "map",
        "null_type",
        "type",
        "dyn",
        "optional",
    ]
)
_BUILTINS = (
    frozenset(
        [
            "size",
            "contains",
            "startsWith",
            "endsWith",
            "matches",
            "has",
            "int",
            "uint",
            "double",
            "string",
            "bytes",
            "bool",
            "timestamp",
            "duration",
            "type",
            "dyn",
            "getDate",
            "getDayOfMonth",
            "getDayOfWeek",
            "getDayOfYear",
            "getFullYear",
            "getHours",
            "getMilliseconds",
            "getMinutes",
            "getMonth",
            "getSeconds",
            "of",
            "none",
            "hasValue",
            "value",
            "orValue",
            "or",
        ]
    )
    | _MACROS
)
_TOKEN = re.compile(
    r"""(?P<s>[rRbB]{0,2}(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"|'(?:\\.|[^\\'\n])*'|"(?:\\.|[^\\"\n])*"))"""
    r"|(?P<n>\d[\w.]*)|(?P<i>[A-Za-z_]\w*)|(?P<op>\.\?|&&|\|\||[=!<>]=|\S)|\s+"
)


def _ascii_case(s: str, upper: bool) -> str:
    return "".join(
        c.upper() if upper and "a" <= c <= "z" else c.lower() if not upper and "A" <= c <= "Z" else c
        for c in s
    )


def _index_of(recv: Any, x: Any, *start: int) -> int:
    if isinstance(recv, str):
        if start and not 0 <= start[0] <= len(recv):
            raise ValueError(f"index out of range: {start[0]}")
        return recv.find(x, *start)
    return next((i for i, v in enumerate(recv) if same_json(v, x)), -1)


def _last_index_of(recv: Any, x: Any, *end: int) -> int:
    if isinstance(recv, str):
        return recv.rfind(x, 0, end[0] + len(x)) if end else recv.rfind(x)
    return next((i for i in range(len(recv) - 1, -1, -1) if same_json(recv[i], x)), -1)


def _split(s: str, sep: str, *n: int) -> list[str]:
    limit = n[0] if n else -1
    if limit == 0:
        return []
    parts = list(s) if sep == "" else s.split(sep)
    return parts if limit < 0 or len(parts) <= limit else [*parts[: limit - 1], sep.join(parts[limit - 1 :])]


def _substring(s: str, start: int, *end: int) -> str:
    stop = end[0] if end else len(s)
    if not 0 <= start <= stop <= len(s):
        raise ValueError(f"index out of range: {start if not 0 <= start <= len(s) else stop}")
    return s[start:stop]


def _char_at(s: str, i: int) -> str:
    if not 0 <= i <= len(s):
        raise ValueError(f"index out of range: {i}")
    return s[i : i + 1]


def _find_all(s: str, pattern: str, *n: int) -> list[str]:
    found = [m.group(0) for m in re2.finditer(pattern, s)]
    return found if not n or n[0] < 0 else found[: n[0]]


def _find(s: str, pattern: str) -> str:
    m = re2.search(pattern, s)
    return m.group(0) if m else ""


LIBRARY: dict[str, Callable[..., Any]] = {  # kube's extension libraries, as far as rules need them
    "charAt": _char_at,
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "lowerAscii": lambda s: _ascii_case(s, False),
    "upperAscii": lambda s: _ascii_case(s, True),
    "replace": lambda s, old, new, *n: s.replace(old, new, *n),
    "split": _split,
    "substring": _substring,
    "trim": lambda s: s.strip(),
    "join": lambda items, *sep: (sep[0] if sep else "").join(items),
    "reverse": lambda s: s[::-1],
    "find": _find,
    "findAll": _find_all,
    "isSorted": lambda xs: all(a <= b for a, b in itertools.pairwise(xs)),
    "sum": lambda xs: sum(xs, 0.0 if any(isinstance(x, float) for x in xs) else 0),
    "min": lambda xs, *more: min([*xs, *more] if more else xs),
    "max": lambda xs, *more: max([*xs, *more] if more else xs),
}


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


def _lex(src: str) -> list[tuple[str, str, int]]:
    return [(m.lastgroup or "", m.group(), m.start()) for m in _TOKEN.finditer(src) if m.lastgroup]


def _error_at(src: str, pos: int, msg: str) -> str:
    line_no = src.count("\n", 0, pos) + 1
    start = src.rfind("\n", 0, pos) + 1
    line = src[start:].split("\n", 1)[0]
    return f"ERROR: <input>:{line_no}:{pos - start + 1}: {msg}\n | {line}\n | {'.' * (pos - start)}^"


def _analyze(src: str) -> tuple[dict[str, Any], str]:
    """Comprehension depth, reads of self, and the references cel-rust would only find at run time."""
    toks = _lex(src)
    texts = [t for _, t, _ in toks] + ["", "", "", "", ""]
    stack: list[bool] = []
    depth, width, err = 0, 1, ""
    bound: set[str] = set()
    fields: dict[str, set[str] | None] = {"self": set(), "oldSelf": set()}
    for i, (kind, text, pos) in enumerate(toks):
        prev, nxt = texts[i - 1] if i else "", texts[i + 1]
        if text == "(":
            macro = i >= 2 and texts[i - 2] == "." and prev in _MACROS
            stack.append(macro)
            depth = max(depth, sum(stack))
            if macro:  # the iteration variables: x in all(x, ...), i and v in all(i, v, ...)
                bound.add(nxt)
                if texts[i + 2] == "," and texts[i + 4] == ",":
                    bound.add(texts[i + 3])
        elif text == ")" and stack:
            stack.pop()
        elif text == "+" and not (
            stack and stack[-1]
        ):  # may concatenate a list some comprehension ranges over
            width += 1
        elif kind != "i" or prev == ".":
            continue
        elif text in fields:
            seen = fields[text]
            if seen is not None and nxt == "." and i + 2 < len(toks) and toks[i + 2][0] == "i":
                seen.add(texts[i + 2])
            else:
                fields[text] = None
        elif (nxt == "(" and text not in _BUILTINS and text not in LIBRARY) or (
            nxt != "(" and text not in _KNOWN_IDENTS and text not in bound
        ):
            err = err or _error_at(src, pos, f"undeclared reference to '{text}' (in container '')")
    for i, (kind, text, pos) in enumerate(toks):
        if (
            kind == "i"
            and texts[i - 1] == "."
            and texts[i + 1] == "("
            and text not in _BUILTINS | LIBRARY.keys()
        ):
            err = err or _error_at(src, pos, f"undeclared reference to '{text}' (in container '')")
    old_seen = fields["oldSelf"]
    info = {
        "tokens": max(len(toks), 1),
        "depth": depth,
        "width": width,
        "self_fields": None if fields["self"] is None else frozenset(fields["self"]),
        "old_fields": None if old_seen is None else frozenset(old_seen),
        "uses_old_self": any(
            k == "i" and t == "oldSelf" and texts[i - 1] != "." for i, (k, t, _) in enumerate(toks)
        ),
    }
    return info, err


def _compile(src: str) -> tuple[Any, str]:
    _, err = _analyze(src)
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
    info, _ = _analyze(src)
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
        and all(escape(k) == k for k in node.properties)
        and all(
            sub.cel_plain
            for sub in [*node.properties.values(), node.additional, node.items]
            if sub is not None
        )
    )
    return below


def compile_rules(node: Node) -> list[Rule]:
    raw = node.raw.get("x-kubernetes-validations")
    return [compile_rule(r, node) for r in raw if isinstance(r, dict)] if isinstance(raw, list) else []


# --- evaluation (apiextensions schema/cel/validation.go) ---------------------------------------


@functools.lru_cache(maxsize=4096)
def escape(name: str) -> str | None:
    """kube's CEL spelling of a property name; None when rules cannot reach it."""
    if not name or name[0].isdigit():
        return None
    if name in _RESERVED:
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
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    parts = re.findall(r"([\d.]+)(ns|us|µs|ms|s|m|h)", v)
    if not parts:
        raise ValueError(v)
    total = sum(float(num) * units[unit] for num, unit in parts)
    return timedelta(seconds=-total if v.startswith("-") else total)


def to_cel(n: Node, v: Any, resource: bool = False) -> Any:
    """The value as rules see it: escaped names, typed formats, metadata cut to name/generateName."""
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


def _extent(v: Any, fields: frozenset[str] | None) -> int:
    """The largest list, map or string (in tens of characters) reachable from v."""
    if isinstance(v, dict):
        items = [v[k] for k in fields if k in v] if fields is not None else list(v.values())
        return max([len(v) if fields is None else 1, *(_extent(x, None) for x in items)])
    if isinstance(v, list):
        return max([len(v), *(_extent(x, None) for x in v)])
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
            rule.tokens * (rule.width * _extent(v, rule.self_fields)) ** rule.depth
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


def shown_rule(raw: dict[str, Any]) -> JSONText:
    """A rule as kube shows a ValidationRule value: JSON in the struct's field order."""
    return JSONText(
        "{"
        + ",".join(f"{go_json(k)}:{go_json(raw[k])}" for k in _RULE_KEYS if raw.get(k) not in (None, ""))
        + "}"
    )
