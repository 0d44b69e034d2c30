"""core/v1, meta/v1, coordination, events, policy and scheduling kinds: each field decodes to Go's JSON.

Bodies come from the test-only encoder in tests/support/protowire.py, built from the field numbers in
Kubernetes' generated.proto files; the expected JSON follows the Go types' struct tags.
"""

from __future__ import annotations

from tests.support.protowire import T0, T0_TEXT, b, entry, i, m, s, timestamp
from tests.support.protowire import decode_object as decode

YEAR_ONE = -62_135_596_800  # Go's zero time


def test_object_meta_every_field() -> None:
    owner = m(13, s(1, "ReplicaSet"), s(3, "rs"), s(4, "u-1"), s(5, "apps/v1"), i(6, 0), i(7, 1))
    managed = m(
        17,
        s(1, "kubectl"),
        s(2, "Update"),
        s(3, "v1"),
        timestamp(4),
        s(6, "FieldsV1"),
        m(7, b(1, b'{"f:data":{".":{}}}')),
        s(8, "status"),
    )
    meta = m(
        1,
        *(s(n, v) for n, v in [(1, "n"), (2, "gen-"), (3, "ns"), (4, "/self"), (5, "uid"), (6, "42")]),
        i(7, 3),
        timestamp(8),
        m(9),  # present but zero: a non-nil pointer to the zero time, null in JSON
        i(10, 0),
        entry(11, "app", s(2, "x")),
        entry(12, "note", s(2, "")),
        owner,
        s(14, "kubernetes"),
        managed,
    )
    assert decode("v1", "ConfigMap", meta)["metadata"] == {
        "name": "n",
        "generateName": "gen-",
        "namespace": "ns",
        "selfLink": "/self",
        "uid": "uid",
        "resourceVersion": "42",
        "generation": 3,
        "creationTimestamp": T0_TEXT,
        "deletionTimestamp": None,
        "deletionGracePeriodSeconds": 0,
        "labels": {"app": "x"},
        "annotations": {"note": ""},
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "rs",
                "uid": "u-1",
                "controller": False,
                "blockOwnerDeletion": True,
            }
        ],
        "finalizers": ["kubernetes"],
        "managedFields": [
            {
                "manager": "kubectl",
                "operation": "Update",
                "apiVersion": "v1",
                "time": T0_TEXT,
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:data": {".": {}}},
                "subresource": "status",
            }
        ],
    }


def test_zero_values_follow_omitempty() -> None:
    meta = m(1, s(1, ""), i(7, 0), m(8), timestamp(9, YEAR_ONE), m(13))  # kubectl writes empty strings
    assert decode("v1", "ConfigMap", meta, i(4, 0)) == {
        "metadata": {
            "deletionTimestamp": None,  # Go's zero time, as an explicit instant
            "ownerReferences": [{"apiVersion": "", "kind": "", "name": "", "uid": ""}],
        },
        "immutable": False,
    }


def test_namespace_status_conditions() -> None:
    condition = m(
        2, s(1, "NamespaceDeletionContentFailure"), s(2, "True"), timestamp(4), s(5, "r"), s(6, "m")
    )
    assert decode("v1", "Namespace", m(2, s(1, "kubernetes")), m(3, s(1, "Terminating"), condition)) == {
        "metadata": {},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {
            "phase": "Terminating",
            "conditions": [
                {
                    "type": "NamespaceDeletionContentFailure",
                    "status": "True",
                    "lastTransitionTime": T0_TEXT,
                    "reason": "r",
                    "message": "m",
                }
            ],
        },
    }


def test_secret_and_service_account() -> None:
    assert decode(
        "v1", "Secret", i(5, 1), entry(2, "k", b(2, b"\xff")), entry(4, "p", s(2, "q")), s(3, "t")
    ) == {
        "metadata": {},
        "immutable": True,
        "data": {"k": "/w=="},
        "stringData": {"p": "q"},
        "type": "t",
    }
    secret_ref = m(2, s(1, "Secret"), s(2, "ns"), s(3, "s"), s(4, "u"), s(5, "v1"), s(6, "7"), s(7, "f"))
    assert decode("v1", "ServiceAccount", secret_ref, m(3, s(1, "pull")), i(4, 0)) == {
        "metadata": {},
        "secrets": [
            {
                "kind": "Secret",
                "namespace": "ns",
                "name": "s",
                "uid": "u",
                "apiVersion": "v1",
                "resourceVersion": "7",
                "fieldPath": "f",
            }
        ],
        "imagePullSecrets": [{"name": "pull"}],
        "automountServiceAccountToken": False,
    }


