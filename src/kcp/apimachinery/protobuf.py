"""Kubernetes protobuf request bodies, decoded into the JSON object the same request would carry as JSON.

client-go's typed clients (`kubectl create configmap`, `kubectl auth can-i`, `kubectl create token`, ...)
send `application/vnd.kubernetes.protobuf` and do not retry with JSON. Such a body is the magic
`k8s\\x00` and a `runtime.Unknown` envelope: `typeMeta` {apiVersion, kind}, `raw` (the object's own
message), `contentEncoding`, `contentType`. The object is read by a small wire decoder (varint, 64-bit,
length-delimited, 32-bit) driven by the tables in `kcp.apimachinery.prototables`, which say for each
field number the JSON name and how Go's JSON encoder renders it.

Why hand-written rather than `descriptor_pb2` + `message_factory`: rendering JSON the way Go does
(omitempty vs. pointer, struct values, Time, IntOrString, embedded JSON, inlined structs) needs a walk
over the tables either way, and that walk, not the wire parsing, is the cost. Measured (best of 15,
CPython 3.11): kubectl's ConfigMap 17 µs, SelfSubjectAccessReview 27 µs, a 47 KB CRD 6.0 ms, against
17 µs / 30 µs / 6.0 ms for upb parsing plus the same walk, and 72 µs / 77 µs / 16 ms when protobuf
falls back to its pure-Python parser. Hand-written also keeps one schema (no descriptors to keep in
step with the tables) and Go's strictness (a known field with the wrong wire type is an error).
"""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

import orjson

from kcp.apimachinery.errors import BadRequest, UnsupportedMediaType
from kcp.apimachinery.nesting import MAX_DEPTH, check_depth, too_deep
from kcp.apimachinery.protobuf_types import Field, Kind, Message, Mode
from kcp.apimachinery.prototables import lookup

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

UNKNOWN_FORMAT = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json, application/yaml"
)

_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5
# What Go's JSON encoder writes for a zero value that is always written (Mode.KEEP).
_ZERO: dict[Kind, Any] = {
    Kind.STRING: "",
    Kind.BYTES: None,
    Kind.JSON: None,
    Kind.INT32: 0,
    Kind.INT64: 0,
    Kind.BOOL: False,
    Kind.DOUBLE: 0,
}
_ABSENT: Any = object()
_DOUBLE_STRUCT = struct.Struct("<d")
# Kinds as module constants: the decoding loop compares them on every field.
_STRING, _BYTES, _INT32, _INT64, _BOOL, _DOUBLE = (
    Kind.STRING,
    Kind.BYTES,
    Kind.INT32,
    Kind.INT64,
    Kind.BOOL,
    Kind.DOUBLE,
)
_MESSAGE, _MAP = Kind.MESSAGE, Kind.MAP


def _malformed(why: str) -> BadRequest:
    return BadRequest(f"the protobuf body of the request is malformed: {why}")


def decode_protobuf(raw: bytes) -> dict[str, Any]:
    """The JSON object of a Kubernetes protobuf body, with `kind` and `apiVersion` from its envelope.

    BadRequest for a malformed body, UnsupportedMediaType for an apiVersion/kind without a table.
    """
    buf = bytes(raw)
    if buf[: len(MAGIC)] != MAGIC:
        raise _malformed("it does not start with the k8s\\x00 prefix")
    api_version, kind, start, stop = _envelope(buf, len(MAGIC))
    msg = lookup(api_version, kind)
    if msg is None:
        raise UnsupportedMediaType(UNKNOWN_FORMAT)
    return {"kind": kind, "apiVersion": api_version, **_fields(buf, start, stop, msg, 1)}


