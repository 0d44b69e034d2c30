"""Bodies: no input exhausts the server, every failure is a Status error."""

from __future__ import annotations

import pytest

from kcp.apimachinery.errors import BadRequest, UnsupportedMediaType
from kcp.apimachinery.serialization import decode_body


def test_json_and_yaml() -> None:
    assert decode_body("application/json", b'{"a": 1}') == {"a": 1}
    assert decode_body("application/yaml", b"a: 1\nb: [x]\n") == {"a": 1, "b": ["x"]}


@pytest.mark.parametrize("raw", [b"[" * 2000 + b"]" * 2000, b"[" * 200 + b"]" * 200, b"{bad"])
def test_deep_or_broken_json_is_400(raw: bytes) -> None:
    with pytest.raises(BadRequest):
        decode_body("application/json", raw)


def test_yaml_alias_bomb_is_400() -> None:
    bomb = b"a: &a [x, x]\n" + b"".join(f"b{i}: &b{i} [*a, *a]\n".encode() for i in range(200))
    with pytest.raises(BadRequest):
        decode_body("application/yaml", bomb)


def test_unknown_media_type_is_415() -> None:
    with pytest.raises(UnsupportedMediaType):
        decode_body("text/plain", b"x")
