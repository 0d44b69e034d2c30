"""Label selectors: kube's string syntax (`?labelSelector=`) and the LabelSelector API form.

Error texts are kube-apiserver's byte for byte (apimachinery `pkg/labels/selector.go`): kubectl
prints the server's message, so a client sees the same `unable to parse requirement: ...`
whichever server it talks to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from kcp.apimachinery.errors import BadRequest


class Operator(StrEnum):
    """kube's `selection.Operator` spellings; `str()` of a requirement renders them."""

    IN = "in"
    NOT_IN = "notin"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    GREATER_THAN = "gt"
    LESS_THAN = "lt"
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"


_BINARY = (
    Operator.IN,
    Operator.NOT_IN,
    Operator.EQUALS,
    Operator.DOUBLE_EQUALS,
    Operator.NOT_EQUALS,
    Operator.GREATER_THAN,
    Operator.LESS_THAN,
)
_SET_OPS = (Operator.IN, Operator.NOT_IN)
_EXACT_OPS = (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.NOT_EQUALS)
_NUMERIC_OPS = (Operator.GREATER_THAN, Operator.LESS_THAN)
_API_OPERATORS = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
}
_INT64 = re.compile(r"[+-]?[0-9]+")


class _SelectorError(Exception):
    """A message already in kube's words; the public entry points pick the exception class."""


