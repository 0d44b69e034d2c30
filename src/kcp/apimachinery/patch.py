"""PATCH bodies applied to a stored object: JSON patch, JSON merge patch, strategic merge patch.

Pure functions over JSON dicts: the registry supplies the live object and the kind's schema, and does all
that follows (identity checks, defaulting, validation, storage). Server-side apply
(`application/apply-patch+yaml`) is a different operation, with field ownership, that the caller
dispatches before reaching here.

Status codes follow kube: a body that does not decode, or has the wrong shape, is a 400; a JSON patch
whose operations do not apply (a failed `test`, a missing path) is a 422 with kube's generic message; more
than 10,000 operations is a 413.
"""

from __future__ import annotations

from typing import Any, Final

import jsonpatch
import orjson

from kcp.apimachinery.errors import BadRequest, Cause, Invalid, RequestEntityTooLarge, UnsupportedMediaType
from kcp.apimachinery.labels import go_quote
from kcp.apimachinery.serialization import MalformedJSON, clone, decode_json
from kcp.apimachinery.strategicpatch import REJECTED, Schema, strategic_merge_patch

JSON_PATCH: Final = "application/json-patch+json"
MERGE_PATCH: Final = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH: Final = "application/strategic-merge-patch+json"

MAX_JSON_PATCH_OPERATIONS: Final = 10_000  # kube's bound on the work one request may ask for


def patch_types(*, strategic: bool) -> tuple[str, ...]:
    """The media types `apply_patch` takes, in kube's order; custom resources take no strategic patch."""
    return (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH) if strategic else (JSON_PATCH, MERGE_PATCH)


def apply_patch(
    content_type: str,
    original: dict[str, Any],
    patch_body: bytes | object,
    schema: Schema | None,
    *,
    strategic: bool = True,
) -> dict[str, Any]:
    """The object `patch_body` makes of `original`; neither input is modified.

    `content_type` may carry parameters (`; charset=utf-8`). `patch_body` is the raw request body, or
    an already decoded JSON value. `schema` is the kind's inline schema, None for none. `strategic=False`
    refuses strategic merge patch with kube's 415, as for custom resources, whose schemas carry no
    strategic merge information kubectl would have used.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    accepted = patch_types(strategic=strategic)
    if media not in accepted:
        raise UnsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types include: "
            + ", ".join(accepted)
        )
    if isinstance(patch_body, bytes | bytearray | memoryview):
        try:
            patch = decode_json(bytes(patch_body))
        except MalformedJSON as e:
            if media == MERGE_PATCH:  # kube decodes a merge patch (strictly) before applying it, and says so
                raise BadRequest(f"error decoding patch: {e.go_error}") from None
            raise
    else:
        patch = clone(patch_body)
    if media == JSON_PATCH:
        return _json_patch(original, patch)
    if media == MERGE_PATCH:
        return _merge_patch(original, patch)
    if patch is None:
        return clone(original)  # kube decodes a null strategic patch as an empty one
    if not isinstance(patch, dict):
        raise BadRequest("a strategic merge patch must be a JSON object")
    return strategic_merge_patch(original, patch, schema)


def _json_patch(original: dict[str, Any], operations: Any) -> dict[str, Any]:
    """RFC 6902. Kube only checks the shape before applying, so a bad operation is a 422 like a failed one."""
    if operations is None:
        operations = []  # kube decodes null as a patch of no operations
    if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
        raise BadRequest("a JSON patch must be a JSON array of operation objects")
    if len(operations) > MAX_JSON_PATCH_OPERATIONS:
        raise RequestEntityTooLarge(
            f"The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, "
            f"got {len(operations)}"
        )
    patched: Any = clone(original)
    for op in operations:  # one at a time, to say which one failed
        try:
            patched = jsonpatch.JsonPatch([op]).apply(patched, in_place=True)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as e:
            why = f"testing value {op.get('path')} failed: test failed" if op.get("op") == "test" else str(e)
            raise Invalid(REJECTED, causes=[Cause("UnexpectedServerResponse", why)]) from e
    if not isinstance(patched, dict):
        raise BadRequest("the JSON patch replaced the object with something that is not an object")
    return patched


def _merge_patch(original: dict[str, Any], patch: Any) -> dict[str, Any]:
    """RFC 7386: objects merge, null deletes, anything else replaces.

    An array replaces the whole object, which then is no object: kube's 422 on the `patch` field. Any
    other value is not a merge patch to kube's library (400)."""
    if isinstance(patch, list):
        patched = orjson.dumps(_without_nulls(patch)).decode()
        why = (  # Go's decoder looks for apiVersion and kind first
            "couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of "
            'type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
            'Kind string "json:\\"kind,omitempty\\"" }'
        )
        raise Invalid(
            f' "" is invalid: patch: Invalid value: {go_quote(patched)}: {why}',
            causes=[Cause("FieldValueInvalid", f"Invalid value: {go_quote(patched)}: {why}", "patch")],
        )
    if not isinstance(patch, dict):
        raise BadRequest("Invalid JSON Patch")
    return _merge_into(clone(original), patch)


def _merge_into(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    for key, value in patch.items():
        current = target.get(key)
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(current, dict):
            _merge_into(current, value)
        else:
            target[key] = _without_nulls(value)
    return target


def _without_nulls(value: Any) -> Any:
    """A value set where no object was: merged into nothing, its objects' nulls vanish.

    Like kube's merge patch library, this reaches into lists too, though their null items stay.
    """
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
