"""admissionregistration.k8s.io/v1 webhook configurations, defaulted as kube defaults them.

The server calls the webhooks (server/webhooks.py); what is stored shows the values it acts on.
"""

from __future__ import annotations

from kcp.apimachinery.resources import APIResource
from kcp.registry.strategy import Object, Strategy

GROUP = "admissionregistration.k8s.io"
VALIDATING_WEBHOOKS = APIResource(
    GROUP,
    "v1",
    "validatingwebhookconfigurations",
    "ValidatingWebhookConfiguration",
    False,
    "validatingwebhookconfiguration",
    categories=("api-extensions",),
)
MUTATING_WEBHOOKS = APIResource(
    GROUP,
    "v1",
    "mutatingwebhookconfigurations",
    "MutatingWebhookConfiguration",
    False,
    "mutatingwebhookconfiguration",
    categories=("api-extensions",),
)
_DEFAULTS = {
    "failurePolicy": "Fail",
    "matchPolicy": "Equivalent",
    "namespaceSelector": {},
    "objectSelector": {},
    "timeoutSeconds": 10,
}


class WebhookConfigurationStrategy(Strategy):
    tracks_generation = True
    core_finalizers = False

    def default(self, obj: Object) -> None:
        mutating = self.resource.kind == MUTATING_WEBHOOKS.kind
        for hook in obj.get("webhooks") or []:
            if not isinstance(hook, dict):
                continue
            for field, value in _DEFAULTS.items():
                hook.setdefault(field, dict(value) if isinstance(value, dict) else value)
            if mutating:
                hook.setdefault("reinvocationPolicy", "Never")
            for rule in hook.get("rules") or []:
                if isinstance(rule, dict):
                    rule.setdefault("scope", "*")