@dataclass(frozen=True, slots=True)
class Requirement:
    """One `key op values` term; a selector ANDs them."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op is Operator.EXISTS:
            return self.key in labels
        if op is Operator.DOES_NOT_EXIST:
            return self.key not in labels
        value = labels.get(self.key)
        if op in _NUMERIC_OPS:
            have = _parse_int64(value)
            want = _parse_int64(self.values[0]) if len(self.values) == 1 else None
            if have is None or want is None:
                return False
            return have > want if op is Operator.GREATER_THAN else have < want
        if value is None:
            return op in (Operator.NOT_IN, Operator.NOT_EQUALS)
        return (value in self.values) != (op in (Operator.NOT_IN, Operator.NOT_EQUALS))

    def __str__(self) -> str:
        op = self.operator
        if op is Operator.EXISTS:
            return self.key
        if op is Operator.DOES_NOT_EXIST:
            return f"!{self.key}"
        values = ",".join(sorted(self.values))
        if op in _SET_OPS:
            return f"{self.key} {op} ({values})"
        symbol = {Operator.GREATER_THAN: ">", Operator.LESS_THAN: "<"}.get(op, str(op))
        return f"{self.key}{symbol}{values}"


@dataclass(frozen=True, slots=True)
class Selector:
    """ANDed requirements, sorted by key. `nothing` is LabelSelectorAsSelector(nil): matches none."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    @property
    def empty(self) -> bool:
        """True when the selector restricts nothing (kube's `Everything()`)."""
        return not self.nothing and not self.requirements

    def matches(self, labels: Mapping[str, str]) -> bool:
        return not self.nothing and all(r.matches(labels) for r in self.requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def parse_selector(text: str) -> Selector:
    """Parse `?labelSelector=`; a malformed one is a 400 with kube's message."""
    try:
        return Selector(tuple(sorted(_Parser(text).parse(), key=lambda r: r.key)))
    except _SelectorError as err:
        raise BadRequest(str(err)) from None


def selector_from_dict(selector: Mapping[str, Any] | None) -> Selector:
    """The LabelSelector API form (matchLabels + matchExpressions); None selects nothing.

    Raises ValueError with kube's message (LabelSelectorAsSelector) when a term is invalid, so
    a strategy can turn it into a field cause at the path it knows.
    """
    if selector is None:
        return Selector(nothing=True)
    reqs: list[Requirement] = []
    try:
        for key, value in sorted((selector.get("matchLabels") or {}).items()):
            reqs.append(_new_requirement(key, Operator.EQUALS, [value]))
        for expr in selector.get("matchExpressions") or []:
            op_name = expr.get("operator", "")
            op = _API_OPERATORS.get(op_name)
            if op is None:
                raise _SelectorError(f"{go_quote(op_name)} is not a valid label selector operator")
            reqs.append(_new_requirement(expr.get("key", ""), op, list(expr.get("values") or [])))
    except _SelectorError as err:
        raise ValueError(str(err)) from None
    return Selector(tuple(sorted(reqs, key=lambda r: r.key)))


def go_quote(text: str) -> str:
    """Go's `%q` (strconv.Quote), which kube uses to show bad values in messages."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _parse_int64(text: str | None) -> int | None:
    """strconv.ParseInt(s, 10, 64): optional sign, ASCII digits, int64 range; else None."""
    if text is None or not _INT64.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


# --- validation: IsQualifiedName / IsValidLabelValue (apimachinery 1.32), field.Invalid rendering ----

_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_VALUE_FMT = f"({_NAME_FMT})?"
_DNS1123_SUBDOMAIN_FMT = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_NAME_RE, _VALUE_RE = re.compile(_NAME_FMT, re.ASCII), re.compile(_VALUE_FMT, re.ASCII)
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT, re.ASCII)
_KEY_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character"
)
_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def label_key_errors(key: str) -> list[str]:
    """Label and annotation keys: `[prefix/]name`, as kube's IsQualifiedName checks them."""
    parts = key.split("/")
    if len(parts) > 2:
        return [
            "a qualified name "
            + _regex_error(_KEY_MSG, _NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    errs: list[str] = []
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            if len(prefix.encode()) > 253:
                errs.append("prefix part must be no more than 253 characters")
            if not _DNS1123_SUBDOMAIN_RE.fullmatch(prefix):
                errs.append(
                    "prefix part " + _regex_error(_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com")
                )
    name = parts[-1]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name.encode()) > 63:
        errs.append("name part must be no more than 63 characters")
    if not _NAME_RE.fullmatch(name):
        errs.append("name part " + _regex_error(_KEY_MSG, _NAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def label_value_errors(value: str) -> list[str]:
    errs: list[str] = []
    if len(value.encode()) > 63:
        errs.append("must be no more than 63 characters")
    if not _VALUE_RE.fullmatch(value):
        errs.append(_regex_error(_VALUE_MSG, _VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def _invalid(path: str, bad: str | Sequence[str], detail: str) -> str:
    """field.Invalid(...).Error(): strings show as %q, string slices as Go's %#v."""
    if isinstance(bad, str):
        shown = go_quote(bad)
    else:
        shown = "[]string{" + ", ".join(go_quote(v) for v in bad) + "}" if bad else "[]string(nil)"
    return f"{path}: Invalid value: {shown}: {detail}"


def _aggregate(messages: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): duplicates dropped, several in brackets."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _new_requirement(key: str, op: Operator, values: list[str]) -> Requirement:
    """labels.NewRequirement: every check runs, so one message may report several problems."""
    errs: list[str] = []
    if key_errs := label_key_errors(key):
        errs.append(_invalid("key", key, "; ".join(key_errs)))
    if op in _SET_OPS and not values:
        errs.append(_invalid("values", values, "for 'in', 'notin' operators, values set can't be empty"))
    elif op in _EXACT_OPS and len(values) != 1:
        errs.append(_invalid("values", values, "exact-match compatibility requires one single value"))
    elif op in (Operator.EXISTS, Operator.DOES_NOT_EXIST) and values:
        errs.append(_invalid("values", values, "values set must be empty for exists and does not exist"))
    elif op in _NUMERIC_OPS:
        if len(values) != 1:
            errs.append(_invalid("values", values, "for 'Gt', 'Lt' operators, exactly one value is required"))
        for i, value in enumerate(values):
            if _parse_int64(value) is None:
                detail = "for 'Gt', 'Lt' operators, the value must be an integer"
                errs.append(_invalid(f"values[{i}]", value, detail))
    for i, value in enumerate(values):
        if value_errs := label_value_errors(value):
            errs.append(_invalid(f"values[{i}][{key}]", value, "; ".join(value_errs)))
    if errs:
        raise _SelectorError(_aggregate(errs))
    return Requirement(key, op, tuple(values))


# --- the string syntax: lexer and recursive-descent parser -------------------------------------


class _Tok(Enum):
    END = "end"
    IDENT = "identifier"
    OPEN = "("
    CLOSE = ")"
    COMMA = ","
    NOT = "!"
    EQ = "="
    EQEQ = "=="
    NEQ = "!="
    GT = ">"
    LT = "<"
    IN = "in"
    NOTIN = "notin"


_LITERALS = {t.value: t for t in _Tok if t not in (_Tok.END, _Tok.IDENT)}
_SPECIAL = frozenset("=!(),><")
_SPACE = frozenset(" \t\r\n")
_OPERATOR_TOKENS = {
    _Tok.IN: Operator.IN,
    _Tok.NOTIN: Operator.NOT_IN,
    _Tok.EQ: Operator.EQUALS,
    _Tok.EQEQ: Operator.DOUBLE_EQUALS,
    _Tok.NEQ: Operator.NOT_EQUALS,
    _Tok.GT: Operator.GREATER_THAN,
    _Tok.LT: Operator.LESS_THAN,
}


def _lex(text: str) -> list[tuple[_Tok, str]]:
    """Identifiers run to whitespace or a symbol; symbols match greedily (`!=` before `!`)."""
    items: list[tuple[_Tok, str]] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos] in _SPACE:
            pos += 1
        if pos >= n:
            items.append((_Tok.END, ""))
            return items
        start = pos
        if text[pos] in _SPECIAL:
            pos += 2 if text[pos : pos + 2] in _LITERALS else 1
        else:
            while pos < n and text[pos] not in _SPECIAL and text[pos] not in _SPACE:
                pos += 1
        word = text[start:pos]
        items.append((_LITERALS.get(word, _Tok.IDENT), word))


class _Parser:
    """kube's grammar: `[!]KEY [(in|notin) (V,...) | (=|==|!=|>|<) V]`, comma-separated."""

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.pos = 0

    def _peek(self, values: bool = True) -> tuple[_Tok, str]:
        return self._as(self.items[self.pos], values)

    def _next(self, values: bool = True) -> tuple[_Tok, str]:
        self.pos += 1
        return self._as(self.items[self.pos - 1], values)

    @staticmethod
    def _as(item: tuple[_Tok, str], values: bool) -> tuple[_Tok, str]:
        """Where a value may stand, `in` and `notin` are plain identifiers (`x in (in)`)."""
        tok, lit = item
        return (_Tok.IDENT, lit) if values and tok in (_Tok.IN, _Tok.NOTIN) else (tok, lit)

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok, lit = self._peek()
            if tok is _Tok.END:
                return reqs
            if tok not in (_Tok.IDENT, _Tok.NOT):
                raise _SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                reqs.append(self._requirement())
            except _SelectorError as err:
                raise _SelectorError(f"unable to parse requirement: {err}") from None
            tok, lit = self._next()
            if tok is _Tok.END:
                return reqs
            if tok is not _Tok.COMMA:
                raise _SelectorError(f"found '{lit}', expected: ',' or 'end of string'")
            tok, lit = self._peek()
            if tok not in (_Tok.IDENT, _Tok.NOT):
                raise _SelectorError(f"found '{lit}', expected: identifier after ','")

    def _requirement(self) -> Requirement:
        negated = False
        tok, key = self._next()
        if tok is _Tok.NOT:
            negated = True
            tok, key = self._next()
        if tok is not _Tok.IDENT:
            raise _SelectorError(f"found '{key}', expected: identifier")
        if key_errs := label_key_errors(key):
            raise _SelectorError(_invalid("<nil>", key, "; ".join(key_errs)))
        if negated:
            return _new_requirement(key, Operator.DOES_NOT_EXIST, [])
        if self._peek()[0] in (_Tok.END, _Tok.COMMA):
            return _new_requirement(key, Operator.EXISTS, [])
        tok, lit = self._next(values=False)
        op = _OPERATOR_TOKENS.get(tok)
        if op is None:
            raise _SelectorError(f"found '{lit}', expected: {', '.join(_BINARY)}")
        values = self._set_values() if op in _SET_OPS else self._exact_value()
        return _new_requirement(key, op, sorted(values))

    def _set_values(self) -> set[str]:
        tok, lit = self._next()
        if tok is not _Tok.OPEN:
            raise _SelectorError(f"found '{lit}' expected: '('")
        tok, lit = self._peek()
        if tok is _Tok.CLOSE:
            self._next()
            return {""}
        if tok not in (_Tok.IDENT, _Tok.COMMA):
            raise _SelectorError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self._identifier_list()
        self._next()  # the `)` that ended the list
        return values

    def _identifier_list(self) -> set[str]:
        """`a,b`, `,a` and `a,,b` alike: a missing value between commas is the empty string."""
        values: set[str] = set()
        while True:
            tok, lit = self._next()
            if tok is _Tok.IDENT:
                values.add(lit)
                after, after_lit = self._peek()
                if after is _Tok.CLOSE:
                    return values
                if after is not _Tok.COMMA:
                    raise _SelectorError(f"found '{after_lit}', expected: ',' or ')'")
            elif tok is _Tok.COMMA:
                if not values:
                    values.add("")
                after = self._peek()[0]
                if after is _Tok.CLOSE:
                    values.add("")
                    return values
                if after is _Tok.COMMA:
                    values.add("")
            else:
                raise _SelectorError(f"found '{lit}', expected: ',', or identifier")

    def _exact_value(self) -> set[str]:
        if self._peek()[0] in (_Tok.END, _Tok.COMMA):
            return {""}
        tok, lit = self._next()
        if tok is not _Tok.IDENT:
            raise _SelectorError(f"found '{lit}', expected: identifier")
        return {lit}
