"""Field selectors parse, escape, match and get checked per kind as kube-apiserver's do."""

from __future__ import annotations

from typing import Any

import pytest

from kcp.apimachinery.errors import BadRequest
from kcp.apimachinery.fields import (
    FieldOperator,
    FieldRequirement,
    convert_custom_resource_selector,
    convert_field_selector,
    escape_value,
    field_extractors,
    json_path_extractor,
    object_fields,
    parse_field_selector,
    selectable_fields,
)


@pytest.mark.parametrize(
    ("text", "requirements"),
    [
        ("", ()),
        (",", ()),
        ("a=b", (("a", "=", "b"),)),
        ("a==b", (("a", "==", "b"),)),
        ("a!=b", (("a", "!=", "b"),)),
        ("a=", (("a", "=", ""),)),
        ("=b", (("", "=", "b"),)),
        ("a=!b", (("a", "=", "!b"),)),
        ("a!b=c", (("a!b", "=", "c"),)),
        ("b=2,a=1", (("a", "=", "1"), ("b", "=", "2"))),  # terms are sorted as text
        ("a=1,,b=2", (("a", "=", "1"), ("b", "=", "2"))),
        (
            "metadata.name=x,metadata.namespace!=y",
            (("metadata.name", "=", "x"), ("metadata.namespace", "!=", "y")),
        ),
        (r"a=x\,y", (("a", "=", "x,y"),)),
        (r"a=x\=y", (("a", "=", "x=y"),)),
        (r"a=x\\y", (("a", "=", "x\\y"),)),
        (r"a=\\", (("a", "=", "\\"),)),
        ("a= b ", (("a", "=", " b "),)),  # no trimming
    ],
)
def test_parse(text: str, requirements: tuple[tuple[str, str, str], ...]) -> None:
    parsed = parse_field_selector(text)
    assert parsed.requirements == tuple(
        FieldRequirement(f, FieldOperator(op), v) for f, op, v in requirements
    )
    assert parsed.empty is (not requirements)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a", "invalid selector: 'a'; can't understand 'a'"),
        ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
        ("a<b", "invalid selector: 'a<b'; can't understand 'a<b'"),
        ("a=b=c", "invalid field selector: unescaped character in value: 61"),
        ("a==b=c", "invalid field selector: unescaped character in value: 61"),
        ("a!=b==", "invalid field selector: unescaped character in value: 61"),
        ("a!==b", "invalid field selector: unescaped character in value: 61"),
        ("a=b,c=d,e=f,g", "invalid selector: 'a=b,c=d,e=f,g'; can't understand 'g'"),
        (r"a=b\x", r"invalid field selector: invalid escape sequence: \x"),
        ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
        (r"a=b\,c,d", "invalid selector: 'a=b\\,c,d'; can't understand 'd'"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_field_selector(text)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("a==b", "a=b"), ("b!=1,a=2", "a=2,b!=1"), (r"a=x\,y\=z\\", r"a=x\,y\=z\\"), ("", "")],
)
def test_str(text: str, canonical: str) -> None:
    assert str(parse_field_selector(text)) == canonical


def test_escape_value_round_trips() -> None:
    value = "a,b=c\\d"
    assert escape_value(value) == r"a\,b\=c\\d"
    assert parse_field_selector(f"x={escape_value(value)}").requirements[0].value == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", True),
        ("metadata.name=cm", True),
        ("metadata.name==cm", True),
        ("metadata.name=other", False),
        ("metadata.name!=other", True),
        ("metadata.name!=cm", False),
        ("metadata.namespace=ns,metadata.name=cm", True),
        ("metadata.namespace=ns,metadata.name=x", False),
        ("absent=", True),  # a field the object lacks reads as ""
        ("absent!=", False),
    ],
)
def test_matches(text: str, expected: bool) -> None:
    fields = {"metadata.name": "cm", "metadata.namespace": "ns"}
    assert parse_field_selector(text).matches(fields) is expected


def test_object_fields_metadata() -> None:
    assert object_fields({"metadata": {"name": "a", "namespace": "n"}}) == {
        "metadata.name": "a",
        "metadata.namespace": "n",
    }
    assert object_fields({"metadata": {"name": "cluster-scoped"}}) == {"metadata.name": "cluster-scoped"}


CORE_EVENT: dict[str, Any] = {
    "metadata": {"name": "e", "namespace": "n"},
    "involvedObject": {
        "kind": "Pod",
        "namespace": "n",
        "name": "p",
        "uid": "u1",
        "apiVersion": "v1",
        "resourceVersion": "7",
        "fieldPath": "spec.containers{c}",
    },
    "reason": "Started",
    "type": "Normal",
    "reportingComponent": "kubelet",
    "source": {"component": "kubelet-src"},
}


def test_core_event_fields() -> None:
    fields = object_fields(CORE_EVENT, field_extractors("", "Event"))
    assert fields == {
        "metadata.name": "e",
        "metadata.namespace": "n",
        "involvedObject.kind": "Pod",
        "involvedObject.namespace": "n",
        "involvedObject.name": "p",
        "involvedObject.uid": "u1",
        "involvedObject.apiVersion": "v1",
        "involvedObject.resourceVersion": "7",
        "involvedObject.fieldPath": "spec.containers{c}",
        "reason": "Started",
        "reportingComponent": "kubelet",
        "source": "kubelet-src",
        "type": "Normal",
    }
    # without source.component, `source` is the reporting controller
    no_source = {**CORE_EVENT, "source": {}}
    assert object_fields(no_source, field_extractors("", "Event"))["source"] == "kubelet"


