"""coordination.k8s.io/v1 leases: kube's spec checks, so a leader elector's bad lease is refused."""

from __future__ import annotations

from kcp.apimachinery.errors import Cause
from kcp.apimachinery.resources import APIResource
from kcp.registry.strategy import Object, Strategy
from kcp.schema.fielderrors import forbidden, invalid

LEASES = APIResource("coordination.k8s.io", "v1", "leases", "Lease", True, "lease")


class LeaseStrategy(Strategy):
    def validate(self, obj: Object) -> list[Cause]:
        spec = obj.get("spec") or {}
        causes = []
        duration = spec.get("leaseDurationSeconds")
        if duration is not None and duration <= 0:
            causes.append(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
        transitions = spec.get("leaseTransitions")
        if transitions is not None and transitions < 0:
            causes.append(invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0"))
        if spec.get("preferredHolder") and not spec.get("strategy"):
            causes.append(forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"))
        return causes
