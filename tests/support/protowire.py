"""Protobuf test support: a tiny wire encoder written apart from the decoder under test, and helpers.

Each encoder helper returns one encoded field; a message is the concatenation of its fields.
"""

from __future__ import annotations

import contextlib
import struct
from typing import Any

import orjson

from kcp.apimachinery.errors import BadRequest, UnsupportedMediaType
from kcp.apimachinery.protobuf import decode_protobuf

MAGIC = b"k8s\x00"
T0 = 1_700_000_000  # a sample instant
T0_TEXT = "2023-11-14T22:13:20Z"


def varint(value: int) -> bytes:
    """Base-128 varint; negative numbers as their 64-bit two's complement, as Go encodes int32/int64."""
    value &= (1 << 64) - 1
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def tag(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def i(number: int, value: int) -> bytes:
    """A varint field (int32, int64, bool)."""
    return tag(number, 0) + varint(value)


def b(number: int, value: bytes) -> bytes:
    """A length-delimited field from raw bytes."""
    return tag(number, 2) + varint(len(value)) + value


def s(number: int, value: str) -> bytes:
    return b(number, value.encode())


def d(number: int, value: float) -> bytes:
    """A double (fixed64) field."""
    return tag(number, 1) + struct.pack("<d", value)


def m(number: int, *fields: bytes) -> bytes:
    """A message field made of the given fields."""
    return b(number, b"".join(fields))


def entry(number: int, key: str, *value: bytes) -> bytes:
    """One map entry; `value` is the encoded value field (number 2), or nothing for an absent value."""
    return m(number, s(1, key), *value)


def envelope(api_version: str, kind: str, *fields: bytes, extra: bytes = b"") -> bytes:
    """The `k8s\\x00` prefix and a runtime.Unknown whose raw is the given fields."""
    return MAGIC + m(1, s(1, api_version), s(2, kind)) + b(2, b"".join(fields)) + extra


def timestamp(number: int, seconds: int = T0, nanos: int | None = None) -> bytes:
    """A metav1.Time or MicroTime field."""
    return m(number, i(1, seconds), *([] if nanos is None else [i(2, nanos)]))


def decode_object(api_version: str, kind: str, *fields: bytes) -> dict[str, Any]:
    """Decode an object of these fields; the envelope's apiVersion and kind are checked and dropped."""
    obj = decode_protobuf(envelope(api_version, kind, *fields))
    assert (obj.pop("kind"), obj.pop("apiVersion")) == (kind, api_version)
    return obj


def decodes_or_refuses(body: bytes) -> None:
    """Fuzzing's property: any body is a JSON object, a 400 or a 415, never another exception."""
    with contextlib.suppress(BadRequest, UnsupportedMediaType):
        orjson.dumps(decode_protobuf(body))
