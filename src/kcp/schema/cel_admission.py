"""CEL for validating admission policies: what an expression may read, and running it bounded.

kube declares `object`, `oldObject`, `request`, `namespaceObject`, `variables` and `authorizer`
(and `params` when the policy has a paramKind); a reference to anything else fails to compile, so a
policy is refused at create time rather than failing every request. cel-rust cannot be interrupted,
so as for CRD rules a run is first bounded by `tokens * n**depth` (n the largest list, map or string
the activation holds) and refused over the limit, as kube's runtime cost limit refuses it.
Texts follow apiserver `admission/plugin/cel`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cel as celrs

from kcp.schema.cel import PER_CALL_LIMIT, extent
from kcp.schema.cel_analysis import analyze
from kcp.schema.cel_library import LIBRARY

ROOTS = frozenset(["object", "oldObject", "request", "namespaceObject", "variables", "authorizer"])
WITH_PARAMS = ROOTS | {"params"}
# the authorizer library's calls (authorizer.group(...).resource(...).check(...).allowed()), which
# server/celauthorizer.py evaluates
_AUTHORIZER_CALLS = frozenset(
    [
        "group",
        "resource",
        "subresource",
        "namespace",
        "name",
        "check",
        "allowed",
        "reason",
        "errored",
        "error",
        "path",
        "serviceAccount",
        "fieldSelector",
        "labelSelector",
    ]
)
_VARIABLE = re.compile(r"\bvariables\s*\.\s*([A-Za-z_]\w*)")


@dataclass(frozen=True, slots=True)
class Expression:
    """A compiled expression with what bounds its cost and the variables it reads."""

    source: str
    program: Any
    tokens: int
    depth: int
    width: int
    variables: frozenset[str]


class EvaluationError(Exception):
    """An expression that failed when it ran; the text is kube's."""


def compile_error(source: str, roots: frozenset[str] = ROOTS) -> str:
    """kube's compile failure detail (`compilation failed: ERROR: <input>:1:1: ...`), or ""."""
    try:
        compile_expression(source, roots)
    except ValueError as e:
        return str(e)
    return ""


@functools.lru_cache(maxsize=4096)
def compile_expression(source: str, roots: frozenset[str] = WITH_PARAMS) -> Expression:
    """Compiled once per distinct text (and set of readable roots); raises ValueError with kube's text."""
    try:
        program = celrs.compile(source)
    except ValueError as e:
        text = str(e)
        text = text[text.find("ERROR:") :] if "ERROR:" in text else text
        raise ValueError(f"compilation failed: {text.replace(chr(10) + '| ', chr(10) + ' | ')}") from None
    info, err = analyze(source, roots, _AUTHORIZER_CALLS)
    if err:
        raise ValueError(f"compilation failed: {err}")
    return Expression(
        source,
        program,
        info["tokens"],
        info["depth"],
        info["width"],
        frozenset(_VARIABLE.findall(source)),
    )


def evaluate(
    expression: Expression,
    activation: dict[str, Any],
    size: int,
    functions: dict[str, Callable[..., Any]] | None = None,
) -> Any:
    """Run `expression` over `activation`, whose largest value has `size` (see `activation_size`),
    with the standard library and `functions` (the `authorizer` library's, when it is offered)."""
    cost = expression.tokens * (expression.width * size) ** expression.depth
    if cost > PER_CALL_LIMIT:
        raise EvaluationError(_failed(expression, "operation cancelled: actual cost limit exceeded"))
    try:
        library = {**LIBRARY, **functions} if functions else LIBRARY
        return expression.program.execute(celrs.Context(activation, library))
    except Exception as exc:  # cel-rust raises builtin types; each becomes kube's runtime error text
        raise EvaluationError(_failed(expression, _why(exc))) from None


def activation_size(activation: dict[str, Any]) -> int:
    """The largest list, map or string an expression could range over, for the cost bound."""
    return extent(activation, None)


def _failed(expression: Expression, why: str) -> str:
    return f"expression '{expression.source}' resulted in error: {why}"


def _why(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, TypeError) or "Undefined variable or function" in text:
        return "no such overload"
    if isinstance(exc, KeyError):
        return f"no such key: {exc.args[0] if exc.args else ''}"
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, OverflowError):
        return "integer overflow"
    m = re.search(r"failed: \w+: (.*?)\. Check function arguments", text, re.S)
    return m.group(1) if m else text.split("\n", 1)[0]
