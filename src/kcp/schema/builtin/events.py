"""events.k8s.io/v1: the structured successor of core/v1 Event."""

from __future__ import annotations

from kcp.schema.builtin.core import EVENT_SOURCE, OBJECT_REFERENCE
from kcp.schema.builtin.fields import Definition, Schema, int32, obj, string, timestamp
from kcp.schema.builtin.meta import kind

GROUP = "events.k8s.io"
PACKAGE = "io.k8s.api.events.v1"

EVENT_SERIES = Definition(
    f"{PACKAGE}.EventSeries",
    obj(
        "A run of repeated, similar events, updated in place instead of creating new ones.",
        {
            "count": int32("Occurrences in the series so far."),
            "lastObservedTime": timestamp("When the last occurrence was seen."),
        },
        ("count", "lastObservedTime"),
    ),
)

DEFINITIONS = (EVENT_SERIES,)


def _event() -> Schema:
    return kind(
        (GROUP, "v1", "Event"),
        "A report of something that happened to an object, as emitted by a controller.",
        {
            "eventTime": timestamp("When the event was first observed, in microseconds."),
            "series": EVENT_SERIES.field("Data about the series this event belongs to."),
            "reportingController": string("Controller that emitted the event, such as kcp.io/controller."),
            "reportingInstance": string("Instance of the reporting controller."),
            "action": string("What was done, or failed, about the regarding object."),
            "reason": string("Short machine-readable reason, in CamelCase."),
            "regarding": OBJECT_REFERENCE.field("The object the event is about."),
            "related": OBJECT_REFERENCE.field("A secondary object, if any."),
            "note": string("Human-readable description."),
            "type": string("Normal or Warning."),
            "deprecatedSource": EVENT_SOURCE.field("Kept for compatibility with core/v1 Event."),
            "deprecatedFirstTimestamp": timestamp("Kept for compatibility with core/v1 Event."),
            "deprecatedLastTimestamp": timestamp("Kept for compatibility with core/v1 Event."),
            "deprecatedCount": int32("Kept for compatibility with core/v1 Event."),
        },
        ("eventTime",),
    )


KINDS = {("v1", "Event"): _event}