def test_core_event() -> None:
    full = decode(
        "v1",
        "Event",
        m(1, s(1, "e")),
        m(2, s(1, "Pod"), s(3, "p")),
        s(3, "Started"),
        s(4, "msg"),
        m(5, s(1, "kubelet"), s(2, "node1")),
        timestamp(6),
        timestamp(7, T0 + 60),
        i(8, 2),
        s(9, "Normal"),
        timestamp(10, T0, 123_456_789),
        m(11, i(1, 3), timestamp(2, T0, 5_000)),
        s(12, "Binding"),
        m(13, s(1, "Node"), s(3, "node1")),
        s(14, "kubelet"),
        s(15, "kubelet-node1"),
    )
    assert full == {
        "metadata": {"name": "e"},
        "involvedObject": {"kind": "Pod", "name": "p"},
        "reason": "Started",
        "message": "msg",
        "source": {"component": "kubelet", "host": "node1"},
        "firstTimestamp": T0_TEXT,
        "lastTimestamp": "2023-11-14T22:14:20Z",
        "count": 2,
        "type": "Normal",
        "eventTime": "2023-11-14T22:13:20.123456Z",
        "series": {"count": 3, "lastObservedTime": "2023-11-14T22:13:20.000005Z"},
        "action": "Binding",
        "related": {"kind": "Node", "name": "node1"},
        "reportingComponent": "kubelet",
        "reportingInstance": "kubelet-node1",
    }
    assert decode("v1", "Event") == {  # Go writes zero structs, null times and non-omitempty strings
        "metadata": {},
        "involvedObject": {},
        "source": {},
        "firstTimestamp": None,
        "lastTimestamp": None,
        "eventTime": None,
        "reportingComponent": "",
        "reportingInstance": "",
    }


def test_events_v1_event() -> None:
    assert decode(
        "events.k8s.io/v1",
        "Event",
        timestamp(2, T0, 999_999_999),
        m(3, i(1, 4), timestamp(2)),
        s(4, "ctl"),
        s(5, "ctl-1"),
        s(6, "Act"),
        s(7, "Why"),
        m(8, s(1, "Pod"), s(3, "p")),
        m(9, s(1, "Node")),
        s(10, "note"),
        s(11, "Warning"),
        m(12, s(1, "old")),
        timestamp(13),
        timestamp(14),
        i(15, 9),
    ) == {
        "metadata": {},
        "eventTime": "2023-11-14T22:13:20.999999Z",
        "series": {"count": 4, "lastObservedTime": "2023-11-14T22:13:20.000000Z"},
        "reportingController": "ctl",
        "reportingInstance": "ctl-1",
        "action": "Act",
        "reason": "Why",
        "regarding": {"kind": "Pod", "name": "p"},
        "related": {"kind": "Node"},
        "note": "note",
        "type": "Warning",
        "deprecatedSource": {"component": "old"},
        "deprecatedFirstTimestamp": T0_TEXT,
        "deprecatedLastTimestamp": T0_TEXT,
        "deprecatedCount": 9,
    }


def test_lease_micro_times_truncate_toward_zero() -> None:
    spec = m(
        2,
        s(1, "me"),
        i(2, 15),
        timestamp(3, T0, -1_500),
        timestamp(4, 0),
        i(5, 0),
        s(6, "OldestEmulationVersion"),
    )
    assert decode("coordination.k8s.io/v1", "Lease", spec, m(2, s(7, "you"))) == {
        "metadata": {},
        "spec": {
            "holderIdentity": "me",
            "leaseDurationSeconds": 15,
            "acquireTime": "2023-11-14T22:13:19.999999Z",
            "renewTime": "1970-01-01T00:00:00.000000Z",
            "leaseTransitions": 0,
            "strategy": "OldestEmulationVersion",
            "preferredHolder": "you",
        },
    }


