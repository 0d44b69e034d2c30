"""The vocabulary of the protobuf message tables: field kinds, JSON modes, and the special meta types.

A table says, for each field number of a Kubernetes protobuf message, the JSON name and how Go's
`encoding/json` would render the decoded Go value: `Mode` captures the struct tag (`omitempty`, pointer
or not, inlined), `Message.form` the types with their own JSON marshalling (Time, IntOrString, ...).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from kcp.apimachinery.errors import BadRequest


class Kind(enum.Enum):
    """What a field carries on the wire and how its value turns into JSON."""

    STRING = "string"  # text; invalid UTF-8 becomes U+FFFD, as Go's JSON encoder does
    BYTES = "bytes"  # base64 text, as JSON renders []byte
    JSON = "json"  # bytes holding a JSON document, embedded as the value itself
    INT32 = "int32"
    INT64 = "int64"
    BOOL = "bool"
    DOUBLE = "double"
    MESSAGE = "message"
    MAP = "map"  # map<string, V>: on the wire repeated entries {1: key, 2: value}, in JSON an object


WIRE_TYPES = {
    Kind.STRING: 2,
    Kind.BYTES: 2,
    Kind.JSON: 2,
    Kind.MESSAGE: 2,
    Kind.MAP: 2,
    Kind.INT32: 0,
    Kind.INT64: 0,
    Kind.BOOL: 0,
    Kind.DOUBLE: 1,
}


class Mode(enum.Enum):
    """How Go's JSON encoder treats the field, after the struct tag and the Go type."""

    OMIT = "omit"  # a value with `omitempty` (or `omitzero`): dropped when zero or empty
    KEEP = "keep"  # a value without `omitempty`, or any struct: always written, its zero when absent
    PTR = "ptr"  # a pointer with `omitempty`: written exactly when it is on the wire
    NULL = "null"  # a pointer without `omitempty`: null when absent
    INLINE = "inline"  # an embedded struct: its fields join the parent object


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a message table."""

    number: int
    name: str
    kind: Kind
    mode: Mode = Mode.OMIT
    repeated: bool = False
    message: Message | None = None  # for Kind.MESSAGE
    value: Field | None = None  # for Kind.MAP: how the entries' values are read
    wire: int = field(init=False)  # the protobuf wire type the kind travels as

    def __post_init__(self) -> None:
        object.__setattr__(self, "wire", WIRE_TYPES[self.kind])


Form = Callable[[dict[str, Any]], Any]


class Message:
    """A message table: its fields in Go struct order, and the JSON form when the type marshals itself."""

    __slots__ = ("always", "fields", "form", "name", "position")

    def __init__(self, name: str, fields: Sequence[Field] = (), form: Form | None = None) -> None:
        self.name = name
        self.form = form
        self.fields: dict[int, Field] = {}
        self.position: dict[int, int] = {}  # field number -> place in the Go struct, for JSON key order
        self.always: frozenset[int] = frozenset()  # fields JSON writes even when absent from the wire
        self.define(fields)

    def define(self, fields: Sequence[Field]) -> None:
        """Set the fields; recursive types are declared first and defined once their parts exist."""
        self.fields = {f.number: f for f in fields}
        if len(self.fields) != len(fields) or len({f.name for f in fields}) != len(fields):
            raise ValueError(f"message table {self.name} repeats a field number or name")
        self.position = {f.number: i for i, f in enumerate(fields)}
        self.always = frozenset(f.number for f in fields if f.mode not in (Mode.OMIT, Mode.PTR))

    def __repr__(self) -> str:
        return f"Message({self.name})"


def string(number: int, name: str, mode: Mode = Mode.OMIT) -> Field:
    return Field(number, name, Kind.STRING, mode)


def strings(number: int, name: str, mode: Mode = Mode.OMIT) -> Field:
    return Field(number, name, Kind.STRING, mode, repeated=True)


def int32(number: int, name: str, mode: Mode = Mode.OMIT) -> Field:
    return Field(number, name, Kind.INT32, mode)


def int64(number: int, name: str, mode: Mode = Mode.OMIT) -> Field:
    return Field(number, name, Kind.INT64, mode)


def boolean(number: int, name: str, mode: Mode = Mode.OMIT) -> Field:
    return Field(number, name, Kind.BOOL, mode)


def double(number: int, name: str, mode: Mode = Mode.OMIT) -> Field:
    return Field(number, name, Kind.DOUBLE, mode)


def binary(number: int, name: str, mode: Mode = Mode.OMIT) -> Field:
    return Field(number, name, Kind.BYTES, mode)


def message(number: int, name: str, msg: Message, mode: Mode = Mode.KEEP) -> Field:
    """A singular message; the default suits a Go struct value, which JSON always writes."""
    return Field(number, name, Kind.MESSAGE, mode, message=msg)


def messages(number: int, name: str, msg: Message, mode: Mode = Mode.OMIT) -> Field:
    return Field(number, name, Kind.MESSAGE, mode, repeated=True, message=msg)


def mapping(number: int, name: str, value: Kind | Message, mode: Mode = Mode.OMIT) -> Field:
    """A `map<string, value>` field; an entry without a value gets the value's zero, as in Go."""
    if isinstance(value, Message):
        value_field = Field(2, "value", Kind.MESSAGE, Mode.KEEP, message=value)
    else:
        value_field = Field(2, "value", value, Mode.KEEP)
    return Field(number, name, Kind.MAP, mode, repeated=True, value=value_field)


