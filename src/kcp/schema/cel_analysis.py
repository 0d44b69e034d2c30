"""What a CEL rule's source shows before it runs: its cost-bound inputs, its reads, bad references.

A rule's cost grows only with its comprehension nesting, so its token count, nesting depth and list
concatenations bound what one evaluation may do (`cel` checks that bound before running it). The
fields of self and oldSelf it reads limit what is converted for cel-rust. And cel-rust accepts an
undeclared reference until it runs, where kube rejects the CRD: the first one found is the error.
"""

from __future__ import annotations

import re
from typing import Any

from kcp.schema.cel_library import LIBRARY

_MACROS = frozenset(
    {"all", "exists", "exists_one", "existsOne", "map", "filter", "transformList", "transformMap"}
)
RULE_ROOTS = frozenset(["self", "oldSelf"])  # what a CRD rule may read
_KNOWN_IDENTS = frozenset(
    [
        "in",
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


def _lex(src: str) -> list[tuple[str, str, int]]:
    return [(m.lastgroup or "", m.group(), m.start()) for m in _TOKEN.finditer(src) if m.lastgroup]


def _error_at(src: str, pos: int, msg: str) -> str:
    line_no = src.count("\n", 0, pos) + 1
    start = src.rfind("\n", 0, pos) + 1
    line = src[start:].split("\n", 1)[0]
    return f"ERROR: <input>:{line_no}:{pos - start + 1}: {msg}\n | {line}\n | {'.' * (pos - start)}^"


def analyze(
    src: str, roots: frozenset[str] = RULE_ROOTS, methods: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], str]:
    """Comprehension depth, reads of self, and the references cel-rust would only find at run time.
    `roots` are the variables the expression may read, `methods` functions beyond the library."""
    known = _KNOWN_IDENTS | roots
    callable_ = _BUILTINS | LIBRARY.keys() | methods
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
        elif text in fields and text in roots:
            seen = fields[text]
            if seen is not None and nxt == "." and i + 2 < len(toks) and toks[i + 2][0] == "i":
                seen.add(texts[i + 2])
            else:
                fields[text] = None
        elif (nxt == "(" and text not in callable_) or (
            nxt != "(" and text not in known and text not in bound
        ):
            err = err or _error_at(src, pos, f"undeclared reference to '{text}' (in container '')")
    for i, (kind, text, pos) in enumerate(toks):
        if kind == "i" and texts[i - 1] == "." and texts[i + 1] == "(" and text not in callable_:
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
