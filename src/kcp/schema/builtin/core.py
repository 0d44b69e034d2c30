"""core/v1: the kinds of the legacy group that kcp serves in every workspace."""

from __future__ import annotations

from kcp.schema.builtin.fields import (
    ATOMIC,
    ATOMIC_STRUCT,
    Definition,
    Schema,
    array,
    boolean,
    int32,
    map_list,
    obj,
    string,
    string_map,
    strings,
    timestamp,
)
from kcp.schema.builtin.meta import kind

GROUP = ""
PACKAGE = "io.k8s.api.core.v1"

OBJECT_REFERENCE = Definition(
    f"{PACKAGE}.ObjectReference",
    obj(
        "Enough to find one object: kind, namespace, name and optionally UID and version.",
        {
            "kind": string("Kind of the referent."),
            "namespace": string("Namespace of the referent."),
            "name": string("Name of the referent."),
            "uid": string("UID of the referent."),
            "apiVersion": string("API version of the referent."),
            "resourceVersion": string("resourceVersion of the referent this reference was made at."),
            "fieldPath": string("Path to a part of the referent, such as spec.containers{name}."),
        },
    )
    | ATOMIC_STRUCT,
)

LOCAL_OBJECT_REFERENCE = Definition(
    f"{PACKAGE}.LocalObjectReference",
    obj("Names an object in the same namespace.", {"name": string("Name of the referent.")}) | ATOMIC_STRUCT,
)

NAMESPACE_CONDITION = Definition(
    f"{PACKAGE}.NamespaceCondition",
    obj(
        "One aspect of a namespace's state, mostly about its deletion.",
        {
            "type": string("Condition type, such as NamespaceContentRemaining."),
            "status": string("True, False or Unknown."),
            "lastTransitionTime": timestamp("When the status last changed."),
            "reason": string("Machine-readable reason for the last transition."),
            "message": string("Human-readable details."),
        },
        ("type", "status"),
    ),
)

NAMESPACE_SPEC = Definition(
    f"{PACKAGE}.NamespaceSpec",
    obj(
        "Desired state of a namespace.",
        {"finalizers": strings("Must be emptied before the namespace is removed from storage.")},
    ),
)

NAMESPACE_STATUS = Definition(
    f"{PACKAGE}.NamespaceStatus",
    obj(
        "Observed state of a namespace.",
        {
            "phase": string("Active, or Terminating once deletion started.", enum=("Active", "Terminating")),
            "conditions": array("Latest observations of the namespace.", NAMESPACE_CONDITION.item())
            | map_list("type", merge=True),
        },
    ),
)

EVENT_SOURCE = Definition(
    f"{PACKAGE}.EventSource",
    obj(
        "The component that reported an event.",
        {"component": string("Reporting component."), "host": string("Node the event came from.")},
    ),
)

EVENT_SERIES = Definition(
    f"{PACKAGE}.EventSeries",
    obj(
        "A run of repeated, similar events.",
        {
            "count": int32("Occurrences in the series so far."),
            "lastObservedTime": timestamp("When the last occurrence was seen."),
        },
    ),
)


def quantities(description: str) -> Schema:
    """A ResourceList: resource name → resource.Quantity (a string, or a JSON number on input)."""
    return {"description": description, "type": "object", "additionalProperties": string("", fmt="quantity")}


SCOPED_RESOURCE_SELECTOR_REQUIREMENT = Definition(
    f"{PACKAGE}.ScopedResourceSelectorRequirement",
    obj(
        "A scope name, an operator and the values it applies to.",
        {
            "scopeName": string("The scope the selector applies to, such as PriorityClass."),
            "operator": string(
                "In, NotIn, Exists or DoesNotExist.", enum=("DoesNotExist", "Exists", "In", "NotIn")
            ),
            "values": strings("Values for In and NotIn; empty for Exists and DoesNotExist."),
        },
        ("scopeName", "operator"),
    ),
)

SCOPE_SELECTOR = Definition(
    f"{PACKAGE}.ScopeSelector",
    obj(
        "Scope requirements, all of which must match.",
        {
            "matchExpressions": array("Requirements on scopes.", SCOPED_RESOURCE_SELECTOR_REQUIREMENT.item())
            | ATOMIC
        },
    )
    | ATOMIC_STRUCT,
)

RESOURCE_QUOTA_SPEC = Definition(
    f"{PACKAGE}.ResourceQuotaSpec",
    obj(
        "Hard limits for each named resource, and the scopes they apply to.",
        {
            "hard": quantities("The most that may be used of each named resource."),
            "scopes": strings("Filters that must all match for an object to be counted."),
            "scopeSelector": SCOPE_SELECTOR.field("Scope filters as expressions; all must match."),
        },
    ),
)