def _envelope(buf: bytes, pos: int) -> tuple[str, str, int, int]:
    """apiVersion, kind and the span of `raw` in a runtime.Unknown."""
    end = len(buf)
    if pos == end:
        raise _malformed("the envelope is empty")
    api_version = kind = encoding = content_type = ""
    start = stop = end
    while pos < end:
        number, wire, value, pos = _read(buf, pos, end)
        if number in (1, 2, 3, 4) and wire != _LENGTH:
            raise _malformed(f"envelope field {number} has wire type {wire}")
        if number == 1:
            type_pos = value
            while type_pos < pos:
                inner, inner_wire, inner_value, type_pos = _read(buf, type_pos, pos)
                if inner in (1, 2) and inner_wire != _LENGTH:
                    raise _malformed(f"typeMeta field {inner} has wire type {inner_wire}")
                if inner == 1:
                    api_version = _text(buf, inner_value, type_pos)
                elif inner == 2:
                    kind = _text(buf, inner_value, type_pos)
        elif number == 2:
            start, stop = value, pos
        elif number == 3:
            encoding = _text(buf, value, pos)
        elif number == 4:
            content_type = _text(buf, value, pos)
    if encoding:
        raise _malformed(f"content encoding {encoding!r} is not supported")
    if content_type not in ("", CONTENT_TYPE):
        raise _malformed(f"the envelope holds {content_type!r}, not {CONTENT_TYPE}")
    if not kind or not api_version:
        raise _malformed("the envelope does not name the object's apiVersion and kind")
    return api_version, kind, start, stop


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= end:
            raise _malformed("unexpected end of data")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7
        if shift >= 64:
            raise _malformed("varint longer than 10 bytes")


def _read(buf: bytes, pos: int, end: int) -> tuple[int, int, int, int]:
    """One field: number, wire type, value (the integer, or where the payload starts), next position.

    For every wire type but varint, the payload is `buf[value:next]`.
    """
    key = buf[pos]  # callers guarantee pos < end; one-byte keys and lengths are the common case
    if key < 0x80:
        pos += 1
    else:
        key, pos = _varint(buf, pos, end)
    number, wire = key >> 3, key & 7
    if number == 0:
        raise _malformed("field number 0")
    if wire in (_VARINT, _LENGTH):
        if pos < end and buf[pos] < 0x80:
            value, start = buf[pos], pos + 1
        else:
            value, start = _varint(buf, pos, end)
        if wire == _VARINT:
            return number, wire, value, start
        stop = start + value
    elif wire == _FIXED64:
        start, stop = pos, pos + 8
    elif wire == _FIXED32:
        start, stop = pos, pos + 4
    else:
        raise _malformed(f"wire type {wire} is not supported")
    if stop > end:
        raise _malformed("unexpected end of data")
    return number, wire, start, stop


def _text(buf: bytes, start: int, stop: int) -> str:
    """Go keeps invalid UTF-8 in a string and its JSON encoder writes U+FFFD for it; so do we."""
    return buf[start:stop].decode("utf-8", "replace")


def _fields(buf: bytes, pos: int, end: int, msg: Message, depth: int) -> dict[str, Any]:
    """The JSON fields of one message, before the message's own `form`."""
    if depth > MAX_DEPTH:
        raise too_deep()
    table = msg.fields
    seen: dict[int, Any] = {}
    while pos < end:
        number, wire, value, pos = _read(buf, pos, end)
        field = table.get(number)
        if field is None:  # unknown to this table (a newer client): skipped, as Go does
            continue
        if wire != field.wire:
            raise _malformed(f"{msg.name}.{field.name} has wire type {wire}")
        kind = field.kind
        if kind is _MESSAGE:
            if field.repeated:  # an object in a list: two levels down
                seen.setdefault(number, []).append(_message(buf, value, pos, field, depth + 2))
            else:  # decoded at the end, so that a repeated occurrence merges into it as protobuf's do
                seen[number] = seen.get(number, b"") + buf[value:pos]
        elif kind is _MAP:
            key, item = _entry(buf, value, pos, field, depth + 1)
            seen.setdefault(number, {})[key] = item
        elif field.repeated:
            seen.setdefault(number, []).append(_scalar(kind, buf, value, pos, depth))
        else:
            seen[number] = _scalar(kind, buf, value, pos, depth)
    return _render(msg, seen, depth)


