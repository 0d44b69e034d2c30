"""The protobuf envelope and wire: what decodes, what is a 400, what is a 415, and fuzzing.

Bodies come from the test-only encoder in tests/support/protowire.py and from the protobuf package's
own encoder, both built from the field numbers in Kubernetes' generated.proto files.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.protowire import MAGIC, b, d, decodes_or_refuses, entry, envelope, i, m, s, tag, varint

from kcp.apimachinery.errors import BadRequest, UnsupportedMediaType
from kcp.apimachinery.protobuf import UNKNOWN_FORMAT, decode_protobuf
from kcp.apimachinery.protobuf_types import Field, Kind, Message
from kcp.apimachinery.prototables import KINDS

# ---- the protobuf package's own encoder -----------------------------------------------------------


def _configmap_classes() -> tuple[Any, Any]:
    """ConfigMap, ObjectMeta, Time and runtime.Unknown as protobuf descriptors, real map fields included."""
    T = FieldDescriptor
    fdp = descriptor_pb2.FileDescriptorProto(name="k8s_test.proto", package="k8stest", syntax="proto2")

    def message(name: str, *fields: tuple[str, int, int, int, str]) -> descriptor_pb2.DescriptorProto:
        msg = fdp.message_type.add(name=name)
        for field_name, number, kind, label, type_name in fields:
            field = msg.field.add(name=field_name, number=number, type=kind, label=label)
            if type_name:
                field.type_name = type_name
        return msg

    opt, rep = T.LABEL_OPTIONAL, T.LABEL_REPEATED
    message("Time", ("seconds", 1, T.TYPE_INT64, opt, ""), ("nanos", 2, T.TYPE_INT32, opt, ""))
    message(
        "OwnerReference",
        ("kind", 1, T.TYPE_STRING, opt, ""),
        ("name", 3, T.TYPE_STRING, opt, ""),
        ("uid", 4, T.TYPE_STRING, opt, ""),
        ("apiVersion", 5, T.TYPE_STRING, opt, ""),
        ("controller", 6, T.TYPE_BOOL, opt, ""),
    )
    meta = message(
        "ObjectMeta",
        ("name", 1, T.TYPE_STRING, opt, ""),
        ("namespace", 3, T.TYPE_STRING, opt, ""),
        ("generation", 7, T.TYPE_INT64, opt, ""),
        ("creationTimestamp", 8, T.TYPE_MESSAGE, opt, ".k8stest.Time"),
        ("deletionGracePeriodSeconds", 10, T.TYPE_INT64, opt, ""),
        ("labels", 11, T.TYPE_MESSAGE, rep, ".k8stest.ObjectMeta.LabelsEntry"),
        ("ownerReferences", 13, T.TYPE_MESSAGE, rep, ".k8stest.OwnerReference"),
        ("finalizers", 14, T.TYPE_STRING, rep, ""),
    )
    labels = meta.nested_type.add(name="LabelsEntry")
    labels.options.map_entry = True
    labels.field.add(name="key", number=1, type=T.TYPE_STRING, label=opt)
    labels.field.add(name="value", number=2, type=T.TYPE_STRING, label=opt)
    configmap = message(
        "ConfigMap",
        ("metadata", 1, T.TYPE_MESSAGE, opt, ".k8stest.ObjectMeta"),
        ("binaryData", 3, T.TYPE_MESSAGE, rep, ".k8stest.ConfigMap.BinaryDataEntry"),
        ("immutable", 4, T.TYPE_BOOL, opt, ""),
    )
    binary = configmap.nested_type.add(name="BinaryDataEntry")
    binary.options.map_entry = True
    binary.field.add(name="key", number=1, type=T.TYPE_STRING, label=opt)
    binary.field.add(name="value", number=2, type=T.TYPE_BYTES, label=opt)
    message("TypeMeta", ("apiVersion", 1, T.TYPE_STRING, opt, ""), ("kind", 2, T.TYPE_STRING, opt, ""))
    message(
        "Unknown",
        ("typeMeta", 1, T.TYPE_MESSAGE, opt, ".k8stest.TypeMeta"),
        ("raw", 2, T.TYPE_BYTES, opt, ""),
        ("contentEncoding", 3, T.TYPE_STRING, opt, ""),
        ("contentType", 4, T.TYPE_STRING, opt, ""),
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return (
        message_factory.GetMessageClass(pool.FindMessageTypeByName("k8stest.ConfigMap")),
        message_factory.GetMessageClass(pool.FindMessageTypeByName("k8stest.Unknown")),
    )


def test_bodies_from_the_protobuf_package_encoder() -> None:
    ConfigMap, Unknown = _configmap_classes()
    cm = ConfigMap(immutable=False)
    cm.metadata.name = "cm"
    cm.metadata.namespace = "ns"
    cm.metadata.generation = -3
    cm.metadata.creationTimestamp.seconds = 1_700_000_000
    cm.metadata.deletionGracePeriodSeconds = 0
    cm.metadata.labels["app"] = "x"
    cm.metadata.ownerReferences.add(
        kind="Deployment", name="d", uid="u1", apiVersion="apps/v1", controller=True
    )
    cm.metadata.finalizers.extend(["a/b", "c/d"])
    cm.binaryData["k"] = b"\x00\x01"
    unknown = Unknown(raw=cm.SerializeToString(), contentType="application/vnd.kubernetes.protobuf")
    unknown.typeMeta.apiVersion, unknown.typeMeta.kind = "v1", "ConfigMap"
    assert decode_protobuf(MAGIC + unknown.SerializeToString()) == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {
            "name": "cm",
            "namespace": "ns",
            "generation": -3,
            "creationTimestamp": "2023-11-14T22:13:20Z",
            "deletionGracePeriodSeconds": 0,  # a pointer: present, so written even though zero
            "labels": {"app": "x"},
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d", "uid": "u1", "controller": True}
            ],
            "finalizers": ["a/b", "c/d"],
        },
        "immutable": False,
        "binaryData": {"k": "AAE="},
    }


# ---- the envelope ---------------------------------------------------------------------------------


def test_unknown_kind_is_415_with_the_accepted_types() -> None:
    with pytest.raises(UnsupportedMediaType) as err:
        decode_protobuf(envelope("apps/v1", "Deployment", m(1, s(1, "d"))))
    assert err.value.code == 415
    assert err.value.message == UNKNOWN_FORMAT
    assert UNKNOWN_FORMAT == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json, application/yaml"
    )
    with pytest.raises(UnsupportedMediaType):  # the kind is known, the version is not
        decode_protobuf(envelope("v2", "ConfigMap"))


def test_delete_options_under_any_group_version() -> None:
    body = [i(1, 30), m(2, s(1, "uid-1"), s(2, "")), s(4, "Foreground"), s(5, "All")]
    for api_version in ("v1", "rbac.authorization.k8s.io/v1", "meta.k8s.io/v1"):
        assert decode_protobuf(envelope(api_version, "DeleteOptions", *body)) == {
            "kind": "DeleteOptions",
            "apiVersion": api_version,
            "gracePeriodSeconds": 30,
            "preconditions": {"uid": "uid-1", "resourceVersion": ""},
            "propagationPolicy": "Foreground",
            "dryRun": ["All"],
        }


def test_envelope_without_raw_is_the_zero_object() -> None:
    body = MAGIC + m(1, s(1, "v1"), s(2, "Namespace"))
    assert decode_protobuf(body) == {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {},
        "spec": {},
        "status": {},
    }


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"k8s", id="short-prefix"),
        pytest.param(b'{"kind":"ConfigMap"}', id="json"),
        pytest.param(MAGIC, id="prefix-only"),
        pytest.param(MAGIC + m(1, s(2, "ConfigMap")), id="no-apiVersion"),
        pytest.param(MAGIC + m(1, s(1, "v1")), id="no-kind"),
        pytest.param(envelope("v1", "ConfigMap", extra=s(3, "gzip")), id="content-encoding"),
        pytest.param(envelope("v1", "ConfigMap", extra=s(4, "application/json")), id="content-type"),
        pytest.param(MAGIC + i(1, 5), id="typeMeta-as-varint"),
        pytest.param(envelope("v1", "ConfigMap")[:-1], id="truncated-envelope"),
    ],
)
def test_malformed_envelopes_are_bad_requests(body: bytes) -> None:
    with pytest.raises(BadRequest):
        decode_protobuf(body)


# ---- the wire -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param([m(1, s(1, "x"))[:-1]], id="truncated-message"),
        pytest.param([tag(1, 2) + varint(1000)], id="length-past-the-end"),
        pytest.param([tag(1, 2) + b"\xff" * 11], id="varint-too-long"),
        pytest.param([i(0, 1)], id="field-number-0"),
        pytest.param([tag(9, 3)], id="group-wire-type"),
        pytest.param([tag(9, 6)], id="wire-type-6"),
        pytest.param([tag(9, 1) + b"\x00" * 7], id="truncated-fixed64"),
        pytest.param([tag(9, 5) + b"\x00" * 3], id="truncated-fixed32"),
        pytest.param([i(1, 5)], id="metadata-as-varint"),
        pytest.param([m(1, s(7, "1"))], id="generation-as-bytes"),
        pytest.param([m(1, m(11, i(1, 1)))], id="map-key-as-varint"),
        pytest.param([m(1, m(11, s(1, "k"), i(2, 1)))], id="map-value-as-varint"),
    ],
)
def test_malformed_messages_are_bad_requests(fields: list[bytes]) -> None:
    with pytest.raises(BadRequest):
        decode_protobuf(envelope("v1", "ConfigMap", *fields))


def test_unknown_fields_are_skipped_whatever_their_wire_type() -> None:
    unknown = i(90, 1 << 63) + d(91, 1.5) + tag(92, 5) + b"\x01\x02\x03\x04" + s(93, "newer client")
    body = envelope("v1", "ConfigMap", unknown, m(1, s(1, "cm"), unknown), extra=unknown)
    assert decode_protobuf(body) == {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "cm"}}


def test_repeated_singular_fields_merge_as_protobuf_does() -> None:
    body = envelope("v1", "ConfigMap", m(1, s(1, "a"), s(3, "ns")), m(1, s(1, "b"), s(14, "f")))
    assert decode_protobuf(body)["metadata"] == {"name": "b", "namespace": "ns", "finalizers": ["f"]}


def test_invalid_utf8_becomes_replacement_characters_as_go_json_writes_it() -> None:
    body = envelope("v1", "ConfigMap", m(1, b(1, b"bad\xffname")), entry(2, "k", b(2, b"\xc3")))
    decoded = decode_protobuf(body)
    assert decoded["metadata"]["name"] == "bad\ufffdname"
    assert decoded["data"] == {"k": "\ufffd"}


def test_map_entries_without_a_value_get_the_zero_and_later_keys_win() -> None:
    body = envelope("v1", "Secret", entry(2, "none"), entry(2, "k", b(2, b"1")), entry(2, "k", b(2, b"2")))
    assert decode_protobuf(body)["data"] == {"none": None, "k": "Mg=="}  # Go: a nil []byte is null


def test_integers_keep_their_sign_and_width() -> None:
    body = envelope(
        "v1",
        "Event",
        m(1, i(7, -1), i(10, -(1 << 63))),
        i(8, -2),  # count, int32: ten-byte varint
        m(11, i(1, (1 << 32) + 7)),  # series.count: Go keeps the low 32 bits
    )
    decoded = decode_protobuf(body)
    assert decoded["metadata"] == {"generation": -1, "deletionGracePeriodSeconds": -(1 << 63)}
    assert decoded["count"] == -2
    assert decoded["series"] == {"count": 7, "lastObservedTime": None}


def _nested_not(depth: int) -> bytes:
    schema = s(5, "string")
    for _ in range(depth):
        schema = m(28, schema)
    return schema


def _crd_with_schema(schema: bytes) -> bytes:
    version = m(7, s(1, "v1"), m(4, b(1, schema)))
    return envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", m(2, version))


def test_nesting_is_bounded_like_json_bodies() -> None:
    assert decode_protobuf(_crd_with_schema(_nested_not(80)))
    with pytest.raises(BadRequest, match="nested too deeply"):
        decode_protobuf(_crd_with_schema(_nested_not(200)))
    deep_json = b"[" * 150 + b"]" * 150
    with pytest.raises(BadRequest, match="nested too deeply"):
        decode_protobuf(_crd_with_schema(m(8, b(1, deep_json))))


@pytest.mark.parametrize(
    "schema",
    [
        pytest.param(m(8, b(1, b"{not json")), id="default-not-json"),
        pytest.param(d(9, float("nan")), id="maximum-nan"),
        pytest.param(d(11, float("-inf")), id="minimum-inf"),
    ],
)
def test_values_json_cannot_carry_are_bad_requests(schema: bytes) -> None:
    with pytest.raises(BadRequest):
        decode_protobuf(_crd_with_schema(schema))


@pytest.mark.parametrize(
    ("seconds", "nanos"),
    [(253402300800, 0), (-62135596801, 0), (1 << 62, 0), (-(1 << 62), 999_999_999)],
)
def test_times_out_of_range_are_bad_requests(seconds: int, nanos: int) -> None:
    with pytest.raises(BadRequest):
        decode_protobuf(envelope("v1", "Namespace", m(1, m(9, i(1, seconds), i(2, nanos)))))


def test_int_or_string_of_unknown_type_is_a_bad_request() -> None:
    spec = m(2, m(1, i(1, 2), s(3, "x")))
    with pytest.raises(BadRequest, match="IntOrString"):
        decode_protobuf(envelope("policy/v1", "PodDisruptionBudget", spec))


# ---- fuzzing: any input is an object, a 400 or a 415 ----------------------------------------------

_KNOWN = sorted(KINDS)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(data: bytes) -> None:
    decodes_or_refuses(data)
    decodes_or_refuses(MAGIC + data)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(_KNOWN), st.binary(max_size=400))
def test_fuzz_random_objects_of_every_known_kind(group_kind: tuple[str, str], raw: bytes) -> None:
    decodes_or_refuses(envelope(*group_kind, raw))


@functools.cache
def _field_wire(field: Field, depth: int) -> st.SearchStrategy[bytes]:
    """Any value of the field's kind, encoded as the field; messages recurse a few levels."""
    number = field.number
    if field.kind is Kind.MESSAGE:
        assert field.message is not None
        return _message_wire(field.message, depth + 1).map(lambda body: m(number, body))
    if field.kind is Kind.MAP:
        assert field.value is not None
        value = st.one_of(st.just(b""), _field_wire(field.value, depth))
        return st.builds(lambda key, v: entry(number, key, v), st.text(max_size=4), value)
    if field.kind is Kind.STRING:
        return st.text(max_size=8).map(lambda text: s(number, text))
    if field.kind is Kind.BYTES:
        return st.binary(max_size=8).map(lambda data: b(number, data))
    if field.kind is Kind.JSON:
        documents = [b"", b"1", b'{"a":[1,null]}', b'"x"', b"{bad", b"[" * 120 + b"]" * 120]
        return st.sampled_from(documents).map(lambda data: b(number, data))
    if field.kind is Kind.DOUBLE:
        return st.floats().map(lambda x: d(number, x))
    return st.integers(-(1 << 63), (1 << 64) - 1).map(lambda x: i(number, x))


@functools.cache
def _message_wire(msg: Message, depth: int) -> st.SearchStrategy[bytes]:
    if depth > 3 or not msg.fields:
        return st.just(b"")
    known = st.sampled_from(list(msg.fields.values())).flatmap(lambda f: _field_wire(f, depth))
    stray = st.builds(i, st.integers(1, 50), st.integers(0, 3))  # unknown fields, or a wrong wire type
    return st.lists(st.one_of(known, known, known, stray), max_size=6).map(b"".join)


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(_KNOWN).flatmap(lambda gk: st.tuples(st.just(gk), _message_wire(KINDS[gk], 0))))
def test_fuzz_typed_fields_of_every_known_kind(case: tuple[tuple[str, str], bytes]) -> None:
    group_kind, raw = case
    decodes_or_refuses(envelope(*group_kind, raw))
