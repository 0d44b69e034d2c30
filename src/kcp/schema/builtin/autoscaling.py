"""autoscaling/v1 Scale: the body of every scale subresource, CRDs' included."""

from __future__ import annotations

from kcp.schema.builtin.fields import Definition, Schema, int32, obj, string
from kcp.schema.builtin.meta import kind

GROUP = "autoscaling"
PACKAGE = "io.k8s.api.autoscaling.v1"

SCALE_SPEC = Definition(
    f"{PACKAGE}.ScaleSpec",
    obj("Desired scale.", {"replicas": int32("Desired number of replicas.")}),
)

SCALE_STATUS = Definition(
    f"{PACKAGE}.ScaleStatus",
    obj(
        "Observed scale.",
        {
            "replicas": int32("Observed number of replicas."),
            "selector": string("Label selector of the replicas, in query-string form."),
        },
        ("replicas",),
    ),
)

DEFINITIONS = (SCALE_SPEC, SCALE_STATUS)


def _scale() -> Schema:
    return kind(
        (GROUP, "v1", "Scale"),
        "The replica count of a scalable resource.",
        {
            "spec": SCALE_SPEC.field("Desired scale."),
            "status": SCALE_STATUS.field("Observed scale, read-only."),
        },
    )


KINDS = {("v1", "Scale"): _scale}