# ---- the meta types that marshal themselves -------------------------------------------------------

_YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _timestamp(seconds: int, micros: int) -> datetime | None:
    """The instant, or None for Go's zero time (January 1, year 1, UTC)."""
    try:
        when = _EPOCH + timedelta(seconds=seconds, microseconds=micros)
    except OverflowError:
        raise BadRequest(f"timestamp out of range: {seconds}s") from None
    return None if when == _YEAR_ONE else when


def _rfc3339(when: datetime, micro: bool) -> str:
    text = (
        f"{when.year:04d}-{when.month:02d}-{when.day:02d}T{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
    )
    return f"{text}.{when.microsecond:06d}Z" if micro else f"{text}Z"


def _time_form(value: dict[str, Any]) -> str | None:
    """metav1.Time: whole seconds (protobuf nanos are dropped, as Go does); zero time is null."""
    if not value:
        return None
    when = _timestamp(value.get("seconds", 0), 0)
    return None if when is None else _rfc3339(when, micro=False)


def _micro_time_form(value: dict[str, Any]) -> str | None:
    """metav1.MicroTime: nanos truncated toward zero to microseconds; zero time is null."""
    if not value:
        return None
    nanos = value.get("nanos", 0)
    micros = abs(nanos) // 1000 * (1 if nanos >= 0 else -1)
    when = _timestamp(value.get("seconds", 0), micros)
    return None if when is None else _rfc3339(when, micro=True)


def _int_or_string_form(value: dict[str, Any]) -> int | str:
    if value["type"] == 0:
        return int(value["intVal"])
    if value["type"] == 1:
        return str(value["strVal"])
    raise BadRequest(f"invalid IntOrString type {value['type']}")


_TIMESTAMP_FIELDS = [int64(1, "seconds", Mode.PTR), int32(2, "nanos", Mode.PTR)]
TIME = Message("Time", _TIMESTAMP_FIELDS, form=_time_form)
MICRO_TIME = Message("MicroTime", _TIMESTAMP_FIELDS, form=_micro_time_form)
INT_OR_STRING = Message(
    "IntOrString",
    [int64(1, "type", Mode.KEEP), int32(2, "intVal", Mode.KEEP), string(3, "strVal", Mode.KEEP)],
    form=_int_or_string_form,
)
# resource.Quantity: the canonical string; a zero Quantity renders as "0".
QUANTITY = Message("Quantity", [string(1, "string", Mode.PTR)], form=lambda v: v.get("string", "0"))
# runtime.RawExtension, metav1.FieldsV1, apiextensions JSON: raw JSON bytes, embedded as the value.
RAW_JSON = Message("RawJSON", [Field(1, "raw", Kind.JSON, Mode.PTR)], form=lambda v: v.get("raw"))
# `type X []string` wrappers (authentication ExtraValue, AttestationValue): a list, null when empty.
STRING_LIST = Message("StringList", [strings(1, "items", Mode.KEEP)], form=lambda v: v["items"])
