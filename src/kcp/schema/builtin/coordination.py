"""coordination.k8s.io/v1: leases, for leader election and heartbeats."""

from __future__ import annotations

from kcp.schema.builtin.fields import Definition, Schema, int32, obj, string, timestamp
from kcp.schema.builtin.meta import kind

GROUP = "coordination.k8s.io"
PACKAGE = "io.k8s.api.coordination.v1"

LEASE_SPEC = Definition(
    f"{PACKAGE}.LeaseSpec",
    obj(
        "Who holds a lease and for how long.",
        {
            "holderIdentity": string("Identity of the current holder."),
            "leaseDurationSeconds": int32(
                "How long candidates wait after the last renewal before taking over."
            ),
            "acquireTime": timestamp("When the current holder acquired the lease."),
            "renewTime": timestamp("When the holder last renewed the lease."),
            "leaseTransitions": int32("How many times the lease changed holders."),
            "strategy": string("How a holder is chosen in coordinated leader election."),
            "preferredHolder": string("Holder the coordinator would like to take over the lease."),
        },
    ),
)

DEFINITIONS = (LEASE_SPEC,)


def _lease() -> Schema:
    return kind(
        (GROUP, "v1", "Lease"),
        "A lease held by one party at a time.",
        {"spec": LEASE_SPEC.field("The lease's holder and timing.")},
    )


KINDS = {("v1", "Lease"): _lease}
