"""Go's json.Unmarshal into a map, as kube reports it for docker config Secrets."""

from __future__ import annotations

import pytest

from kcp.apimachinery.gojson import syntax_error, unmarshal_map_error

NOT_A_MAP = "json: cannot unmarshal {} into Go value of type map[string]interface {{}}"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b'{"auths": {}}', ""),
        (b" null ", ""),
        (b"", "unexpected end of JSON input"),
        (b'{"auths": ', "unexpected end of JSON input"),
        (b"hello", "invalid character 'h' looking for beginning of value"),
        (b"{auths: 1}", "invalid character 'a' looking for beginning of object key string"),
        (b'{"a" 1}', "invalid character '1' after object key"),
        (b'{"a": 1 "b": 2}', "invalid character '\"' after object key:value pair"),
        (b'{"a": [1 2]}', "invalid character '2' after array element"),
        (b"{} {}", "invalid character '{' after top-level value"),
        (b'{"a": tru}', "invalid character '}' in literal true (expecting 'e')"),
        (b'{"a": "x\ny"}', "invalid character '\\n' in string literal"),
        (b'{"a": "\\q"}', "invalid character 'q' in string escape code"),
        (b'{"a": -}', "invalid character '}' in numeric literal"),
        (b'{"a": 1.}', "invalid character '}' after decimal point in numeric literal"),
        (b'{"a": 1e}', "invalid character '}' in exponent of numeric literal"),
        (b"[1]", NOT_A_MAP.format("array")),
        (b'"s"', NOT_A_MAP.format("string")),
        (b"-1.5e3", NOT_A_MAP.format("number")),
        (b"false", NOT_A_MAP.format("bool")),
    ],
)
def test_errors_read_as_go_writes_them(data: bytes, error: str) -> None:
    assert unmarshal_map_error(data) == error


def test_a_scan_too_deep_to_tell_says_nothing() -> None:
    assert syntax_error(b"[" * 5000 + b"x") == "" and syntax_error(b"[1, x]") != ""
