"""policy/v1 (PodDisruptionBudget, Eviction) and scheduling.k8s.io/v1 (PriorityClass) message tables."""

from __future__ import annotations

from kcp.apimachinery.protobuf_types import (
    INT_OR_STRING,
    TIME,
    Message,
    Mode,
    boolean,
    int32,
    int64,
    mapping,
    message,
    messages,
    string,
)
from kcp.apimachinery.prototables.meta import CONDITION, DELETE_OPTIONS, LABEL_SELECTOR, OBJECT_META

POD_DISRUPTION_BUDGET = Message(
    "PodDisruptionBudget",
    [
        message(1, "metadata", OBJECT_META),
        message(
            2,
            "spec",
            Message(
                "PodDisruptionBudgetSpec",
                [
                    message(1, "minAvailable", INT_OR_STRING, Mode.PTR),
                    message(2, "selector", LABEL_SELECTOR, Mode.PTR),
                    message(3, "maxUnavailable", INT_OR_STRING, Mode.PTR),
                    string(4, "unhealthyPodEvictionPolicy", Mode.PTR),
                ],
            ),
        ),
        message(
            3,
            "status",
            Message(
                "PodDisruptionBudgetStatus",
                [
                    int64(1, "observedGeneration"),
                    mapping(2, "disruptedPods", TIME),
                    int32(3, "disruptionsAllowed", Mode.KEEP),
                    int32(4, "currentHealthy", Mode.KEEP),
                    int32(5, "desiredHealthy", Mode.KEEP),
                    int32(6, "expectedPods", Mode.KEEP),
                    messages(7, "conditions", CONDITION),
                ],
            ),
        ),
    ],
)

EVICTION = Message(
    "Eviction",
    [message(1, "metadata", OBJECT_META), message(2, "deleteOptions", DELETE_OPTIONS, Mode.PTR)],
)

PRIORITY_CLASS = Message(
    "PriorityClass",
    [
        message(1, "metadata", OBJECT_META),
        int32(2, "value", Mode.KEEP),
        boolean(3, "globalDefault"),
        string(4, "description"),
        string(5, "preemptionPolicy", Mode.PTR),
    ],
)

KINDS = {
    ("policy/v1", "PodDisruptionBudget"): POD_DISRUPTION_BUDGET,
    ("policy/v1", "Eviction"): EVICTION,
    ("scheduling.k8s.io/v1", "PriorityClass"): PRIORITY_CLASS,
}
