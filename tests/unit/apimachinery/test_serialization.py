"""Bodies: no input exhausts the server, every failure is a Status error."""

from __future__ import annotations

import pytest

from kcp.apimachinery.errors import BadRequest, UnsupportedMediaType
from kcp.apimachinery.nesting import MAX_DEPTH
from kcp.apimachinery.serialization import decode_body


def test_json_and_yaml() -> None:
    assert decode_body("application/json", b'{"a": 1}') == {"a": 1}
    assert decode_body("application/yaml", b"a: 1\nb: [x]\n") == {"a": 1, "b": ["x"]}


@pytest.mark.parametrize("raw", [b"[" * 2000 + b"]" * 2000, b"[" * 200 + b"]" * 200, b"{bad"])
def test_deep_or_broken_json_is_400(raw: bytes) -> None:
    with pytest.raises(BadRequest):
        decode_body("application/json", raw)


@pytest.mark.parametrize("containers", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1])
@pytest.mark.parametrize("inner", [b"", b"1"])
def test_json_nesting_is_refused_past_the_limit(containers: int, inner: bytes) -> None:
    """The limit counts levels from the body itself: a value inside 100 containers is too deep, as is
    the 101st container; bodies with too few brackets to get there are not walked."""
    raw = b"[" * containers + inner + b"]" * containers
    levels = containers + (1 if inner else 0)
    if levels > MAX_DEPTH:
        with pytest.raises(BadRequest, match="nested too deeply"):
            decode_body("application/json", raw)
    else:
        decode_body("application/json", raw)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    assert decode_body("application/json", b'{"a": "' + b"[{" * 300 + b'"}') == {"a": "[{" * 300}


def test_yaml_alias_bomb_is_400() -> None:
    bomb = b"a: &a [x, x]\n" + b"".join(f"b{i}: &b{i} [*a, *a]\n".encode() for i in range(200))
    with pytest.raises(BadRequest):
        decode_body("application/yaml", bomb)


def test_unknown_media_type_is_415() -> None:
    with pytest.raises(UnsupportedMediaType):
        decode_body("text/plain", b"x")