def test_events_v1_selected_by_regarding() -> None:
    event = {
        "metadata": {"name": "e", "namespace": "n"},
        "regarding": {"kind": "Pod", "name": "p"},
        "reportingController": "ctrl",
        "reason": "Killing",
        "type": "Warning",
    }
    selector = convert_field_selector(
        parse_field_selector(
            "regarding.kind=Pod,regarding.name=p,reportingController=ctrl,source=ctrl,type=Warning"
        ),
        "events.k8s.io",
        "Event",
    )
    assert str(selector) == (
        "involvedObject.kind=Pod,involvedObject.name=p,reportingComponent=ctrl,source=ctrl,type=Warning"
    )
    assert selector.matches(object_fields(event, field_extractors("events.k8s.io", "Event")))
    other = convert_field_selector(parse_field_selector("regarding.name=q"), "events.k8s.io", "Event")
    assert not other.matches(object_fields(event, field_extractors("events.k8s.io", "Event")))


@pytest.mark.parametrize(
    ("group", "kind", "fields"),
    [
        ("", "Namespace", {"metadata.name", "status.phase"}),
        ("", "Secret", {"metadata.name", "metadata.namespace", "type"}),
        ("", "ConfigMap", {"metadata.name", "metadata.namespace"}),
        ("rbac.authorization.k8s.io", "ClusterRole", {"metadata.name", "metadata.namespace"}),
    ],
)
def test_selectable_fields(group: str, kind: str, fields: set[str]) -> None:
    assert selectable_fields(group, kind) == fields


def test_selectable_fields_events() -> None:
    core = selectable_fields("", "Event")
    assert {"involvedObject.uid", "reportingComponent", "source", "metadata.namespace"} <= core
    assert "regarding.uid" not in core
    v1 = selectable_fields("events.k8s.io", "Event")
    assert {"regarding.uid", "reportingController", "source", "type", "reason"} <= v1
    assert "involvedObject.uid" not in v1


def test_namespace_and_secret_fields() -> None:
    ns = {"metadata": {"name": "n"}, "status": {"phase": "Terminating"}}
    sel = convert_field_selector(parse_field_selector("status.phase=Terminating"), "", "Namespace")
    assert sel.matches(object_fields(ns, field_extractors("", "Namespace")))
    secret = {"metadata": {"name": "s", "namespace": "n"}, "type": "Opaque"}
    sel = convert_field_selector(parse_field_selector("type!=Opaque"), "", "Secret")
    assert not sel.matches(object_fields(secret, field_extractors("", "Secret")))


@pytest.mark.parametrize(
    ("group", "kind", "text", "message"),
    [
        ("", "Namespace", "metadata.namespace=x", "field label not supported: metadata.namespace"),
        ("", "Secret", "data=x", "field label not supported: data"),
        ("", "Event", "regarding.name=x", "field label not supported: regarding.name"),
        ("events.k8s.io", "Event", "involvedObject.name=x", "field label not supported: involvedObject.name"),
        (
            "",
            "ConfigMap",
            "data.x=y",
            '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
        ),
        (
            "rbac.authorization.k8s.io",
            "Role",
            "rules=x",
            '"rules" is not a known field selector: only "metadata.name", "metadata.namespace"',
        ),
    ],
)
def test_unsupported_labels(group: str, kind: str, text: str, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        convert_field_selector(parse_field_selector(text), group, kind)
    assert caught.value.message == message


def test_default_kinds_accept_name_and_namespace() -> None:
    sel = convert_field_selector(
        parse_field_selector("metadata.namespace=a,metadata.name=b"), "", "ConfigMap"
    )
    assert str(sel) == "metadata.name=b,metadata.namespace=a"
    assert field_extractors("", "ConfigMap") == {}


def test_custom_resources() -> None:
    sel = parse_field_selector("spec.color=red,metadata.namespace=n")
    converted = convert_custom_resource_selector(sel, namespaced=True, selectable=[".spec.color"])
    assert converted == sel
    with pytest.raises(BadRequest) as caught:
        convert_custom_resource_selector(sel, namespaced=False, selectable=[".spec.color"])
    assert caught.value.message == "field label not supported: metadata.namespace"
    with pytest.raises(BadRequest) as caught:
        convert_custom_resource_selector(sel, namespaced=True)
    assert caught.value.message == "field label not supported: spec.color"


def test_selectable_fields_read_as_kube_prints_them() -> None:
    obj = {"spec": {"color": "blue", "size": 3, "on": False, "labels": {"team": "a"}, "gone": None}}
    read = {
        p: json_path_extractor(p)(obj) for p in (".spec.color", ".spec.size", ".spec.on", ".spec.labels.team")
    }
    assert read == {".spec.color": "blue", ".spec.size": "3", ".spec.on": "false", ".spec.labels.team": "a"}
    assert json_path_extractor(".spec.gone")(obj) == "" and json_path_extractor(".spec.x.y")(obj) == ""
