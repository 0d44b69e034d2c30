"""core/v1 message tables: the kinds kubectl's typed commands create, plus Event and ResourceQuota."""

from __future__ import annotations

from kcp.apimachinery.protobuf_types import (
    INT_OR_STRING,
    MICRO_TIME,
    QUANTITY,
    TIME,
    Kind,
    Message,
    Mode,
    boolean,
    int32,
    mapping,
    message,
    messages,
    string,
    strings,
)
from kcp.apimachinery.prototables.meta import CONDITION, OBJECT_META

OBJECT_REFERENCE = Message(
    "ObjectReference",
    [
        string(1, "kind"),
        string(2, "namespace"),
        string(3, "name"),
        string(4, "uid"),
        string(5, "apiVersion"),
        string(6, "resourceVersion"),
        string(7, "fieldPath"),
    ],
)
LOCAL_OBJECT_REFERENCE = Message("LocalObjectReference", [string(1, "name")])

NAMESPACE_CONDITION = Message(
    "NamespaceCondition",
    [
        string(1, "type", Mode.KEEP),
        string(2, "status", Mode.KEEP),
        message(4, "lastTransitionTime", TIME),
        string(5, "reason"),
        string(6, "message"),
    ],
)
NAMESPACE = Message(
    "Namespace",
    [
        message(1, "metadata", OBJECT_META),
        message(2, "spec", Message("NamespaceSpec", [strings(1, "finalizers")])),
        message(
            3,
            "status",
            Message("NamespaceStatus", [string(1, "phase"), messages(2, "conditions", NAMESPACE_CONDITION)]),
        ),
    ],
)

CONFIG_MAP = Message(
    "ConfigMap",
    [
        message(1, "metadata", OBJECT_META),
        boolean(4, "immutable", Mode.PTR),
        mapping(2, "data", Kind.STRING),
        mapping(3, "binaryData", Kind.BYTES),
    ],
)

SECRET = Message(
    "Secret",
    [
        message(1, "metadata", OBJECT_META),
        boolean(5, "immutable", Mode.PTR),
        mapping(2, "data", Kind.BYTES),
        mapping(4, "stringData", Kind.STRING),
        string(3, "type"),
    ],
)

SERVICE_ACCOUNT = Message(
    "ServiceAccount",
    [
        message(1, "metadata", OBJECT_META),
        messages(2, "secrets", OBJECT_REFERENCE),
        messages(3, "imagePullSecrets", LOCAL_OBJECT_REFERENCE),
        boolean(4, "automountServiceAccountToken", Mode.PTR),
    ],
)

EVENT_SOURCE = Message("EventSource", [string(1, "component"), string(2, "host")])
EVENT_SERIES = Message("EventSeries", [int32(1, "count"), message(2, "lastObservedTime", MICRO_TIME)])
EVENT = Message(
    "Event",
    [
        message(1, "metadata", OBJECT_META),
        message(2, "involvedObject", OBJECT_REFERENCE),
        string(3, "reason"),
        string(4, "message"),
        message(5, "source", EVENT_SOURCE),
        message(6, "firstTimestamp", TIME),
        message(7, "lastTimestamp", TIME),
        int32(8, "count"),
        string(9, "type"),
        message(10, "eventTime", MICRO_TIME),
        message(11, "series", EVENT_SERIES, Mode.PTR),
        string(12, "action"),
        message(13, "related", OBJECT_REFERENCE, Mode.PTR),
        string(14, "reportingComponent", Mode.KEEP),
        string(15, "reportingInstance", Mode.KEEP),
    ],
)

SCOPED_RESOURCE_SELECTOR_REQUIREMENT = Message(
    "ScopedResourceSelectorRequirement",
    [string(1, "scopeName", Mode.KEEP), string(2, "operator", Mode.KEEP), strings(3, "values")],
)
RESOURCE_QUOTA = Message(
    "ResourceQuota",
    [
        message(1, "metadata", OBJECT_META),
        message(
            2,
            "spec",
            Message(
                "ResourceQuotaSpec",
                [
                    mapping(1, "hard", QUANTITY),
                    strings(2, "scopes"),
                    message(
                        3,
                        "scopeSelector",
                        Message(
                            "ScopeSelector",
                            [messages(1, "matchExpressions", SCOPED_RESOURCE_SELECTOR_REQUIREMENT)],
                        ),
                        Mode.PTR,
                    ),
                ],
            ),
        ),
        message(
            3,
            "status",
            Message("ResourceQuotaStatus", [mapping(1, "hard", QUANTITY), mapping(2, "used", QUANTITY)]),
        ),
    ],
)

SERVICE_PORT = Message(
    "ServicePort",
    [
        string(1, "name"),
        string(2, "protocol"),
        string(6, "appProtocol", Mode.PTR),
        int32(3, "port", Mode.KEEP),
        message(4, "targetPort", INT_OR_STRING),
        int32(5, "nodePort"),
    ],
)
SESSION_AFFINITY_CONFIG = Message(
    "SessionAffinityConfig",
    [message(1, "clientIP", Message("ClientIPConfig", [int32(1, "timeoutSeconds", Mode.PTR)]), Mode.PTR)],
)
SERVICE_SPEC = Message(
    "ServiceSpec",
    [
        messages(1, "ports", SERVICE_PORT),
        mapping(2, "selector", Kind.STRING),
        string(3, "clusterIP"),
        strings(18, "clusterIPs"),
        string(4, "type"),
        strings(5, "externalIPs"),
        string(7, "sessionAffinity"),
        string(8, "loadBalancerIP"),
        strings(9, "loadBalancerSourceRanges"),
        string(10, "externalName"),
        string(11, "externalTrafficPolicy"),
        int32(12, "healthCheckNodePort"),
        boolean(13, "publishNotReadyAddresses"),
        message(14, "sessionAffinityConfig", SESSION_AFFINITY_CONFIG, Mode.PTR),
        strings(19, "ipFamilies"),
        string(17, "ipFamilyPolicy", Mode.PTR),
        boolean(20, "allocateLoadBalancerNodePorts", Mode.PTR),
        string(21, "loadBalancerClass", Mode.PTR),
        string(22, "internalTrafficPolicy", Mode.PTR),
        string(23, "trafficDistribution", Mode.PTR),
    ],
)
PORT_STATUS = Message(
    "PortStatus",
    [int32(1, "port", Mode.KEEP), string(2, "protocol", Mode.KEEP), string(3, "error", Mode.PTR)],
)
LOAD_BALANCER_INGRESS = Message(
    "LoadBalancerIngress",
    [
        string(1, "ip"),
        string(2, "hostname"),
        string(3, "ipMode", Mode.PTR),
        messages(4, "ports", PORT_STATUS),
    ],
)
SERVICE = Message(
    "Service",
    [
        message(1, "metadata", OBJECT_META),
        message(2, "spec", SERVICE_SPEC),
        message(
            3,
            "status",
            Message(
                "ServiceStatus",
                [
                    message(
                        1,
                        "loadBalancer",
                        Message("LoadBalancerStatus", [messages(1, "ingress", LOAD_BALANCER_INGRESS)]),
                    ),
                    messages(2, "conditions", CONDITION),
                ],
            ),
        ),
    ],
)

KINDS = {
    ("v1", "Namespace"): NAMESPACE,
    ("v1", "ConfigMap"): CONFIG_MAP,
    ("v1", "Secret"): SECRET,
    ("v1", "ServiceAccount"): SERVICE_ACCOUNT,
    ("v1", "Event"): EVENT,
    ("v1", "ResourceQuota"): RESOURCE_QUOTA,
    ("v1", "Service"): SERVICE,
}
