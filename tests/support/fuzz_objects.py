"""Valid objects of every kind the server serves: the fuzzer's starting points.

A mutation of a valid object reaches deeper code (validation, admission, storage) than random bytes,
which the decoder refuses first; so each kind starts from a body the server would accept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FUZZ_GROUP = "fuzz.example.com"
WIDGET_CRD = f"widgets.{FUZZ_GROUP}"
NEVER_MATCHED = "never.fuzz.example.com"  # webhooks match only this group, which nothing serves


@dataclass(frozen=True)
class Kind:
    """One served resource: where it lives and what a valid object of it looks like."""

    prefix: str  # "api/v1" or "apis/<group>/<version>"
    resource: str
    namespaced: bool
    subresources: tuple[str, ...] = ()
    review: bool = False  # create-only: *reviews, *accessreviews

    @property
    def api_version(self) -> str:
        return self.prefix.removeprefix("api/").removeprefix("apis/")


KINDS: dict[str, Kind] = {
    "Namespace": Kind("api/v1", "namespaces", False, ("status", "finalize")),
    "ConfigMap": Kind("api/v1", "configmaps", True),
    "Secret": Kind("api/v1", "secrets", True),
    "ServiceAccount": Kind("api/v1", "serviceaccounts", True, ("token",)),
    "Event": Kind("api/v1", "events", True),
    "Event.events.k8s.io": Kind("apis/events.k8s.io/v1", "events", True),
    "Lease": Kind("apis/coordination.k8s.io/v1", "leases", True),
    "Role": Kind("apis/rbac.authorization.k8s.io/v1", "roles", True),
    "RoleBinding": Kind("apis/rbac.authorization.k8s.io/v1", "rolebindings", True),
    "ClusterRole": Kind("apis/rbac.authorization.k8s.io/v1", "clusterroles", False),
    "ClusterRoleBinding": Kind("apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", False),
    "CustomResourceDefinition": Kind(
        "apis/apiextensions.k8s.io/v1", "customresourcedefinitions", False, ("status",)
    ),
    "Widget": Kind(f"apis/{FUZZ_GROUP}/v1", "widgets", True, ("status", "scale")),
    "ValidatingWebhookConfiguration": Kind(
        "apis/admissionregistration.k8s.io/v1", "validatingwebhookconfigurations", False
    ),
    "MutatingWebhookConfiguration": Kind(
        "apis/admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations", False
    ),
    "SubjectAccessReview": Kind("apis/authorization.k8s.io/v1", "subjectaccessreviews", False, review=True),
    "SelfSubjectAccessReview": Kind(
        "apis/authorization.k8s.io/v1", "selfsubjectaccessreviews", False, review=True
    ),
    "LocalSubjectAccessReview": Kind(
        "apis/authorization.k8s.io/v1", "localsubjectaccessreviews", True, review=True
    ),
    "SelfSubjectRulesReview": Kind(
        "apis/authorization.k8s.io/v1", "selfsubjectrulesreviews", False, review=True
    ),
    "TokenReview": Kind("apis/authentication.k8s.io/v1", "tokenreviews", False, review=True),
    "SelfSubjectReview": Kind("apis/authentication.k8s.io/v1", "selfsubjectreviews", False, review=True),
    "Workspace": Kind("apis/tenancy.kcp.io/v1alpha1", "workspaces", False, ("status",)),
    "WorkspaceType": Kind("apis/tenancy.kcp.io/v1alpha1", "workspacetypes", False, ("status",)),
    "LogicalCluster": Kind("apis/core.kcp.io/v1alpha1", "logicalclusters", False, ("status",)),
}

_TS = "2024-05-01T10:00:00Z"
_MICRO = "2024-05-01T10:00:00.123456Z"
_RULES = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]
_ATTRS = {"namespace": "fuzz", "verb": "get", "group": "", "resource": "configmaps", "name": "a"}


def widget_crd() -> dict[str, Any]:
    """A CRD with status and scale subresources, printer columns, defaults and a CEL rule."""
    spec_schema = {
        "type": "object",
        "properties": {
            "replicas": {"type": "integer", "minimum": 0, "default": 1},
            "size": {"type": "string", "enum": ["s", "m", "l"]},
            "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
            "ports": {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["name"],
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string"}, "port": {"type": "integer"}},
                },
            },
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "when": {"type": "string", "format": "date-time"},
        },
        "x-kubernetes-validations": [{"rule": "self.replicas <= 100", "message": "too many"}],
    }
    status_schema = {
        "type": "object",
        "properties": {"replicas": {"type": "integer"}, "selector": {"type": "string"}},
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": WIDGET_CRD},
        "spec": {
            "group": FUZZ_GROUP,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {"spec": spec_schema, "status": status_schema},
                        }
                    },
                    "subresources": {
                        "status": {},
                        "scale": {
                            "specReplicasPath": ".spec.replicas",
                            "statusReplicasPath": ".status.replicas",
                            "labelSelectorPath": ".status.selector",
                        },
                    },
                    "additionalPrinterColumns": [
                        {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"}
                    ],
                    "selectableFields": [{"jsonPath": ".spec.size"}],
                }
            ],
        },
    }


def _webhook(kind: str, name: str) -> dict[str, Any]:
    """Webhooks that match nothing and ignore failures: a valid one must not break the server's
    other requests (kube answers 500 when a Fail-policy webhook cannot be called)."""
    hook: dict[str, Any] = {
        "name": f"a.{FUZZ_GROUP}",
        "clientConfig": {"url": "https://127.0.0.1:1/hook"},
        "rules": [
            {
                "apiGroups": [NEVER_MATCHED],
                "apiVersions": ["v1"],
                "operations": ["CREATE", "UPDATE"],
                "resources": ["nothing"],
                "scope": "*",
            }
        ],
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
        "failurePolicy": "Ignore",
        "timeoutSeconds": 1,
        "matchPolicy": "Exact",
        "namespaceSelector": {"matchLabels": {"x": "y"}},
        "matchConditions": [{"name": "c", "expression": "true"}],
    }
    if kind.startswith("Mutating"):
        hook["reinvocationPolicy"] = "Never"
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": kind,
        "metadata": {"name": name},
        "webhooks": [hook],
    }


def valid(kind: str, name: str, namespace: str) -> dict[str, Any]:
    """A body the server would accept for `kind` (the review kinds and a few others ignore name)."""
    k = KINDS[kind]
    meta: dict[str, Any] = {"name": name, "labels": {"app": "fuzz"}, "annotations": {"a": "b"}}
    if k.namespaced:
        meta["namespace"] = namespace
    obj: dict[str, Any] = {"apiVersion": k.api_version, "kind": kind.split(".")[0], "metadata": meta}
    obj.update(_BODIES.get(kind, dict)())
    if kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        return _webhook(kind, name)
    if kind == "CustomResourceDefinition":
        return widget_crd()
    return obj


def subresource_body(kind: str, sub: str, name: str, namespace: str) -> dict[str, Any]:
    """What a PUT to a subresource carries: the object itself, or a Scale, or a TokenRequest."""
    if sub == "scale":
        meta = {"name": name, "namespace": namespace}
        return {"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": meta, "spec": {"replicas": 2}}
    if sub == "token":
        return {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"audiences": ["fuzz"], "expirationSeconds": 3600},
        }
    obj = valid(kind, name, namespace)
    obj.setdefault("status", {"phase": "Active"} if kind == "Namespace" else {"replicas": 1})
    if kind == "Namespace" and sub == "finalize":
        obj["spec"] = {"finalizers": []}
    return obj


_BODIES: dict[str, Any] = {
    "Namespace": lambda: {"spec": {"finalizers": ["kubernetes"]}},
    "ConfigMap": lambda: {"data": {"k": "v", "x.y": "z"}, "binaryData": {"b": "aGk="}},
    "Secret": lambda: {"type": "Opaque", "data": {"k": "dmFs"}, "stringData": {"s": "x"}},
    "ServiceAccount": lambda: {
        "secrets": [{"name": "s"}],
        "imagePullSecrets": [{"name": "p"}],
        "automountServiceAccountToken": False,
    },
    "Event": lambda: {
        "involvedObject": {"kind": "ConfigMap", "namespace": "fuzz", "name": "a", "apiVersion": "v1"},
        "reason": "Fuzz",
        "message": "m",
        "type": "Normal",
        "count": 1,
        "firstTimestamp": _TS,
        "lastTimestamp": _TS,
        "source": {"component": "fuzz"},
    },
    "Event.events.k8s.io": lambda: {
        "eventTime": _MICRO,
        "reportingController": "fuzz.example.com/c",
        "reportingInstance": "i",
        "action": "Act",
        "reason": "Fuzz",
        "note": "n",
        "type": "Warning",
        "regarding": {"kind": "ConfigMap", "namespace": "fuzz", "name": "a"},
        "series": {"count": 2, "lastObservedTime": _MICRO},
    },
    "Lease": lambda: {
        "spec": {
            "holderIdentity": "h",
            "leaseDurationSeconds": 15,
            "acquireTime": _MICRO,
            "renewTime": _MICRO,
            "leaseTransitions": 1,
        }
    },
    "Role": lambda: {"rules": _RULES},
    "ClusterRole": lambda: {
        "rules": [*_RULES, {"nonResourceURLs": ["/healthz"], "verbs": ["get"]}],
    },
    "RoleBinding": lambda: {
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
        "subjects": [{"kind": "User", "name": "u", "apiGroup": "rbac.authorization.k8s.io"}],
    },
    "ClusterRoleBinding": lambda: {
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "ServiceAccount", "name": "s", "namespace": "fuzz"}],
    },
    "Widget": lambda: {
        "spec": {
            "replicas": 3,
            "size": "m",
            "tags": ["a", "b"],
            "ports": [{"name": "http", "port": 80}],
            "free": {"any": [1, {"x": None}]},
            "when": _TS,
        }
    },
    "SubjectAccessReview": lambda: {"spec": {"user": "u", "groups": ["g"], "resourceAttributes": _ATTRS}},
    "SelfSubjectAccessReview": lambda: {"spec": {"nonResourceAttributes": {"path": "/x", "verb": "get"}}},
    "LocalSubjectAccessReview": lambda: {"spec": {"user": "u", "resourceAttributes": _ATTRS}},
    "SelfSubjectRulesReview": lambda: {"spec": {"namespace": "fuzz"}},
    "TokenReview": lambda: {"spec": {"token": "abc", "audiences": ["x"]}},
    "SelfSubjectReview": lambda: {},
    "Workspace": lambda: {"spec": {"type": {"name": "universal", "path": "root"}}},
    "WorkspaceType": lambda: {
        "spec": {
            "defaultChildWorkspaceType": {"name": "universal", "path": "root"},
            "limitAllowedChildren": {"types": [{"name": "universal", "path": "root"}]},
            "extend": {"with": [{"name": "universal", "path": "root"}]},
        }
    },
    "LogicalCluster": lambda: {"spec": {"initializers": ["root:fuzz"]}},
}
