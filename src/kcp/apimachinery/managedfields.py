"""Server-side apply and `metadata.managedFields`, as pure functions over JSON objects.

`server_side_apply` answers `PATCH` with `application/apply-patch+yaml`; `track_update` records who
changed what on every other write. Both follow kube-apiserver's field manager so that kubectl's
`apply --server-side` (conflicts, `--force-conflicts`, the upgrade from client-side apply) and clients
that read or reset managedFields see what they would see against kube: the same entries, in the same
order, with the same FieldsV1 and the same conflict messages.

Kinds are not converted between versions here: every entry is read against the one version served.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from kcp.apimachinery.applyschema import Schema, with_object_meta
from kcp.apimachinery.applytyped import TypedError, compare, field_set, json_equal
from kcp.apimachinery.applyupdater import (
    ApplyConflicts,
    ManagerId,
    Managers,
    Owned,
    Scope,
    apply,
    update,
)
from kcp.apimachinery.errors import BadRequest, Cause, Conflict, InternalError, Invalid
from kcp.apimachinery.fieldpath import FieldSet, Path, from_fields_v1, go_json, path_string, to_fields_v1
from kcp.apimachinery.serialization import clone

__all__ = [
    "LAST_APPLIED",
    "check_type",
    "field_manager_causes",
    "server_side_apply",
    "track_update",
    "validate_field_manager",
]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_UPDATE_MANAGERS = 10  # older Update entries merge into "ancient-changes" beyond this
FIELD_MANAGER_MAX_LENGTH = 128
_ANNOTATIONS_MAX_BYTES = 256 * 1024
_ANCIENT = "ancient-changes"
_BEFORE_FIRST_APPLY = "before-first-apply"
_KUBECTL = "kubectl"  # only kubectl's applies upgrade from, and keep up, the last-applied annotation

Times = dict[ManagerId, str | None]


def server_side_apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    *,
    manager: str,
    force: bool,
    schema: Schema | None,
    api_version: str,
    now: str,
    subresource: str = "",
    kind: str | None = None,
    status_subresource: bool = False,
) -> dict[str, Any]:
    """The object after `manager` applies `applied` to `live` (None: the object does not exist yet).

    `api_version` is the served group/version and `kind` the served kind (default: the live object's);
    `status_subresource` says the kind has one, so that apply to the main resource leaves `.status`
    alone. Raises Conflict (409) when the apply would change fields others own and `force` is false.
    Neither input is modified; the result shares nothing with them.
    """
    validate_field_manager(manager, apply=True)
    base = live if live is not None else {}
    check_type(applied, api_version, kind if kind is not None else base.get("kind"))
    meta = applied.get("metadata")
    if isinstance(meta, dict) and meta.get("managedFields") is not None:
        raise BadRequest("metadata.managedFields must be nil")
    schema = with_object_meta(schema)
    scope = _scope(subresource, status_subresource)
    try:
        claimed = field_set(applied, schema, allow_duplicates=False, declared_only=True)
    except TypedError as e:
        raise BadRequest(f"failed to create typed patch object ({_describe(applied)}): {e}") from None
    try:
        managers, times = _decode(_meta(base).get("managedFields"))
    except ValueError as e:
        raise InternalError(f"failed to decode managed fields: {e}") from None
    me = ManagerId(manager, "Apply", subresource=subresource)
    try:
        if not managers:  # start tracking: whatever exists belongs to whoever set it before
            first = ManagerId(_BEFORE_FIRST_APPLY, "Update", api_version, subresource)
            managers, took = update({}, base, schema, managers, first, api_version, scope)
            if took:
                times[first] = now
        try:
            result, managers = apply(
                base, applied, claimed, schema, managers, me, api_version, scope, force=force
            )
        except ApplyConflicts as e:
            remaining = _not_upgraded(e.conflicts, base, schema, api_version) if manager == _KUBECTL else None
            if remaining is None:
                raise _conflict(e.conflicts) from None
            if remaining:
                raise _conflict(remaining) from None
            result, managers = apply(
                base, applied, claimed, schema, managers, me, api_version, scope, force=True
            )
    except TypedError as e:
        raise InternalError(f"failed to create typed live object ({_describe(base)}): {e}") from None
    if not json_equal(result, base):
        times[me] = now
    if manager == _KUBECTL and _annotations(result).get(LAST_APPLIED):
        _set_last_applied(result, applied)
    return _encode_into(result, managers, times)


def track_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    operation: str = "Update",
    schema: Schema | None,
    api_version: str,
    now: str,
    subresource: str = "",
    status_subresource: bool = False,
) -> dict[str, Any]:
    """`new` with managedFields after a create (`old` None), update or non-apply patch by `manager`.

    The manager gains the fields it changed and others lose them. managedFields the client sent are
    used (except through a subresource); `[]` (or `[{}]`) clears them, and an object without any is
    not tracked again until the next apply, as in kube. `operation` is always "Update": applies go
    through server_side_apply.
    """
    if operation != "Update":
        raise ValueError(f"operation must be Update, not {operation!r}")
    if old is None and not subresource and "managedFields" not in _meta(new):
        return _CREATES.track(new, manager, schema, api_version, now, status_subresource)
    return _track_update(old, new, manager, schema, api_version, now, subresource, status_subresource)


def _track_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    manager: str,
    schema: Schema | None,
    api_version: str,
    now: str,
    subresource: str,
    status_subresource: bool,
) -> dict[str, Any]:
    live = old if old is not None else {}
    managers, times = _decode_live_or_new(live, new, ignore_new=bool(subresource))
    obj: dict[str, Any] = clone(new)
    _meta(obj).pop("managedFields", None)
    scope = _scope(subresource, status_subresource)
    if not managers and _meta(live).get("uid"):
        return obj
    me = ManagerId(manager or "unknown", "Update", api_version, subresource)
    try:
        managers, took = update(live, obj, with_object_meta(schema), managers, me, api_version, scope)
    except TypedError:
        return obj  # kube drops managedFields rather than keep wrong ones
    if took:
        times[me] = now
    return _encode_into(obj, _cap(managers, times), times)


class _CreateMemo:
    """What a create's managedFields are, by the object's shape.

    A new object's manager owns every field it holds, so its entry depends on which keys and list
    items the object has (list items are named by their values), never on its scalar values. Objects
    of one kind mostly share a few shapes; each shape is worked out once (bounded, least recently
    used forgotten) and the typed comparison, about a third of a create's cost, is skipped after.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], tuple[Schema | None, bytes | None]] = OrderedDict()

    def track(
        self,
        new: dict[str, Any],
        manager: str,
        schema: Schema | None,
        api_version: str,
        now: str,
        status_subresource: bool,
    ) -> dict[str, Any]:
        try:
            key = (id(schema), manager, api_version, status_subresource, _shape(new))
        except TypeError:  # a list orjson cannot encode (an integer beyond 64 bits): no memo
            return _track_update(None, new, manager, schema, api_version, now, "", status_subresource)
        known = self._entries.get(key)
        if known is None or known[0] is not schema:  # the schema held by the entry keeps its id unique
            obj = _track_update(None, new, manager, schema, api_version, now, "", status_subresource)
            entries = _meta(obj).get("managedFields")
            fields = orjson.dumps([{**e, "time": ""} for e in entries]) if entries else None
            self._entries[key] = (schema, fields)
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
            return obj
        self._entries.move_to_end(key)
        obj = {**new, "metadata": {**_meta(new)}}
        if known[1] is not None:
            entries = orjson.loads(known[1])
            entries[0]["time"] = now
            obj["metadata"]["managedFields"] = entries
        return obj


_LIST = object()


def _shape(value: Any) -> Any:
    """Keys of maps, lists whole, scalars as one: equal shapes own equal field sets."""
    if isinstance(value, dict):
        return tuple([(k, _shape(v) if isinstance(v, dict | list) else None) for k, v in value.items()])
    if isinstance(value, list):
        return (_LIST, orjson.dumps(value))
    return None


_CREATES = _CreateMemo(2048)


def validate_field_manager(manager: str, *, apply: bool) -> None:
    """kube's PatchOptions check: required for apply, at most 128 bytes, printable (422 otherwise)."""
    if causes := field_manager_causes(manager, apply=apply):
        raise Invalid.object("PatchOptions", "meta.k8s.io", "", causes)


def field_manager_causes(manager: str, *, apply: bool) -> list[Cause]:
    """What kube's ValidateFieldManager (and, for apply, ValidatePatchOptions) says of a fieldManager."""
    causes = []
    if apply and not manager:
        causes.append(
            Cause("FieldValueRequired", "Required value: is required for apply patch", "fieldManager")
        )
    if len(manager.encode()) > FIELD_MANAGER_MAX_LENGTH:
        causes.append(
            Cause(
                "FieldValueTooLong",
                f"Too long: may not be more than {FIELD_MANAGER_MAX_LENGTH} bytes",
                "fieldManager",
            )
        )
    for i, char in enumerate(manager):
        if not char.isprintable():
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    f"Invalid value: {go_json(manager)}: invalid character "
                    f"U+{ord(char):04X} (at position {i})",
                    "fieldManager",
                )
            )
    return causes


