"""events.k8s.io/v1 Event message table."""

from __future__ import annotations

from kcp.apimachinery.protobuf_types import MICRO_TIME, TIME, Message, Mode, int32, message, string
from kcp.apimachinery.prototables.core import EVENT_SOURCE, OBJECT_REFERENCE
from kcp.apimachinery.prototables.meta import OBJECT_META

EVENT = Message(
    "Event",
    [
        message(1, "metadata", OBJECT_META),
        message(2, "eventTime", MICRO_TIME),
        message(
            3,
            "series",
            Message(
                "EventSeries",
                [int32(1, "count", Mode.KEEP), message(2, "lastObservedTime", MICRO_TIME)],
            ),
            Mode.PTR,
        ),
        string(4, "reportingController"),
        string(5, "reportingInstance"),
        string(6, "action"),
        string(7, "reason"),
        message(8, "regarding", OBJECT_REFERENCE),
        message(9, "related", OBJECT_REFERENCE, Mode.PTR),
        string(10, "note"),
        string(11, "type"),
        message(12, "deprecatedSource", EVENT_SOURCE),
        message(13, "deprecatedFirstTimestamp", TIME),
        message(14, "deprecatedLastTimestamp", TIME),
        int32(15, "deprecatedCount"),
    ],
)

KINDS = {("events.k8s.io/v1", "Event"): EVENT}