RESOURCE_QUOTA_STATUS = Definition(
    f"{PACKAGE}.ResourceQuotaStatus",
    obj(
        "The limits in force and what the namespace uses.",
        {
            "hard": quantities("The hard limits being enforced."),
            "used": quantities("Current use of each limited resource in the namespace."),
        },
    ),
)

DEFINITIONS = (
    OBJECT_REFERENCE,
    LOCAL_OBJECT_REFERENCE,
    NAMESPACE_CONDITION,
    NAMESPACE_SPEC,
    NAMESPACE_STATUS,
    EVENT_SOURCE,
    EVENT_SERIES,
    SCOPED_RESOURCE_SELECTOR_REQUIREMENT,
    SCOPE_SELECTOR,
    RESOURCE_QUOTA_SPEC,
    RESOURCE_QUOTA_STATUS,
)


def _namespace() -> Schema:
    return kind(
        (GROUP, "v1", "Namespace"),
        "A scope for names; namespaced objects live in exactly one namespace.",
        {
            "spec": NAMESPACE_SPEC.field("Desired state of the namespace."),
            "status": NAMESPACE_STATUS.field("Observed state of the namespace."),
        },
    )


def _config_map() -> Schema:
    return kind(
        (GROUP, "v1", "ConfigMap"),
        "Non-secret configuration data for workloads to consume.",
        {
            "immutable": boolean("If true, data and binaryData can no longer change."),
            "data": string_map("UTF-8 values; keys must not repeat in binaryData."),
            "binaryData": string_map(
                "Binary values, base64-encoded; keys must not repeat in data.", fmt="byte"
            ),
        },
    )


def _secret() -> Schema:
    return kind(
        (GROUP, "v1", "Secret"),
        "Sensitive data, such as passwords, tokens or keys.",
        {
            "immutable": boolean("If true, data can no longer change."),
            "data": string_map("Values, base64-encoded.", fmt="byte"),
            "stringData": string_map("Write-only convenience: plain values merged into data on write."),
            "type": string("How the data is meant to be used, such as Opaque."),
        },
    )


def _service_account() -> Schema:
    return kind(
        (GROUP, "v1", "ServiceAccount"),
        "An identity for processes, with credentials of its own.",
        {
            "secrets": array("Secrets this account may use.", OBJECT_REFERENCE.item())
            | map_list("name", merge=True),
            "imagePullSecrets": array("Secrets for pulling images.", LOCAL_OBJECT_REFERENCE.item()) | ATOMIC,
            "automountServiceAccountToken": boolean("Whether pods get an API token of this account mounted."),
        },
    )


def _event() -> Schema:
    return kind(
        (GROUP, "v1", "Event"),
        "A report of something that happened to an object.",
        {
            "involvedObject": OBJECT_REFERENCE.field("The object the event is about."),
            "reason": string("Short machine-readable reason, in CamelCase."),
            "message": string("Human-readable description."),
            "source": EVENT_SOURCE.field("Component that reported the event."),
            "firstTimestamp": timestamp("When the event was first recorded."),
            "lastTimestamp": timestamp("When the event was most recently recorded."),
            "count": int32("How many times the event occurred."),
            "type": string("Normal or Warning."),
            "eventTime": timestamp("When the event was first observed, in microseconds."),
            "series": EVENT_SERIES.field("Data about the series this event belongs to."),
            "action": string("What was done, or failed, about the object."),
            "related": OBJECT_REFERENCE.field("A secondary object, if any."),
            "reportingComponent": string("Controller that emitted the event, such as kcp.io/controller."),
            "reportingInstance": string("Instance of the reporting controller."),
        },
        ("metadata", "involvedObject"),
    )


def _resource_quota() -> Schema:
    return kind(
        (GROUP, "v1", "ResourceQuota"),
        "Limits on what a namespace may hold; this server enforces object counts.",
        {
            "spec": RESOURCE_QUOTA_SPEC.field("The limits wanted."),
            "status": RESOURCE_QUOTA_STATUS.field("The limits enforced and the use observed."),
        },
    )


KINDS = {
    ("v1", "Namespace"): _namespace,
    ("v1", "ConfigMap"): _config_map,
    ("v1", "Secret"): _secret,
    ("v1", "ServiceAccount"): _service_account,
    ("v1", "Event"): _event,
    ("v1", "ResourceQuota"): _resource_quota,
}