def test_resource_quota_quantities() -> None:
    requirement = m(1, s(1, "PriorityClass"), s(2, "In"), s(3, "high"))
    spec = m(2, entry(1, "cpu", m(2, s(1, "500m"))), entry(1, "pods"), s(2, "Terminating"), m(3, requirement))
    status = m(3, entry(1, "cpu", m(2, s(1, "1"))), entry(2, "cpu", m(2, s(1, "250m"))))
    assert decode("v1", "ResourceQuota", spec, status) == {
        "metadata": {},
        "spec": {
            "hard": {"cpu": "500m", "pods": "0"},  # an entry without a value holds the zero Quantity
            "scopes": ["Terminating"],
            "scopeSelector": {
                "matchExpressions": [{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]
            },
        },
        "status": {"hard": {"cpu": "1"}, "used": {"cpu": "250m"}},
    }


def test_service() -> None:
    port = m(1, s(1, "http"), s(2, "TCP"), s(6, "h2c"), i(3, 80), m(4, i(1, 1), s(3, "web")), i(5, 30080))
    spec = m(
        2,
        port,
        m(1, i(3, 53)),
        entry(2, "app", s(2, "a")),
        s(3, "10.0.0.1"),
        s(18, "10.0.0.1"),
        s(4, "NodePort"),
        s(5, "1.2.3.4"),
        s(7, "ClientIP"),
        s(8, "5.6.7.8"),
        s(9, "0.0.0.0/0"),
        s(10, "ext.example.com"),
        s(11, "Local"),
        i(12, 31000),
        i(13, 1),
        m(14, m(1, i(1, 600))),
        s(19, "IPv4"),
        s(17, "SingleStack"),
        i(20, 0),
        s(21, "lb"),
        s(22, "Cluster"),
        s(23, "PreferClose"),
    )
    ingress = m(1, s(1, "9.9.9.9"), s(2, "h"), s(3, "VIP"), m(4, i(1, 80), s(2, "TCP"), s(3, "err")))
    condition = m(2, s(1, "Ready"), s(2, "True"), i(3, 2), timestamp(4), s(5, "R"), s(6, "M"))
    assert decode("v1", "Service", spec, m(3, m(1, ingress), condition)) == {
        "metadata": {},
        "spec": {
            "ports": [
                {
                    "name": "http",
                    "protocol": "TCP",
                    "appProtocol": "h2c",
                    "port": 80,
                    "targetPort": "web",
                    "nodePort": 30080,
                },
                {"port": 53, "targetPort": 0},  # a zero IntOrString is the number 0
            ],
            "selector": {"app": "a"},
            "clusterIP": "10.0.0.1",
            "clusterIPs": ["10.0.0.1"],
            "type": "NodePort",
            "externalIPs": ["1.2.3.4"],
            "sessionAffinity": "ClientIP",
            "loadBalancerIP": "5.6.7.8",
            "loadBalancerSourceRanges": ["0.0.0.0/0"],
            "externalName": "ext.example.com",
            "externalTrafficPolicy": "Local",
            "healthCheckNodePort": 31000,
            "publishNotReadyAddresses": True,
            "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 600}},
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "allocateLoadBalancerNodePorts": False,
            "loadBalancerClass": "lb",
            "internalTrafficPolicy": "Cluster",
            "trafficDistribution": "PreferClose",
        },
        "status": {
            "loadBalancer": {
                "ingress": [
                    {
                        "ip": "9.9.9.9",
                        "hostname": "h",
                        "ipMode": "VIP",
                        "ports": [{"port": 80, "protocol": "TCP", "error": "err"}],
                    }
                ]
            },
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "observedGeneration": 2,
                    "lastTransitionTime": T0_TEXT,
                    "reason": "R",
                    "message": "M",
                }
            ],
        },
    }


def test_policy_and_scheduling() -> None:
    spec = m(2, m(3, i(1, 0), i(2, 1)), s(4, "AlwaysAllow"))
    status = m(3, i(1, 4), entry(2, "pod-a", timestamp(2)), entry(2, "pod-b"), i(3, 1), i(6, 3))
    assert decode("policy/v1", "PodDisruptionBudget", spec, status) == {
        "metadata": {},
        "spec": {"maxUnavailable": 1, "unhealthyPodEvictionPolicy": "AlwaysAllow"},
        "status": {
            "observedGeneration": 4,
            "disruptedPods": {"pod-a": T0_TEXT, "pod-b": None},
            "disruptionsAllowed": 1,
            "currentHealthy": 0,
            "desiredHealthy": 0,
            "expectedPods": 3,
        },
    }
    assert decode("policy/v1", "Eviction", m(1, s(1, "p")), m(2, i(1, 0), i(3, 1), i(6, 0))) == {
        "metadata": {"name": "p"},
        "deleteOptions": {
            "gracePeriodSeconds": 0,
            "orphanDependents": True,
            "ignoreStoreReadErrorWithClusterBreakingPotential": False,
        },
    }
    assert decode("scheduling.k8s.io/v1", "PriorityClass", i(2, -5), i(3, 1), s(4, "d"), s(5, "Never")) == {
        "metadata": {},
        "value": -5,
        "globalDefault": True,
        "description": "d",
        "preemptionPolicy": "Never",
    }
