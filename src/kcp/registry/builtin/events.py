"""events.k8s.io/v1 Event: the same stored objects as core/v1 Event, seen through another version.

kube keeps one Event resource and converts on the way in and out, so an event one client writes
with `regarding`/`note` is what another reads as `involvedObject`/`message`, and a list, a watch
or a delete through either version sees every event. Storage holds the core/v1 shape.
"""

from __future__ import annotations

import orjson

from kcp.apimachinery.errors import Cause
from kcp.apimachinery.labels import go_quote
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


class EventsV1Strategy(Strategy):
    stored_as = core.EVENTS

    def validate(self, obj: Object) -> list[Cause]:
        """kube's strict checks for events created through events.k8s.io/v1 (ValidateEventCreate),
        with its field paths, which name the internal (core) fields."""
        causes: list[Cause] = []

        def invalid(path: str, why: str) -> None:
            causes.append(Cause("FieldValueInvalid", f'Invalid value: "": {why}', path))

        namespace = obj["metadata"].get("namespace", "")
        if not (obj.get("regarding") or {}).get("namespace") and namespace not in ("default", "kube-system"):
            invalid("involvedObject.namespace", "does not match event.namespace")
        for field in ("reportingController", *_LIMITS):
            if not obj.get(field):
                causes.append(Cause("FieldValueRequired", "Required value", field))
            elif len(str(obj[field])) > _LIMITS.get(field, 1 << 30):
                invalid(field, f"can have at most {_LIMITS[field]} characters")
        if len(str(obj.get("note") or "")) > _NOTE_LIMIT:
            invalid("message", f"can have at most {_NOTE_LIMIT} characters")
        if not obj.get("eventTime"):
            causes.append(Cause("FieldValueRequired", "Required value", "eventTime"))
        if obj.get("type") not in ("Normal", "Warning"):
            invalid("type", f"has invalid value: {obj.get('type') or ''}")
        for field, legacy in (
            ("deprecatedFirstTimestamp", "firstTimestamp"),
            ("deprecatedLastTimestamp", "lastTimestamp"),
            ("deprecatedCount", "count"),
            ("deprecatedSource", "source"),
        ):
            if obj.get(field):
                invalid(legacy, "needs to be unset")
        return causes

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        """The same checks, and what an event records may not change afterwards (only its series)."""
        causes = self.validate(new)
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
