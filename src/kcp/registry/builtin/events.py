"""Events: core/v1 Event, and events.k8s.io/v1 Event as the same stored objects seen through another version.

kube keeps one Event resource and converts on the way in and out, so an event one client writes
with `regarding`/`note` is what another reads as `involvedObject`/`message`, and a list, a watch
or a delete through either version sees every event. Storage holds the core/v1 shape. Every event
passes kube's legacy checks; those written through events.k8s.io/v1 pass its strict ones too.
"""

from __future__ import annotations

import orjson

from kcp.apimachinery.errors import Cause
from kcp.apimachinery.labels import go_quote, label_key_errors
from kcp.apimachinery.meta import dns1123_subdomain_errors
from kcp.apimachinery.resources import APIResource
from kcp.registry.builtin import core
from kcp.registry.strategy import Object, Strategy

EVENTS_V1 = APIResource("events.k8s.io", "v1", "events", "Event", True, "event", ("ev",))

# events.k8s.io/v1 name -> core/v1 name; every other field has the same name in both.
_RENAMED = {
    "regarding": "involvedObject",
    "note": "message",
    "reportingController": "reportingComponent",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
}
_BACK = {legacy: modern for modern, legacy in _RENAMED.items()}


_LIMITS = {"reportingInstance": 128, "action": 128, "reason": 128}
_IMMUTABLE = (
    "regarding",
    "reason",
    "note",
    "deprecatedSource",
    "deprecatedFirstTimestamp",
    "deprecatedLastTimestamp",
    "deprecatedCount",
    "type",
    "eventTime",
    "action",
    "related",
    "reportingController",
    "reportingInstance",
)
_NOTE_LIMIT = 1024


def _invalid(path: str, value: str, why: str) -> Cause:
    return Cause("FieldValueInvalid", f"Invalid value: {go_quote(value)}: {why}", path)


def _required(path: str) -> Cause:
    return Cause("FieldValueRequired", "Required value", path)


def legacy_event_causes(event: Object) -> list[Cause]:
    """kube's legacyValidateEvent, which every event passes whatever its version; `event` has core/v1's
    shape, as kube's field paths do. An event without eventTime is an old one: only its namespace is
    checked (the involved object's must agree, or be empty in "default")."""
    causes: list[Cause] = []
    namespace = str(event["metadata"].get("namespace") or "")
    involved = event.get("involvedObject")
    involved_ns = str((involved if isinstance(involved, dict) else {}).get("namespace") or "")
    mismatch = _invalid("involvedObject.namespace", involved_ns, "does not match event.namespace")
    if not event.get("eventTime"):
        agrees = namespace == involved_ns or (not involved_ns and namespace == "default")
        if not agrees:
            causes.append(mismatch)
    else:
        if not involved_ns and namespace not in ("default", "kube-system"):
            causes.append(mismatch)
        controller = str(event.get("reportingComponent") or "")
        if not controller:
            causes.append(_required("reportingController"))
        causes += [_invalid("reportingController", controller, e) for e in label_key_errors(controller)]
        for field in _LIMITS:
            value = str(event.get(field) or "")
            if not value:
                causes.append(_required(field))
            if len(value.encode()) > _LIMITS[field]:
                causes.append(_invalid(field, "", f"can have at most {_LIMITS[field]} characters"))
        if len(str(event.get("message") or "").encode()) > _NOTE_LIMIT:
            causes.append(_invalid("message", "", f"can have at most {_NOTE_LIMIT} characters"))
    causes += [_invalid("namespace", namespace, e) for e in dns1123_subdomain_errors(namespace)]
    return causes


def _series_causes(event: Object) -> list[Cause]:
    series = event.get("series")
    if not isinstance(series, dict):
        return []
    causes = []
    if not isinstance(series.get("count"), int) or series["count"] < 2:
        causes.append(_invalid("series.count", "", "should be at least 2"))
    if not series.get("lastObservedTime"):
        causes.append(_required("series.lastObservedTime"))
    return causes


class EventStrategy(Strategy):
    """core/v1 Event: only the legacy checks, for backwards compatibility, as in kube."""

    def validate(self, obj: Object) -> list[Cause]:
        return legacy_event_causes(obj)


class EventsV1Strategy(Strategy):
    stored_as = core.EVENTS

    def validate(self, obj: Object) -> list[Cause]:
        """kube's ValidateEventCreate for events.k8s.io/v1: the legacy checks and the strict ones, with
        kube's field paths, which name the internal (core) fields."""
        causes = legacy_event_causes(self.to_storage(obj)) + _series_causes(obj)
        if not obj.get("eventTime"):
            causes.append(_required("eventTime"))
        if obj.get("type") not in ("Normal", "Warning"):  # kube leaves the value slot empty here
            causes.append(_invalid("type", "", f"has invalid value: {obj.get('type') or ''}"))
        for field, legacy in (
            ("deprecatedFirstTimestamp", "firstTimestamp"),
            ("deprecatedLastTimestamp", "lastTimestamp"),
            ("deprecatedCount", "count"),
            ("deprecatedSource", "source"),
        ):
            value = obj.get(field)  # a zero time, count or source is unset
            if value and (not isinstance(value, dict) or value.get("component") or value.get("host")):
                causes.append(_invalid(legacy, "", "needs to be unset"))
        return causes

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        """kube's ValidateEventUpdate: the legacy checks, the series if it changed, and what an event
        records may not change afterwards."""
        causes = legacy_event_causes(self.to_storage(new))
        if new.get("series") != old.get("series"):
            causes += _series_causes(new)
        for field in _IMMUTABLE:
            value = new.get(field)
            if value != old.get(field):
                shown = go_quote(value if isinstance(value, str) else orjson.dumps(value).decode())
                why = f"Invalid value: {shown}: field is immutable"
                causes.append(Cause("FieldValueInvalid", why, _RENAMED.get(field, field)))
        return causes

    def to_storage(self, obj: Object) -> Object:
        return _renamed(obj, _RENAMED, core.EVENTS.group_version)

    def from_storage(self, obj: Object) -> Object:
        out = _renamed(obj, _BACK, EVENTS_V1.group_version)
        out.setdefault("eventTime", None)  # not omitempty in events.k8s.io/v1: a core event shows null
        return out


def _renamed(obj: Object, names: dict[str, str], api_version: str) -> Object:
    out = {names.get(field, field): value for field, value in obj.items()}
    out["apiVersion"] = api_version
    return out
