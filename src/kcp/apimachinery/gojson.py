"""The error Go's `json.Unmarshal(data, &map[string]interface{}{})` gives, word for word.

kube validates some opaque bytes this way (a docker config Secret's payload) and shows Go's error in
the 422, so a client sees e.g. `invalid character 'x' looking for beginning of value`; a request body
that is not JSON gets the same words. This follows the
state machine of Go's encoding/json scanner closely enough to name the same byte and the same context.
"""

from __future__ import annotations

_END = "unexpected end of JSON input"
_SPACE = b" \t\r\n"
_DIGITS = b"0123456789"
_ESCAPES = b'bfnrt\\/"'
_HEX = b"0123456789abcdefABCDEF"
_LITERALS = {ord("t"): "true", ord("f"): "false", ord("n"): "null"}
_TOP_TYPES = {ord("["): "array", ord('"'): "string", ord("t"): "bool", ord("f"): "bool"}


class _SyntaxError(Exception):
    pass


def syntax_error(data: bytes) -> str:
    """Go's syntax error for bytes that are not one JSON value, or "" when they are one or nest too
    deep for this recursive scan to tell."""
    try:
        _scan(data)
    except _SyntaxError as e:
        return str(e)
    except RecursionError:
        return ""
    return ""


def unmarshal_map_error(data: bytes) -> str:
    """Go's error text, or "" when the bytes hold a JSON object (or null)."""
    if err := syntax_error(data):
        return err
    first = data.lstrip(_SPACE)[:1]
    if first in (b"{", b"n"):
        return ""
    kind = _TOP_TYPES.get(first[0], "number")
    return f"json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"


def _quote_char(c: int) -> str:
    """Go's quoteChar: the byte as a rune in single quotes, escaped as strconv.Quote escapes it."""
    if c == ord("'"):
        return "'\\''"
    if c == ord('"'):
        return "'\"'"
    ch = chr(c)
    if ch.isprintable():
        return f"'{ch}'"
    named = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
    if ch in named:
        return f"'{named[ch]}'"
    return f"'\\x{c:02x}'" if c < 0x80 else f"'\\u{c:04x}'"


def _fail(c: int, context: str) -> _SyntaxError:
    return _SyntaxError(f"invalid character {_quote_char(c)} {context}")


def _scan(data: bytes) -> None:
    """Raise Go's syntax error for the first byte its scanner refuses, or for input that ends early."""
    i, n = 0, len(data)

    def skip_space() -> None:
        nonlocal i
        while i < n and data[i] in _SPACE:
            i += 1

    def value() -> None:
        nonlocal i
        skip_space()
        if i >= n:
            raise _SyntaxError(_END)
        c = data[i]
        if c == ord("{"):
            i += 1
            skip_space()
            if i < n and data[i] == ord("}"):
                i += 1
                return
            members()
        elif c == ord("["):
            i += 1
            skip_space()
            if i < n and data[i] == ord("]"):
                i += 1
                return
            elements()
        elif c == ord('"'):
            i += 1
            string()
        elif c == ord("-") or c in _DIGITS:
            number()
        elif c in _LITERALS:
            literal(_LITERALS[c])
        else:
            raise _fail(c, "looking for beginning of value")

    def members() -> None:
        nonlocal i
        while True:
            skip_space()
            if i >= n:
                raise _SyntaxError(_END)
            if data[i] != ord('"'):
                raise _fail(data[i], "looking for beginning of object key string")
            i += 1
            string()
            after(ord(":"), "after object key")
            value()
            if after(ord(","), "after object key:value pair", closing=ord("}")):
                return

    def elements() -> None:
        while True:
            value()
            if after(ord(","), "after array element", closing=ord("]")):
                return

    def after(separator: int, context: str, closing: int | None = None) -> bool:
        """Past a separator (False) or the closing bracket (True); anything else is Go's error."""
        nonlocal i
        skip_space()
        if i >= n:
            raise _SyntaxError(_END)
        c = data[i]
        i += 1
        if c == separator:
            return False
        if closing is not None and c == closing:
            return True
        raise _fail(c, context)

    def string() -> None:
        nonlocal i
        while i < n:
            c = data[i]
            i += 1
            if c == ord('"'):
                return
            if c == ord("\\"):
                if i >= n:
                    break
                esc = data[i]
                i += 1
                if esc == ord("u"):
                    for _ in range(4):
                        if i >= n:
                            raise _SyntaxError(_END)
                        if data[i] not in _HEX:
                            raise _fail(data[i], "in \\u hexadecimal character escape")
                        i += 1
                elif esc not in _ESCAPES:
                    raise _fail(esc, "in string escape code")
            elif c < 0x20:
                raise _fail(c, "in string literal")
        raise _SyntaxError(_END)

    def digits(required: str) -> None:
        nonlocal i
        if i >= n:
            raise _SyntaxError(_END)
        if data[i] not in _DIGITS:
            raise _fail(data[i], required)
        while i < n and data[i] in _DIGITS:
            i += 1

    def number() -> None:
        nonlocal i
        if data[i] == ord("-"):
            i += 1
            if i >= n:
                raise _SyntaxError(_END)
            if data[i] not in _DIGITS:
                raise _fail(data[i], "in numeric literal")
        if data[i] == ord("0"):
            i += 1
        else:
            digits("in numeric literal")
        if i < n and data[i] == ord("."):
            i += 1
            digits("after decimal point in numeric literal")
        if i < n and data[i] in b"eE":
            i += 1
            if i < n and data[i] in b"+-":
                i += 1
            digits("in exponent of numeric literal")

    def literal(word: str) -> None:
        nonlocal i
        for expected in word.encode():
            if i >= n:
                raise _SyntaxError(_END)
            if data[i] != expected:
                raise _fail(data[i], f"in literal {word} (expecting {_quote_char(expected)})")
            i += 1

    value()
    skip_space()
    if i < n:
        raise _fail(data[i], "after top-level value")