# --- apply helpers --------------------------------------------------------------------------------------


def check_type(applied: Mapping[str, Any], api_version: str, kind: str | None) -> None:
    """kube's version check, the first of an apply's: the served version (and kind) exactly."""
    version = applied.get("apiVersion")
    applied_kind = applied.get("kind")
    if version != api_version or (kind is not None and applied_kind != kind):
        raise BadRequest(f"invalid object type: {go_gvk(version, applied_kind)}")


def go_gvk(api_version: Any, kind: Any) -> str:
    """Go's GroupVersionKind.String(): `apps/v1, Kind=Deployment`, `/v1, Kind=ConfigMap`."""
    parts = api_version.split("/") if isinstance(api_version, str) and api_version else []
    group, version = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0] if len(parts) == 1 else "")
    return f"{group}/{version}, Kind={kind if isinstance(kind, str) else ''}"


def _describe(obj: Mapping[str, Any]) -> str:
    meta = _meta(obj)
    gvk = go_gvk(obj.get("apiVersion"), obj.get("kind"))
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}; {gvk}"


def _conflict(conflicts: list[tuple[ManagerId, Path]]) -> Conflict:
    causes = [
        Cause("FieldManagerConflict", f"conflict with {mid}", path_string(path)) for mid, path in conflicts
    ]
    if len(conflicts) == 1:
        mid, path = conflicts[0]
        return Conflict(
            f"Apply failed with 1 conflict: conflict with {mid}: {path_string(path)}", causes=causes
        )
    lines: list[str] = []
    for mid in sorted({mid for mid, _ in conflicts}, key=lambda m: m.text):
        lines.append(f"conflicts with {mid}:")
        lines += [f"- {path_string(path)}" for other, path in conflicts if other == mid]
    return Conflict(f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines), causes=causes)


