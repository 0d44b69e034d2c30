"""The admission a Store runs on writes, in kube's plugin order: mutating webhooks, then (after
validation) validating admission policies, then validating webhooks. Each part is skipped in a
logical cluster that registered nothing for it, so most writes pay two set lookups."""

from __future__ import annotations

from kcp.logicalcluster import ClusterName
from kcp.registry.admission import Attributes
from kcp.server.admissionpolicies import AdmissionPolicies
from kcp.server.webhooks import AdmissionWebhooks


class AdmissionChain:
    def __init__(self, webhooks: AdmissionWebhooks, policies: AdmissionPolicies) -> None:
        self.webhooks = webhooks
        self.policies = policies

    def registered(self, cluster: ClusterName) -> bool:
        return self.webhooks.registered(cluster) or self.policies.registered(cluster)

    async def mutate(self, attrs: Attributes) -> None:
        if self.webhooks.registered(attrs.cluster):
            await self.webhooks.mutate(attrs)

    async def validate(self, attrs: Attributes) -> None:
        if self.policies.registered(attrs.cluster):
            await self.policies.validate(attrs)
        if self.webhooks.registered(attrs.cluster):
            await self.webhooks.validate(attrs)
