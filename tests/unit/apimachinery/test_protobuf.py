"""kubectl's protobuf request bodies decode to the JSON objects the same requests carry as JSON.

The fixtures are request bodies captured from kubectl v1.32.4, pointed at a local listener that
recorded each POST. Where kubectl can print the object (`--dry-run=client -o json`), the expected dict
is that output, less kubectl 1.32's `"creationTimestamp": null` (current Kubernetes omits the zero time).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.protowire import decodes_or_refuses

from kcp.apimachinery.protobuf import decode_protobuf

KUBECTL_CAPTURES = [
    pytest.param(
        # kubectl create configmap cm1 -n ns1 --from-literal=a=b --from-literal=c=d
        #   --from-file=bin=bin.dat --from-file=txt=hello.txt --append-hash
        bytes.fromhex(
            "6b3873000a0f0a0276311209436f6e6669674d617012500a210a0e636d312d6638356b6d6b66686b3712001a036e7331"
            "22002a0032003800420012060a016112016212060a0163120164120c0a03747874120568656c6c6f1a0d0a0362696e12"
            "0662696e00ff011a002200"
        ),
        {
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": {"name": "cm1-f85kmkfhk7", "namespace": "ns1"},
            "data": {"a": "b", "c": "d", "txt": "hello"},
            "binaryData": {"bin": "YmluAP8B"},
        },
        id="configmap",
    ),
    pytest.param(
        # kubectl create secret generic s1 -n ns1 --from-literal=user=admin --from-literal=empty=
        #   --type=Opaque
        bytes.fromhex(
            "6b3873000a0c0a027631120653656372657412390a150a02733112001a036e733122002a0032003800420012090a0565"
            "6d7074791200120d0a0475736572120561646d696e1a064f70617175651a002200"
        ),
        {
            "kind": "Secret",
            "apiVersion": "v1",
            "metadata": {"name": "s1", "namespace": "ns1"},
            "data": {"empty": "", "user": "YWRtaW4="},
            "type": "Opaque",
        },
        id="secret",
    ),
    pytest.param(
        # kubectl create serviceaccount sa1 -n ns1
        bytes.fromhex(
            "6b3873000a140a027631120e536572766963654163636f756e7412180a160a0373613112001a036e733122002a003200"
            "380042001a002200"
        ),
        {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {"name": "sa1", "namespace": "ns1"}},
        id="sa",
    ),
    pytest.param(
        # kubectl create namespace ns2
        bytes.fromhex(
            "6b3873000a0f0a02763112094e616d657370616365121b0a130a036e733212001a0022002a0032003800420012001a02"
            "0a001a002200"
        ),
        {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "ns2"}, "spec": {}, "status": {}},
        id="namespace",
    ),
    pytest.param(
        # kubectl create role r1 -n ns1 --verb=get,list --resource=pods,deployments.apps --resource-name=p1
        bytes.fromhex(
            "6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c6512540a150a02"
            "723112001a036e733122002a0032003800420012170a036765740a046c69737412001a04706f64732202703112220a03"
            "6765740a046c6973741204617070731a0b6465706c6f796d656e7473220270311a002200"
        ),
        {
            "kind": "Role",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "r1", "namespace": "ns1"},
            "rules": [
                {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["p1"]},
                {
                    "verbs": ["get", "list"],
                    "apiGroups": ["apps"],
                    "resources": ["deployments"],
                    "resourceNames": ["p1"],
                },
            ],
        },
        id="role",
    ),
    pytest.param(
        # kubectl create clusterrole cr1 --verb=get --non-resource-url=/healthz
        bytes.fromhex(
            "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c7573746572526f6c"
            "6512260a130a0363723112001a0022002a00320038004200120f0a036765742a082f6865616c74687a1a002200"
        ),
        {
            "kind": "ClusterRole",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "cr1"},
            "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}],
        },
        id="clusterrole",
    ),
    pytest.param(
        # kubectl create clusterrole cr2 --aggregation-rule=rbac.example.com/aggregate=true
        bytes.fromhex(
            "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c7573746572526f6c"
            "65123d0a130a0363723212001a0022002a003200380042001a260a240a220a1a726261632e6578616d706c652e636f6d"
            "2f6167677265676174651204747275651a002200"
        ),
        {
            "kind": "ClusterRole",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "cr2"},
            "rules": None,
            "aggregationRule": {
                "clusterRoleSelectors": [{"matchLabels": {"rbac.example.com/aggregate": "true"}}]
            },
        },
        id="clusterrole-agg",
    ),
    pytest.param(
        # kubectl create rolebinding rb1 -n ns1 --role=r1 --user=alice --group=devs --serviceaccount=ns1:sa1
        bytes.fromhex(
            "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c6542696e64696e"
            "6712b5010a160a0372623112001a036e733122002a00320038004200122a0a04557365721219726261632e617574686f"
            "72697a6174696f6e2e6b38732e696f1a05616c6963652200122a0a0547726f75701219726261632e617574686f72697a"
            "6174696f6e2e6b38732e696f1a04646576732200121c0a0e536572766963654163636f756e7412001a0373613122036e"
            "73311a250a19726261632e617574686f72697a6174696f6e2e6b38732e696f1204526f6c651a0272311a002200"
        ),
        {
            "kind": "RoleBinding",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "rb1", "namespace": "ns1"},
            "subjects": [
                {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
                {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "devs"},
                {"kind": "ServiceAccount", "name": "sa1", "namespace": "ns1"},
            ],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r1"},
        },
        id="rolebinding",
    ),
    pytest.param(
        # kubectl create clusterrolebinding crb1 --clusterrole=cr1 --user=bob
        bytes.fromhex(
            "6b3873000a320a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311212436c7573746572526f6c"
            "6542696e64696e67126f0a140a046372623112001a0022002a0032003800420012280a04557365721219726261632e61"
            "7574686f72697a6174696f6e2e6b38732e696f1a03626f6222001a2d0a19726261632e617574686f72697a6174696f6e"
            "2e6b38732e696f120b436c7573746572526f6c651a036372311a002200"
        ),
        {
            "kind": "ClusterRoleBinding",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "crb1"},
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cr1"},
        },
        id="crb",
    ),
    pytest.param(
        # kubectl create quota q1 -n ns1 --hard=cpu=1000m,memory=1Gi,pods=10 --scopes=BestEffort
        bytes.fromhex(
            "6b3873000a130a027631120d5265736f7572636551756f746112520a150a02713112001a036e733122002a0032003800"
            "420012370a0a0a0363707512030a01310a0f0a066d656d6f727912050a033147690a0c0a04706f647312040a02313012"
            "0a426573744566666f72741a001a002200"
        ),
        {
            "kind": "ResourceQuota",
            "apiVersion": "v1",
            "metadata": {"name": "q1", "namespace": "ns1"},
            "spec": {"hard": {"cpu": "1", "memory": "1Gi", "pods": "10"}, "scopes": ["BestEffort"]},
            "status": {},
        },
        id="quota",
    ),
    pytest.param(
        # kubectl create token sa1 -n ns1 --audience=aud1 --audience=aud2 --duration=1h
        #   --bound-object-kind=Pod --bound-object-name=p1 --bound-object-uid=1234
        bytes.fromhex(
            "6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e52657175657374123e"
            "0a100a0012001a0022002a0032003800420012240a04617564310a04617564321a130a03506f64120276311a02703122"
            "043132333420901c1a040a0012001a002200"
        ),
        {
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {},
            "spec": {
                "audiences": ["aud1", "aud2"],
                "expirationSeconds": 3600,
                "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p1", "uid": "1234"},
            },
            "status": {"token": "", "expirationTimestamp": None},
        },
        id="token",
    ),
    pytest.param(
        # kubectl create token sa1 -n ns1
        bytes.fromhex(
            "6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e52657175657374121a"
            "0a100a0012001a0022002a0032003800420012001a040a0012001a002200"
        ),
        {
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {},
            "spec": {"audiences": None, "expirationSeconds": None, "boundObjectRef": None},
            "status": {"token": "", "expirationTimestamp": None},
        },
        id="token-plain",
    ),
    pytest.param(
        # kubectl auth can-i create deployments.apps -n ns1 --subresource=scale
        bytes.fromhex(
            "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a65637441636365"
            "7373526576696577124b0a100a0012001a0022002a00320038004200122d0a2b0a036e733112066372656174651a0461"
            "70707322002a0b6465706c6f796d656e747332057363616c653a001a08080012001a0020001a002200"
        ),
        {
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": {
                "resourceAttributes": {
                    "namespace": "ns1",
                    "verb": "create",
                    "group": "apps",
                    "resource": "deployments",
                    "subresource": "scale",
                }
            },
            "status": {"allowed": False},
        },
        id="cani",
    ),
    pytest.param(
        # kubectl auth can-i get /logs
        bytes.fromhex(
            "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a65637441636365"
            "7373526576696577122c0a100a0012001a0022002a00320038004200120e120c0a052f6c6f677312036765741a080800"
            "12001a0020001a002200"
        ),
        {
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": {"nonResourceAttributes": {"path": "/logs", "verb": "get"}},
            "status": {"allowed": False},
        },
        id="cani-nonres",
    ),
    pytest.param(
        # kubectl auth can-i --list -n ns1
        bytes.fromhex(
            "6b3873000a310a17617574686f72697a6174696f6e2e6b38732e696f2f7631121653656c665375626a65637452756c65"
            "73526576696577121f0a100a0012001a0022002a0032003800420012050a036e73311a04180022001a002200"
        ),
        {
            "kind": "SelfSubjectRulesReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": {"namespace": "ns1"},
            "status": {"resourceRules": None, "nonResourceRules": None, "incomplete": False},
        },
        id="cani-list",
    ),
    pytest.param(
        # kubectl auth whoami
        bytes.fromhex(
            "6b3873000a2d0a1861757468656e7469636174696f6e2e6b38732e696f2f7631121153656c665375626a656374526576"
            "696577121a0a100a0012001a0022002a0032003800420012060a040a0012001a002200"
        ),
        {
            "kind": "SelfSubjectReview",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {},
            "status": {"userInfo": {}},
        },
        id="whoami",
    ),
    pytest.param(
        # kubectl create pdb pdb1 -n ns1 --selector=app=x --min-available=50%
        bytes.fromhex(
            "6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e427564676574123e0a170a0470646231"
            "12001a036e733122002a0032003800420012170a09080110001a03353025120a0a080a036170701201781a0a08001800"
            "2000280030001a002200"
        ),
        {
            "kind": "PodDisruptionBudget",
            "apiVersion": "policy/v1",
            "metadata": {"name": "pdb1", "namespace": "ns1"},
            "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "x"}}},
            "status": {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0},
        },
        id="pdb",
    ),
    pytest.param(
        # kubectl create service clusterip svc1 -n ns1 --tcp=80:8080
        bytes.fromhex(
            "6b3873000a0d0a027631120753657276696365126f0a240a047376633112001a036e733122002a003200380042005a0b"
            "0a0361707012047376633112430a1b0a0738302d38303830120354435018502207080010903f1a002800120b0a036170"
            "701204737663311a002209436c757374657249503a00420052005a00600068001a020a001a002200"
        ),
        {
            "kind": "Service",
            "apiVersion": "v1",
            "metadata": {"name": "svc1", "namespace": "ns1", "labels": {"app": "svc1"}},
            "spec": {
                "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
                "selector": {"app": "svc1"},
                "type": "ClusterIP",
            },
            "status": {"loadBalancer": {}},
        },
        id="svc",
    ),
    pytest.param(
        # kubectl create priorityclass pc1 --value=100
        bytes.fromhex(
            "6b3873000a250a147363686564756c696e672e6b38732e696f2f7631120d5072696f72697479436c61737312310a130a"
            "0370633112001a0022002a003200380042001064180022002a14507265656d70744c6f7765725072696f726974791a00"
            "2200"
        ),
        {
            "kind": "PriorityClass",
            "apiVersion": "scheduling.k8s.io/v1",
            "metadata": {"name": "pc1"},
            "value": 100,
            "preemptionPolicy": "PreemptLowerPriority",
        },
        id="pc",
    ),
]


CAPTURED_BODIES = [body for p in KUBECTL_CAPTURES if isinstance(body := p.values[0], bytes)]


@pytest.mark.parametrize(("body", "expected"), KUBECTL_CAPTURES)
def test_kubectl_bodies_decode_to_their_json_form(body: bytes, expected: dict[str, Any]) -> None:
    assert decode_protobuf(body) == expected


def test_binary_data_is_base64_as_in_json() -> None:
    configmap = decode_protobuf(CAPTURED_BODIES[0])
    assert base64.b64decode(configmap["binaryData"]["bin"]) == b"bin\x00\xff\x01"


@settings(max_examples=800, deadline=None)
@given(st.data())
def test_fuzz_mutated_kubectl_bodies(data: st.DataObject) -> None:
    body = bytearray(data.draw(st.sampled_from(CAPTURED_BODIES)))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(4, len(body) - 1))
        body[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(4, len(body)))
    decodes_or_refuses(bytes(body[:cut]))