def _not_upgraded(
    conflicts: list[tuple[ManagerId, Path]], live: dict[str, Any], schema: Schema, api_version: str
) -> list[tuple[ManagerId, Path]] | None:
    """Conflicts that kubectl's last client-side apply does not explain; None without a usable annotation.

    A field the annotation sets to its live value was kubectl's all along, so `kubectl apply
    --server-side` takes it over from client-side apply without a conflict.
    """
    text = _annotations(live).get(LAST_APPLIED)
    if not isinstance(text, str) or not text:
        return None
    try:
        last = json.loads(text)
        if not isinstance(last, dict) or last.get("apiVersion") != api_version:
            return None
        last_fields = field_set(last, schema, allow_duplicates=False)
        found = compare(last, live, schema)
    except (ValueError, TypedError):
        return None
    allowed: FieldSet = last_fields - found.modified - found.added - found.removed
    return [(mid, path) for mid, path in conflicts if path not in allowed]


def _set_last_applied(result: dict[str, Any], applied: dict[str, Any]) -> None:
    """Keep the client-side apply annotation in step with what kubectl applied server-side."""
    config = clone(applied)
    annotations = _meta(config).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(LAST_APPLIED, None)
    current = result["metadata"]["annotations"]
    current[LAST_APPLIED] = go_json(config) + "\n"
    if sum(len(k.encode()) + len(str(v).encode()) for k, v in current.items()) > _ANNOTATIONS_MAX_BYTES:
        del current[LAST_APPLIED]


# --- managedFields on the wire --------------------------------------------------------------------------


def _scope(subresource: str, status_subresource: bool) -> Scope:
    return Scope(only_status=subresource == "status", keep_status=not subresource and status_subresource)


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _annotations(obj: Mapping[str, Any]) -> dict[str, Any]:
    found = _meta(obj).get("annotations")
    return found if isinstance(found, dict) else {}


def _decode_live_or_new(
    live: dict[str, Any], new: dict[str, Any], *, ignore_new: bool
) -> tuple[Managers, Times]:
    """The client's managedFields when it sent usable ones, else the live object's (kube's rule)."""
    if not ignore_new:
        sent = _meta(new).get("managedFields")
        if sent == [] or (isinstance(sent, list) and len(sent) == 1 and _zero_entry(sent[0])):
            return {}, {}
        try:
            managers, times = _decode(sent)
        except ValueError:
            managers, times = {}, {}
        if managers:
            return managers, times
    try:
        return _decode(_meta(live).get("managedFields"))
    except ValueError:
        return {}, {}