def _render(msg: Message, seen: dict[int, Any], depth: int) -> dict[str, Any]:
    """Apply each field's JSON mode, in Go struct order: what is written, what is dropped, what is null."""
    out: dict[str, Any] = {}
    fields = msg.fields
    for number in sorted(seen.keys() | msg.always, key=msg.position.__getitem__):
        field = fields[number]
        mode = field.mode
        if number in seen:
            value = seen[number]
            if field.kind is _MESSAGE and not field.repeated:
                value = _message(value, 0, len(value), field, depth + 1)
        elif mode is Mode.NULL or field.repeated:  # nil pointer, slice or map
            value = None
        else:  # a field JSON always writes: the zero scalar or struct
            value = _zero(field, depth + 1)
        if mode is Mode.INLINE:
            out.update(value)
        elif value or mode is not Mode.OMIT:
            out[field.name] = value
    return out


def _zero(field: Field, depth: int) -> Any:
    if field.kind is _MESSAGE:
        return _message(b"", 0, 0, field, depth)
    return _ZERO[field.kind]


def _message(buf: bytes, start: int, stop: int, field: Field, depth: int) -> Any:
    msg = field.message
    assert msg is not None  # tables give every message field its Message
    fields = _fields(buf, start, stop, msg, depth)
    return fields if msg.form is None else msg.form(fields)


def _entry(buf: bytes, pos: int, end: int, field: Field, depth: int) -> tuple[str, Any]:
    """One map entry: its key, and its value (the value's zero when the entry has none)."""
    value_field = field.value
    assert value_field is not None  # tables give every map field its value
    key, value = "", _ABSENT
    while pos < end:
        number, wire, start, pos = _read(buf, pos, end)
        if number == 1 and wire == _LENGTH:
            key = _text(buf, start, pos)
        elif number == 2 and wire == value_field.wire:
            if value_field.kind is _MESSAGE:
                value = _message(buf, start, pos, value_field, depth + 1)
            else:
                value = _scalar(value_field.kind, buf, start, pos, depth)
        elif number in (1, 2):
            raise _malformed(f"{field.name} entry field {number} has wire type {wire}")
    return key, _zero(value_field, depth + 1) if value is _ABSENT else value


def _scalar(kind: Kind, buf: bytes, value: int, stop: int, depth: int) -> Any:
    if kind is _STRING:
        return _text(buf, value, stop)
    if kind is _INT64:
        return value - (1 << 64) if value >> 63 else value
    if kind is _INT32:  # Go keeps the low 32 bits of the varint
        value &= 0xFFFFFFFF
        return value - (1 << 32) if value >> 31 else value
    if kind is _BOOL:
        return value != 0
    if kind is _BYTES:
        return base64.b64encode(buf[value:stop]).decode("ascii")
    if kind is _DOUBLE:
        return _number(_DOUBLE_STRUCT.unpack_from(buf, value)[0])
    return _embedded_json(buf[value:stop], depth)


def _number(value: float) -> int | float:
    """A float64 as Go's JSON encoder writes it: integral values without a fraction, no NaN or Inf."""
    if not math.isfinite(value):
        raise BadRequest(f"unsupported number {value} (JSON has no NaN or Infinity)")
    return int(value) if value.is_integer() and abs(value) < 1e21 else value


def _embedded_json(data: bytes, depth: int) -> Any:
    """Raw JSON carried in bytes (RawExtension, FieldsV1, apiextensions JSON): the value it holds."""
    if not data:
        return None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise BadRequest(f"the protobuf body of the request embeds invalid JSON: {e}") from None
    check_depth(value, depth + 1)
    return value
