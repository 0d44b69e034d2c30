"""Tables carry kube-apiserver's columns and cells: kubectl prints them verbatim."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kcp.apimachinery.errors import BadRequest
from kcp.registry.jsonpath import JSONPathError, compile_jsonpath, find_jsonpath
from kcp.registry.tables import to_table

NOW = datetime(2024, 5, 10, 12, 0, 0, tzinfo=UTC)
CREATED = "2024-05-10T11:55:00Z"  # 5m before NOW


def meta(name: str = "x", **extra: Any) -> dict[str, Any]:
    return {"name": name, "creationTimestamp": CREATED, **extra}


def table(kind: tuple[str, str], *objects: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("list_meta", {})
    return to_table(kind, list(objects), now=NOW, **kwargs)


def headers(result: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [(c["name"], c["type"], c["format"], c["priority"]) for c in result["columnDefinitions"]]


def cells(result: dict[str, Any]) -> list[list[Any]]:
    return [row["cells"] for row in result["rows"]]


NAME = ("Name", "string", "name", 0)
AGE = ("Age", "string", "", 0)


def test_table_envelope() -> None:
    obj = {"metadata": meta("cm", namespace="d", resourceVersion="3", labels={"a": "b"}), "data": {}}
    result = table(("", "ConfigMap"), obj, list_meta={"resourceVersion": "9", "continue": "tok"})
    assert result["apiVersion"] == "meta.k8s.io/v1"
    assert result["kind"] == "Table"
    assert result["metadata"] == {"resourceVersion": "9", "continue": "tok"}
    assert result["rows"][0]["object"] == {
        "apiVersion": "meta.k8s.io/v1",
        "kind": "PartialObjectMetadata",
        "metadata": obj["metadata"],
    }
    for column in result["columnDefinitions"]:
        assert set(column) == {"name", "type", "format", "description", "priority"}
        assert column["description"]


def test_list_meta_remaining_count_and_empty_list() -> None:
    result = table(("", "ConfigMap"), list_meta={"resourceVersion": "", "remainingItemCount": 0})
    assert result["metadata"] == {"remainingItemCount": 0}
    assert result["rows"] == []


@pytest.mark.parametrize(
    ("include", "expected"),
    [("None", None), ("Object", "whole"), ("Metadata", "partial"), ("", "partial")],
)
def test_include_object(include: str, expected: str | None) -> None:
    obj = {"metadata": meta("n"), "status": {"phase": "Active"}}
    row = table(("", "Namespace"), obj, include_object=include)["rows"][0]
    if expected is None:
        assert row["object"] is None
    elif expected == "whole":
        assert row["object"] is obj
    else:
        assert row["object"]["kind"] == "PartialObjectMetadata"


def test_unknown_include_object() -> None:
    with pytest.raises(BadRequest) as caught:
        table(("", "Namespace"), include_object="Everything")
    assert caught.value.message == 'unrecognized includeObject value: "Everything"'


def test_namespace() -> None:
    result = table(("", "Namespace"), {"metadata": meta("ns"), "status": {"phase": "Terminating"}})
    assert headers(result) == [NAME, ("Status", "string", "", 0), AGE]
    assert result["columnDefinitions"][1]["description"] == "The status of the namespace"
    assert cells(result) == [["ns", "Terminating", "5m"]]


def test_configmap_counts_data_and_binary_data() -> None:
    cm = {"metadata": meta("cm"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "eA=="}}
    result = table(("", "ConfigMap"), cm, {"metadata": meta("empty")})
    assert headers(result) == [NAME, ("Data", "string", "", 0), AGE]
    assert cells(result) == [["cm", 3, "5m"], ["empty", 0, "5m"]]


def test_secret() -> None:
    secret = {"metadata": meta("s"), "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}}
    result = table(("", "Secret"), secret)
    assert headers(result) == [NAME, ("Type", "string", "", 0), ("Data", "string", "", 0), AGE]
    assert cells(result) == [["s", "kubernetes.io/tls", 2, "5m"]]


def test_service_account() -> None:
    result = table(
        ("", "ServiceAccount"), {"metadata": meta("default")}, {"metadata": meta("sa"), "secrets": [{}]}
    )
    assert headers(result) == [NAME, ("Secrets", "string", "", 0), AGE]
    assert cells(result) == [["default", 0, "5m"], ["sa", 1, "5m"]]


def test_lease() -> None:
    held = {"metadata": meta("l"), "spec": {"holderIdentity": "node-1"}}
    result = table(("coordination.k8s.io", "Lease"), held, {"metadata": meta("free"), "spec": {}})
    assert headers(result) == [NAME, ("Holder", "string", "", 0), AGE]
    assert cells(result) == [["l", "node-1", "5m"], ["free", "", "5m"]]


@pytest.mark.parametrize(
    "kind",
    [
        ("rbac.authorization.k8s.io", "Role"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ],
)
def test_default_convertor_prints_created_at(kind: tuple[str, str]) -> None:
    offset = {"metadata": meta("r", creationTimestamp="2024-05-10T13:55:00.123+02:00")}
    result = table(kind, offset, {"metadata": {"name": "unset"}})
    assert headers(result) == [NAME, ("Created At", "date", "", 0)]
    assert cells(result) == [["r", "2024-05-10T11:55:00Z"], ["unset", "0001-01-01T00:00:00Z"]]


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        (("rbac.authorization.k8s.io", "RoleBinding"), "roleBinding"),
        (("rbac.authorization.k8s.io", "ClusterRoleBinding"), "clusterRoleBinding"),
    ],
)
def test_bindings(kind: tuple[str, str], what: str) -> None:
    binding = {
        "metadata": meta("b"),
        "roleRef": {"kind": "ClusterRole", "name": "view", "apiGroup": "rbac.authorization.k8s.io"},
        "subjects": [
            {"kind": "User", "name": "alice"},
            {"kind": "Group", "name": "devs"},
            {"kind": "ServiceAccount", "name": "bot", "namespace": "ci"},
            {"kind": "User", "name": "bob"},
            {"kind": "Robot", "name": "ignored"},
        ],
    }
    result = table(kind, binding, {"metadata": meta("bare"), "roleRef": {"kind": "Role", "name": "r"}})
    assert headers(result) == [
        NAME,
        ("Role", "string", "", 0),
        AGE,
        ("Users", "string", "", 1),
        ("Groups", "string", "", 1),
        ("ServiceAccounts", "string", "", 1),
    ]
    assert result["columnDefinitions"][3]["description"] == f"Users in the {what}"
    assert cells(result) == [
        ["b", "ClusterRole/view", "5m", "alice, bob", "devs", "ci/bot"],
        ["bare", "Role/r", "5m", "", "", ""],
    ]


@pytest.mark.parametrize(
    "kind",
    [
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ],
)
def test_webhook_configurations(kind: tuple[str, str]) -> None:
    result = table(kind, {"metadata": meta("w"), "webhooks": [{}, {}]}, {"metadata": meta("none")})
    assert headers(result) == [NAME, ("Webhooks", "integer", "", 0), AGE]
    assert cells(result) == [["w", 2, "5m"], ["none", 0, "5m"]]


EVENT_HEADERS = [
    ("Last Seen", "string", "", 0),
    ("Type", "string", "", 0),
    ("Reason", "string", "", 0),
    ("Object", "string", "", 0),
    ("Subobject", "string", "", 1),
    ("Source", "string", "", 1),
    ("Message", "string", "", 0),
    ("First Seen", "string", "", 1),
    ("Count", "string", "", 1),
    ("Name", "string", "name", 1),
]


def test_core_event() -> None:
    event = {
        "metadata": meta("pod.1"),
        "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{app}"},
        "reason": "Pulled",
        "message": "  Container image pulled\n",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": "2024-05-10T10:00:00Z",
        "lastTimestamp": "2024-05-10T11:59:30Z",
        "count": 4,
        "type": "Normal",
    }
    result = table(("", "Event"), event)
    assert headers(result) == EVENT_HEADERS
    assert cells(result) == [
        [
            "30s",
            "Normal",
            "Pulled",
            "pod/web-1",
            "spec.containers{app}",
            "kubelet, node-1",
            "Container image pulled",
            "120m",
            4,
            "pod.1",
        ],
    ]


def test_core_event_fallbacks() -> None:
    """No first/last timestamps: eventTime; no count: 1; no source: the reporting controller."""
    event = {
        "metadata": meta("e"),
        "involvedObject": {"kind": "Node"},
        "eventTime": "2024-05-10T11:59:58.123456Z",
        "reportingComponent": "ctrl",
        "reportingInstance": "ctrl-0",
        "type": "Warning",
        "reason": "Bad",
    }
    assert cells(table(("", "Event"), event)) == [
        ["1s", "Warning", "Bad", "node", "", "ctrl, ctrl-0", "", "1s", 1, "e"],
    ]
    series = event | {"series": {"count": 7, "lastObservedTime": "2024-05-10T11:59:00.000000Z"}}
    assert cells(table(("", "Event"), series))[0][0] == "60s"
    assert cells(table(("", "Event"), series))[0][8] == 7
    bare = {"metadata": meta("b")}
    assert cells(table(("", "Event"), bare)) == [
        ["<unknown>", "", "", "", "", "", "", "<unknown>", 1, "b"],
    ]


def test_events_k8s_io_event_prints_like_core() -> None:
    event = {
        "metadata": meta("e"),
        "regarding": {"kind": "Deployment", "name": "api", "fieldPath": "spec"},
        "note": "Scaled up",
        "reason": "ScalingReplicaSet",
        "type": "Normal",
        "reportingController": "deployment-controller",
        "deprecatedFirstTimestamp": "2024-05-10T11:00:00Z",
        "deprecatedLastTimestamp": "2024-05-10T11:50:00Z",
        "deprecatedCount": 2,
    }
    result = table(("events.k8s.io", "Event"), event)
    assert headers(result) == EVENT_HEADERS
    assert cells(result) == [
        [
            "10m",
            "Normal",
            "ScalingReplicaSet",
            "deployment/api",
            "spec",
            "deployment-controller",
            "Scaled up",
            "60m",
            2,
            "e",
        ],
    ]


def test_unknown_builtin_kind_gets_name_and_age() -> None:
    result = table(("tenancy.kcp.io", "Workspace"), {"metadata": meta("ws")})
    assert headers(result) == [NAME, ("Age", "date", "", 0)]
    assert cells(result) == [["ws", "5m"]]


WIDGET = {
    "metadata": meta("w1", labels={"app": "shop"}),
    "spec": {
        "replicas": 3,
        "ratio": 2.5,
        "whole": 4.0,
        "enabled": True,
        "tags": ["a", "b"],
        "nested": {"z": 1, "a": "<&>"},
        "nothing": None,
        "started": "2024-05-09T12:00:00Z",
        "when": "not a date",
        "empty": "",
        "floats": [1e-7, 1e21, 0.5, 100.0, -0.0],
        "tiny": 0.00001,
        "huge": 1e21,
        "big": 1e20,
    },
    "status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]},
}


def column(name: str, type_: str, path: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "jsonPath": path, **extra}


@pytest.mark.parametrize(
    ("col", "cell"),
    [
        (column("R", "integer", ".spec.replicas"), 3),
        (column("R", "integer", ".spec.ratio"), 2),  # numbers truncate to integers
        (column("R", "integer", ".spec.enabled"), None),  # a bool is no integer
        (column("R", "integer", ".spec.tags"), None),
        (column("R", "number", ".spec.replicas"), 3.0),
        (column("R", "number", ".spec.ratio"), 2.5),
        (column("R", "number", ".metadata.name"), None),
        (column("R", "boolean", ".spec.enabled"), True),
        (column("R", "boolean", ".spec.replicas"), None),
        (column("R", "string", ".metadata.name"), "w1"),
        (column("R", "string", ".metadata.labels.app"), "shop"),
        (column("R", "string", ".metadata.labels['app']"), "shop"),
        (column("R", "string", ".spec.replicas"), "3"),
        (column("R", "string", ".spec.whole"), "4"),
        (column("R", "string", ".spec.ratio"), "2.5"),
        (column("R", "string", ".spec.enabled"), "true"),
        (column("R", "string", ".spec.tags"), '["a","b"]'),
        (column("R", "string", ".spec.nested"), '{"a":"\\u003c\\u0026\\u003e","z":1}'),
        (column("R", "string", ".spec.nothing"), "<no value>"),
        (column("R", "string", ".spec.floats"), "[1e-7,1e+21,0.5,100,-0]"),
        (column("R", "string", ".spec.tiny"), "1e-05"),
        (column("R", "string", ".spec.huge"), "1e+21"),
        (column("R", "string", ".spec.big"), "100000000000000000000"),
        (column("R", "string", ".spec.tags[1]"), "b"),
        (column("R", "string", ".spec.tags[-1]"), "b"),
        (column("R", "string", ".spec.tags[*]"), "a"),  # the first match is the cell
        (column("R", "string", ".spec.tags[5]"), None),  # out of range
        (column("R", "string", ".spec.absent"), None),
        (column("R", "string", '.status.conditions[?(@.type=="Ready")].status'), "True"),
        (column("R", "string", ".status.conditions[?(@.type=='Ready')].status"), "True"),
        (column("R", "string", '.status.conditions[?(@.type != "Ready")].type'), "Synced"),
        (column("R", "string", '.status.conditions[?(@.type=="Gone")].status'), None),
        (column("R", "string", ".status.conditions[?(@.type==1)].status"), None),  # incomparable: error
        (column("R", "string", ".status.conditions[?(@.status)].type"), "Synced"),
        (column("R", "date", ".spec.started"), "24h"),
        (column("R", "date", ".spec.when"), "<invalid>"),
        (column("R", "date", ".spec.empty"), "<unknown>"),
        (column("R", "date", ".spec.replicas"), None),
        (column("R", "unknown-type", ".spec.replicas"), None),
    ],
)
def test_printer_column_cells(col: dict[str, Any], cell: Any) -> None:
    result = table(("example.com", "Widget"), WIDGET, printer_columns=[col])
    assert cells(result) == [["w1", cell]]


def test_printer_column_definitions() -> None:
    cols = [
        column("Replicas", "integer", ".spec.replicas", format="int32", priority=1),
        column("Ready", "string", ".status.ready", description="Whether it is ready"),
    ]
    result = table(("example.com", "Widget"), WIDGET, printer_columns=cols)
    assert headers(result) == [NAME, ("Replicas", "integer", "int32", 1), ("Ready", "string", "", 0)]
    descriptions = [c["description"] for c in result["columnDefinitions"][1:]]
    assert descriptions == [
        "Custom resource definition column (in JSONPath format): .spec.replicas",
        "Whether it is ready",
    ]


def test_empty_printer_columns_print_age() -> None:
    result = table(("example.com", "Widget"), WIDGET, printer_columns=[])
    assert headers(result) == [NAME, ("Age", "date", "", 0)]
    assert cells(result) == [["w1", "5m"]]


def test_unparsable_column_drops_it_and_the_rest() -> None:
    cols = [
        column("A", "string", ".metadata.name"),
        column("B", "string", ".a[x]"),
        column("C", "string", ".b"),
    ]
    result = table(("example.com", "Widget"), WIDGET, printer_columns=cols)
    assert [c["name"] for c in result["columnDefinitions"]] == ["Name", "A"]
    assert cells(result) == [["w1", "w1"]]


def test_naive_now_is_utc() -> None:
    result = to_table(
        ("", "Namespace"), [{"metadata": meta("n")}], list_meta={}, now=NOW.replace(tzinfo=None)
    )
    assert cells(result) == [["n", "", "5m"]]


@pytest.mark.parametrize(
    ("path", "found"),
    [
        (".a", [1]),
        (".l[0:2]", [10, 20]),
        (".l[1:]", [20, 30]),
        (".l[:1]", [10]),
        (".l[-2]", [20]),
        (".l[*]", [10, 20, 30]),
        (".l[1:1]", []),
        (".l[:]", [10, 20, 30]),
        (".l[-1]", [30]),
        (".l[-3:-1]", [10, 20]),
        (".m.*", ["x", "y"]),
        (".objs[*].k", ["v1", "v2"]),
        (".objs[?(@.n>1)].k", ["v2"]),
        (".objs[?(@.n>=1)].k", ["v1", "v2"]),
        (".objs[?(@.n<2)].k", ["v1"]),
        (".objs[?(@.n<=2)].k", ["v1", "v2"]),
        ('.objs[?(@.k=="v2")].n', [2]),
        (".objs[?(@.f==true)].k", ["v1"]),
        (".objs[?(@.f)].k", ["v1", "v2"]),
        (".objs[?(@.gone)].k", []),
        (".we\\.ird", ["dot"]),
        (".m['p']", ["x"]),
        ("['we\\.ird']", ["dot"]),
        ("['we.ird']", []),  # kube reads the key as a path: dots must be escaped
        ("$.a", [1]),
        (".missing.deeper", []),
        (".a.b", []),  # a field of a number is no match, not an error
        (".null.b", []),
    ],
)
def test_jsonpath_find(path: str, found: list[Any]) -> None:
    data = {
        "a": 1,
        "l": [10, 20, 30],
        "m": {"p": "x", "q": "y"},
        "objs": [{"k": "v1", "n": 1, "f": True}, {"k": "v2", "n": 2, "f": False}],
        "we.ird": "dot",
        "null": None,
    }
    assert find_jsonpath(compile_jsonpath(path), data) == found


@pytest.mark.parametrize(
    "path",
    [".a..b", "..a", ".a[x]", ".a[1,2]", ".a[", ".a[?(@.x==1]", "a", ".a{", ".a[0:1:2]", ".a[-]", ".a[]"],
)
def test_jsonpath_rejects(path: str) -> None:
    with pytest.raises(JSONPathError):
        compile_jsonpath(path)


@pytest.mark.parametrize(
    "path",
    [
        ".l[3]",  # out of range
        ".l[-4]",
        ".a[0]",  # not a list
        ".a[?(@.x)]",  # filtering a non-list
        '.objs[?(@.n=="1")]',  # number against string
        ".objs[?(@.f<true)]",  # booleans have no order
        ".objs[?(@.n=~1)]",  # no such operator
        ".objs[?(@.missing==1)]",  # nothing to compare
    ],
)
def test_jsonpath_fails_on_data(path: str) -> None:
    data = {"a": 1, "l": [1, 2, 3], "objs": [{"n": 1, "f": True}]}
    with pytest.raises(JSONPathError):
        find_jsonpath(compile_jsonpath(path), data)


def test_jsonpath_bad_number_in_filter() -> None:
    with pytest.raises(JSONPathError):
        compile_jsonpath(".a[?(@.n==1.2.3)]")


def test_out_of_range_offsets_count_as_unset() -> None:
    obj = {"metadata": {"name": "r", "creationTimestamp": "0001-01-01T00:00:00+02:00"}}
    assert cells(table(("rbac.authorization.k8s.io", "Role"), obj)) == [["r", "0001-01-01T00:00:00Z"]]
    assert cells(table(("", "Namespace"), obj)) == [["r", "", "<unknown>"]]
