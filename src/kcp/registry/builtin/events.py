"""events.k8s.io/v1 Event: the same stored objects as core/v1 Event, seen through another version.

kube keeps one Event resource and converts on the way in and out, so an event one client writes
with `regarding`/`note` is what another reads as `involvedObject`/`message`, and a list, a watch
or a delete through either version sees every event. Storage holds the core/v1 shape.
"""

from __future__ import annotations

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


class EventsV1Strategy(Strategy):
    stored_as = core.EVENTS

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
