"""PATCH dispatch, JSON patch and JSON merge patch answer as kube-apiserver does, codes and messages."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kcp.apimachinery.errors import (
    BadRequest,
    Invalid,
    RequestEntityTooLarge,
    StatusError,
    UnsupportedMediaType,
)
from kcp.apimachinery.patch import (
    JSON_PATCH,
    MAX_JSON_PATCH_OPERATIONS,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    apply_patch,
    patch_types,
)
from kcp.apimachinery.strategicpatch import REJECTED

Obj = dict[str, Any]

CONTAINERS: Obj = {
    "type": "array",
    "items": {"type": "object", "properties": {"name": {"type": "string"}}},
    "x-kubernetes-patch-strategy": "merge",
    "x-kubernetes-patch-merge-key": "name",
}
POD: Obj = {
    "type": "object",
    "properties": {"spec": {"type": "object", "properties": {"containers": CONTAINERS}}},
}


def pod() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "a", "image": "a:1"}], "nodeName": "n1"},
    }


def patch(content_type: str, body: Any, original: Obj | None = None, **kw: Any) -> Obj:
    """Apply `body` (bytes, or a value sent as JSON bytes), checking the original is left alone."""
    original = pod() if original is None else original
    before = copy.deepcopy(original)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    result = apply_patch(content_type, original, raw, POD, **kw)
    assert original == before
    return result


# --- dispatch -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [MERGE_PATCH, "application/merge-patch+json; charset=utf-8", " Application/Merge-Patch+JSON "],
)
def test_content_type_parameters_and_case_do_not_matter(content_type: str) -> None:
    assert patch(content_type, {"spec": {"nodeName": "n2"}})["spec"]["nodeName"] == "n2"


@pytest.mark.parametrize(
    ("content_type", "strategic", "listed"),
    [
        ("application/json", True, f"{JSON_PATCH}, {MERGE_PATCH}, {STRATEGIC_MERGE_PATCH}"),
        ("application/apply-patch+yaml", True, f"{JSON_PATCH}, {MERGE_PATCH}, {STRATEGIC_MERGE_PATCH}"),
        (STRATEGIC_MERGE_PATCH, False, f"{JSON_PATCH}, {MERGE_PATCH}"),
        ("", False, f"{JSON_PATCH}, {MERGE_PATCH}"),
    ],
)
def test_other_media_types_are_415_listing_what_is_accepted(
    content_type: str, strategic: bool, listed: str
) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        patch(content_type, {}, strategic=strategic)
    assert caught.value.code == 415
    assert caught.value.message == (
        f"the body of the request was in an unknown format - accepted media types include: {listed}"
    )
    assert ", ".join(patch_types(strategic=strategic)) == listed


def test_media_type_is_checked_before_the_body() -> None:
    with pytest.raises(UnsupportedMediaType):
        patch("text/plain", b"not json")


@pytest.mark.parametrize("content_type", [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH])
@pytest.mark.parametrize("body", [b"", b"{", b"[1,", b"nope"])
def test_bodies_that_are_not_json_are_bad_requests(content_type: str, body: bytes) -> None:
    with pytest.raises(BadRequest):
        patch(content_type, body)


def test_decoded_bodies_are_accepted_and_left_alone() -> None:
    body = {"metadata": {"labels": {"tier": "1"}}, "spec": {"containers": [{"name": "b"}]}}
    sent = copy.deepcopy(body)
    result = apply_patch(STRATEGIC_MERGE_PATCH, pod(), body, POD)
    assert body == sent
    result["spec"]["containers"][0]["image"] = "changed"
    assert body == sent  # no structure shared with the patch either


# --- strategic merge patch through the dispatcher ---------------------------------------------------------


def test_strategic_merge_patch_uses_the_schema() -> None:
    out = patch(STRATEGIC_MERGE_PATCH, {"spec": {"containers": [{"name": "b", "image": "b:1"}]}})
    assert [c["name"] for c in out["spec"]["containers"]] == ["b", "a"]
    out = patch(MERGE_PATCH, {"spec": {"containers": [{"name": "b", "image": "b:1"}]}})
    assert [c["name"] for c in out["spec"]["containers"]] == ["b"]


def test_strategic_merge_patch_without_a_schema_replaces_lists() -> None:
    out = apply_patch(STRATEGIC_MERGE_PATCH, pod(), b'{"spec":{"containers":[{"name":"b"}]}}', None)
    assert out["spec"]["containers"] == [{"name": "b"}]


def test_a_null_strategic_patch_changes_nothing_and_a_non_object_is_a_bad_request() -> None:
    assert patch(STRATEGIC_MERGE_PATCH, b"null") == pod()
    with pytest.raises(BadRequest, match="must be a JSON object"):
        patch(STRATEGIC_MERGE_PATCH, [{"op": "add"}])


# --- JSON merge patch (RFC 7386) ----------------------------------------------------------------------------


def test_a_merge_patch_array_is_kubes_422_on_the_patch_field_and_a_scalar_a_400() -> None:
    with pytest.raises(Invalid) as raised:
        patch(MERGE_PATCH, [{"a": None, "b": "x"}])
    assert raised.value.causes[0].field == "patch"
    assert raised.value.message == (
        ' "" is invalid: patch: Invalid value: "[{\\"b\\":\\"x\\"}]": '
        "couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type "
        'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
        'Kind string "json:\\"kind,omitempty\\"" }'
    )
    for body in (b"null", b"5", b'"x"'):
        with pytest.raises(BadRequest, match=r"^Invalid JSON Patch$"):
            patch(MERGE_PATCH, body)


def test_merge_patch_merges_objects_deletes_nulls_and_replaces_the_rest() -> None:
    body = {
        "metadata": {"labels": {"app": None, "tier": "db"}, "annotations": {"a": "1", "gone": None}},
        "spec": {"containers": [{"name": "x", "image": None}, None], "nodeName": None},
        "status": {"phase": "Running", "conditions": None},
    }
    out = patch(MERGE_PATCH, body)
    assert out == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "labels": {"tier": "db"}, "annotations": {"a": "1"}},
        "spec": {"containers": [{"name": "x"}, None]},
        "status": {"phase": "Running"},
    }


def test_merge_patch_directives_are_plain_keys() -> None:
    out = patch(MERGE_PATCH, {"metadata": {"labels": {"$patch": "replace"}}})
    assert out["metadata"]["labels"] == {"app": "web", "$patch": "replace"}


# --- JSON patch (RFC 6902) ----------------------------------------------------------------------------------


def test_json_patch_operations_apply_in_order() -> None:
    ops = [
        {"op": "test", "path": "/metadata/name", "value": "p"},
        {"op": "add", "path": "/metadata/labels/tier", "value": "db"},
        {"op": "replace", "path": "/spec/containers/0/image", "value": "a:2"},
        {"op": "copy", "from": "/spec/containers/0", "path": "/spec/containers/-"},
        {"op": "move", "from": "/spec/nodeName", "path": "/metadata/annotations"},
        {"op": "remove", "path": "/metadata/labels/app"},
    ]
    out = patch(JSON_PATCH, ops)
    assert out["metadata"] == {"name": "p", "labels": {"tier": "db"}, "annotations": "n1"}
    assert out["spec"] == {"containers": [{"name": "a", "image": "a:2"}, {"name": "a", "image": "a:2"}]}


@pytest.mark.parametrize("body", [b"null", b"[]"])
def test_an_empty_json_patch_changes_nothing(body: bytes) -> None:
    assert patch(JSON_PATCH, body) == pod()


@pytest.mark.parametrize(
    "op",
    [
        {"op": "test", "path": "/metadata/name", "value": "other"},
        {"op": "test", "path": "/metadata/missing", "value": "p"},
        {"op": "remove", "path": "/metadata/missing"},
        {"op": "replace", "path": "/spec/missing", "value": 1},
        {"op": "add", "path": "/spec/missing/deeper", "value": 1},
        {"op": "add", "path": "/spec/containers/5", "value": {}},
        {"op": "move", "from": "/nowhere", "path": "/x"},
        {"op": "add", "path": "no-slash", "value": 1},
        {"op": "frobnicate", "path": "/x"},
        {"op": "add", "value": 1},
        {"op": "add", "path": "/x"},
    ],
)
def test_json_patch_operations_that_do_not_apply_are_422(op: Obj) -> None:
    """kube only finds these while applying: a 422 with its generic message, the reason chained."""
    with pytest.raises(Invalid) as caught:
        patch(JSON_PATCH, [{"op": "add", "path": "/metadata/labels/ok", "value": "1"}, op])
    assert caught.value.code == 422 and caught.value.message == REJECTED
    assert isinstance(caught.value.__cause__, jsonpatch.JsonPatchException | jsonpatch.JsonPointerException)


@pytest.mark.parametrize("body", [{"op": "add", "path": "/x", "value": 1}, [1], ["add"], [[]], "x"])
def test_a_json_patch_must_be_an_array_of_objects(body: Any) -> None:
    with pytest.raises(BadRequest, match="array of operation objects"):
        patch(JSON_PATCH, body)


def test_json_patch_that_replaces_the_object_with_a_non_object_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="not an object"):
        patch(JSON_PATCH, [{"op": "replace", "path": "", "value": [1]}])


def test_json_patch_operation_limit() -> None:
    ops = [{"op": "add", "path": "/metadata/labels/x", "value": "y"}] * MAX_JSON_PATCH_OPERATIONS
    assert patch(JSON_PATCH, ops)["metadata"]["labels"]["x"] == "y"
    with pytest.raises(RequestEntityTooLarge) as caught:
        patch(JSON_PATCH, [*ops, ops[0]])
    assert caught.value.code == 413
    assert caught.value.message == "The allowed maximum operations in a JSON patch is 10000, got 10001"


_pointer = st.lists(
    st.sampled_from(["metadata", "labels", "spec", "containers", "0", "1", "-", "~1", ""]), max_size=4
)
_op = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "bogus"])},
    optional={
        "path": _pointer.map(lambda parts: "".join(f"/{p}" for p in parts)) | st.integers() | st.none(),
        "from": _pointer.map(lambda parts: "".join(f"/{p}" for p in parts)) | st.integers(),
        "value": st.none()
        | st.text(max_size=2)
        | st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    },
)


@settings(max_examples=300, deadline=None)
@given(ops=st.lists(_op, max_size=4))
def test_any_json_patch_yields_an_object_or_a_client_error(ops: list[Obj]) -> None:
    try:
        result = patch(JSON_PATCH, ops)
    except StatusError as e:
        assert e.code in (400, 422)
    else:
        assert isinstance(result, dict)
