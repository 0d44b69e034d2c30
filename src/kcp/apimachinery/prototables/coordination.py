"""coordination.k8s.io/v1 Lease message table."""

from __future__ import annotations

from kcp.apimachinery.protobuf_types import MICRO_TIME, Message, Mode, int32, message, string
from kcp.apimachinery.prototables.meta import OBJECT_META

LEASE = Message(
    "Lease",
    [
        message(1, "metadata", OBJECT_META),
        message(
            2,
            "spec",
            Message(
                "LeaseSpec",
                [
                    string(1, "holderIdentity", Mode.PTR),
                    int32(2, "leaseDurationSeconds", Mode.PTR),
                    message(3, "acquireTime", MICRO_TIME, Mode.PTR),
                    message(4, "renewTime", MICRO_TIME, Mode.PTR),
                    int32(5, "leaseTransitions", Mode.PTR),
                    string(6, "strategy", Mode.PTR),
                    string(7, "preferredHolder", Mode.PTR),
                ],
            ),
        ),
    ],
)

KINDS = {("coordination.k8s.io/v1", "Lease"): LEASE}