def _zero_entry(entry: Any) -> bool:
    return isinstance(entry, dict) and all(v is None or v == "" for v in entry.values())


def _decode(entries: Any) -> tuple[Managers, Times]:
    """Entries keyed by manager identity; ValueError for anything kube would not decode."""
    managers: Managers = {}
    times: Times = {}
    if entries is None:
        return managers, times
    if not isinstance(entries, list):
        raise ValueError("managedFields must be a list")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ValueError(f"managed fields entry {i} is not an object")
        operation, version = entry.get("operation"), entry.get("apiVersion")
        if operation not in ("Apply", "Update"):
            raise ValueError("operation must be `Apply` or `Update`")
        if not isinstance(version, str) or not version:
            raise ValueError("apiVersion must not be empty")
        fields_type = entry.get("fieldsType") or ""
        if fields_type != "FieldsV1":
            raise ValueError(
                f"invalid fieldsType {fields_type!r} in managed fields entry {i}"
                if fields_type
                else f"missing fieldsType in managed fields entry {i}"
            )
        time = entry.get("time")
        if time is not None:
            _epoch(time)
        manager, subresource = entry.get("manager") or "", entry.get("subresource") or ""
        if not isinstance(manager, str) or not isinstance(subresource, str):
            raise ValueError(f"managed fields entry {i} has a malformed manager")
        mid = ManagerId(manager, operation, version if operation == "Update" else "", subresource)
        fields = entry.get("fieldsV1")
        managers[mid] = Owned(from_fields_v1({} if fields is None else fields), version, operation == "Apply")
        times[mid] = time
    return managers, times


def _epoch(time: Any) -> int:
    if not isinstance(time, str):
        raise ValueError(f"time must be an RFC 3339 string, not {time!r}")
    return int(datetime.fromisoformat(time.replace("Z", "+00:00")).timestamp())


def _cap(managers: Managers, times: Times) -> Managers:
    """Fold the oldest Update entries into one "ancient-changes" entry per version beyond the cap.

    Entries stay few however many controllers touch an object; `times` gets the buckets' times.
    """
    updaters = [mid for mid, owned in managers.items() if not owned.applied]
    if len(updaters) <= MAX_UPDATE_MANAGERS:
        return managers
    updaters.sort(key=lambda m: (_epoch(times[m]) if times.get(m) else 0, m.text))
    out = dict(managers)
    first_of_version: dict[str, ManagerId] = {}
    count = len(updaters)
    for mid in updaters:
        if count <= MAX_UPDATE_MANAGERS:
            break
        owned = out[mid]
        first = first_of_version.setdefault(owned.api_version, mid)
        if first == mid:
            continue
        bucket = ManagerId(_ANCIENT, "Update", owned.api_version)
        if bucket not in out:
            out[bucket] = out.pop(first)
        out[bucket] = Owned(owned.fields | out[bucket].fields, owned.api_version, applied=False)
        times[bucket] = times.get(mid)
        del out[mid]
        count -= 1
    return out


def _encode_into(obj: dict[str, Any], managers: Managers, times: Times) -> dict[str, Any]:
    """`obj` carrying `managers` as managedFields, sorted as kube sorts them; none means no field."""
    meta = obj.setdefault("metadata", {})
    if not managers:
        meta.pop("managedFields", None)
        return obj
    entries = []
    for mid, owned in managers.items():
        entry: dict[str, Any] = {"manager": mid.manager} if mid.manager else {}
        entry["operation"] = "Apply" if owned.applied else mid.operation
        entry["apiVersion"] = owned.api_version
        if times.get(mid):
            entry["time"] = times[mid]
        entry["fieldsType"] = "FieldsV1"
        entry["fieldsV1"] = to_fields_v1(owned.fields)
        if mid.subresource:
            entry["subresource"] = mid.subresource
        entries.append(entry)
    entries.sort(
        key=lambda e: (
            e["operation"],
            _epoch(e["time"]) if "time" in e else 0,
            e.get("manager", ""),
            e["apiVersion"],
            e.get("subresource", ""),
        )
    )
    meta["managedFields"] = entries
    return obj
