"""rbac, authentication, authorization, admissionregistration and apiextensions kinds decode to Go's JSON.

Bodies come from the test-only encoder in tests/support/protowire.py, built from the field numbers in
Kubernetes' generated.proto files; the expected JSON follows the Go types' struct tags.
"""

from __future__ import annotations

import pytest
from tests.support.protowire import T0_TEXT, b, d, entry, i, m, s, timestamp
from tests.support.protowire import decode_object as decode

from kcp.apimachinery.protobuf_types import Message, string


def test_rbac_rules_and_selectors() -> None:
    rule = m(2, s(1, "get"), s(2, ""), s(3, "pods"), s(4, "p"), s(5, "/healthz"))
    expression = m(2, s(1, "tier"), s(2, "NotIn"), s(3, "a"), s(3, "b"))
    aggregation = m(3, m(1, entry(1, "agg", s(2, "true")), expression))
    assert decode("rbac.authorization.k8s.io/v1", "ClusterRole", rule, m(2), aggregation) == {
        "metadata": {},
        "rules": [
            {
                "verbs": ["get"],
                "apiGroups": [""],
                "resources": ["pods"],
                "resourceNames": ["p"],
                "nonResourceURLs": ["/healthz"],
            },
            {"verbs": None},  # `verbs` has no omitempty: an empty list is Go's nil slice, null
        ],
        "aggregationRule": {
            "clusterRoleSelectors": [
                {
                    "matchLabels": {"agg": "true"},
                    "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["a", "b"]}],
                }
            ]
        },
    }
    assert decode("rbac.authorization.k8s.io/v1", "Role") == {"metadata": {}, "rules": None}
    assert decode("rbac.authorization.k8s.io/v1", "RoleBinding", m(2, s(1, "Group"))) == {
        "metadata": {},
        "subjects": [{"kind": "Group", "name": ""}],
        "roleRef": {"apiGroup": "", "kind": "", "name": ""},
    }


USER_INFO = (
    s(1, "alice"),
    s(2, "u-1"),
    s(3, "devs"),
    entry(4, "scopes", m(2, s(1, "a"), s(1, "b"))),
    entry(4, "none"),
)
USER_INFO_JSON = {
    "username": "alice",
    "uid": "u-1",
    "groups": ["devs"],
    "extra": {"scopes": ["a", "b"], "none": None},
}


def test_authentication_reviews() -> None:
    assert decode(
        "authentication.k8s.io/v1",
        "TokenReview",
        m(2, s(1, "tok"), s(2, "aud")),
        m(3, i(1, 1), m(2, *USER_INFO), s(4, "aud"), s(3, "")),
    ) == {
        "metadata": {},
        "spec": {"token": "tok", "audiences": ["aud"]},
        "status": {"authenticated": True, "user": USER_INFO_JSON, "audiences": ["aud"]},
    }
    assert decode("authentication.k8s.io/v1", "SelfSubjectReview", m(2, m(1, *USER_INFO))) == {
        "metadata": {},
        "status": {"userInfo": USER_INFO_JSON},
    }
    spec = m(2, i(4, 600), entry(5, "tpm", m(2, s(1, "quote"))), m(3, s(1, "Secret"), s(3, "s")))
    assert decode("authentication.k8s.io/v1", "TokenRequest", spec, m(3, s(1, "jwt"), timestamp(2))) == {
        "metadata": {},
        "spec": {
            "audiences": None,
            "expirationSeconds": 600,
            "boundObjectRef": {"kind": "Secret", "name": "s"},
            "attestations": {"tpm": ["quote"]},
        },
        "status": {"token": "jwt", "expirationTimestamp": T0_TEXT},
    }


def test_subject_access_reviews() -> None:
    field_selector = m(8, s(1, "spec.nodeName=n"), m(2, s(1, "spec.nodeName"), s(2, "In"), s(3, "n")))
    label_selector = m(9, s(1, "a=b"), m(2, s(1, "a"), s(2, "Exists")))
    attributes = m(1, *(s(n, v) for n, v in enumerate(["ns", "list", "apps", "v1", "pods", "log", "p"], 1)))
    attributes += m(1, field_selector, label_selector)
    spec = m(
        2, attributes, m(2, s(1, "/api"), s(2, "get")), s(3, "bob"), s(4, "g"), entry(5, "k", m(2)), s(6, "u")
    )
    status = m(3, i(1, 0), i(4, 1), s(2, "no"), s(3, "oops"))
    expected = {
        "metadata": {},
        "spec": {
            "resourceAttributes": {
                "namespace": "ns",
                "verb": "list",
                "group": "apps",
                "version": "v1",
                "resource": "pods",
                "subresource": "log",
                "name": "p",
                "fieldSelector": {
                    "rawSelector": "spec.nodeName=n",
                    "requirements": [{"key": "spec.nodeName", "operator": "In", "values": ["n"]}],
                },
                "labelSelector": {"rawSelector": "a=b", "requirements": [{"key": "a", "operator": "Exists"}]},
            },
            "nonResourceAttributes": {"path": "/api", "verb": "get"},
            "user": "bob",
            "groups": ["g"],
            "extra": {"k": None},
            "uid": "u",
        },
        "status": {"allowed": False, "denied": True, "reason": "no", "evaluationError": "oops"},
    }
    assert decode("authorization.k8s.io/v1", "SubjectAccessReview", spec, status) == expected
    assert decode("authorization.k8s.io/v1", "LocalSubjectAccessReview", spec, status) == expected


def test_self_subject_rules_review_status() -> None:
    rules = m(1, s(1, "get"), s(2, ""), s(3, "pods"), s(4, "p")), m(2, s(1, "get"), s(2, "/logs"))
    status = m(3, *rules, i(3, 1), s(4, "partial"))
    assert decode("authorization.k8s.io/v1", "SelfSubjectRulesReview", m(2, s(1, "ns")), status) == {
        "metadata": {},
        "spec": {"namespace": "ns"},
        "status": {
            "resourceRules": [
                {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["p"]}
            ],
            "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/logs"]}],
            "incomplete": True,
            "evaluationError": "partial",
        },
    }


def test_webhook_configurations() -> None:
    client = m(2, s(3, "https://hook"), m(1, s(1, "ns"), s(2, "svc"), s(3, "/v"), i(4, 8443)), b(2, b"CA"))
    rule = m(3, s(1, "CREATE"), m(2, s(1, "apps"), s(2, "v1"), s(3, "deployments"), s(4, "Namespaced")))
    selector = entry(1, "a", s(2, "b"))
    common = (
        s(1, "w.example.com"),
        client,
        rule,
        s(4, "Fail"),
        s(9, "Equivalent"),
        m(5, selector),
        s(6, "None"),
        i(7, 5),
        s(8, "v1"),
    )
    expected = {
        "name": "w.example.com",
        "clientConfig": {
            "url": "https://hook",
            "service": {"namespace": "ns", "name": "svc", "path": "/v", "port": 8443},
            "caBundle": "Q0E=",
        },
        "rules": [
            {
                "operations": ["CREATE"],
                "apiGroups": ["apps"],
                "apiVersions": ["v1"],
                "resources": ["deployments"],
                "scope": "Namespaced",
            }
        ],
        "failurePolicy": "Fail",
        "matchPolicy": "Equivalent",
        "namespaceSelector": {"matchLabels": {"a": "b"}},
        "sideEffects": "None",
        "timeoutSeconds": 5,
        "admissionReviewVersions": ["v1"],
    }
    group = "admissionregistration.k8s.io/v1"
    validating = (*common, m(10, selector), m(11, s(1, "c"), s(2, "true")))
    assert decode(group, "ValidatingWebhookConfiguration", m(2, *validating), m(2)) == {
        "metadata": {},
        "webhooks": [
            {
                **expected,
                "objectSelector": {"matchLabels": {"a": "b"}},
                "matchConditions": [{"name": "c", "expression": "true"}],
            },
            {"name": "", "clientConfig": {}, "sideEffects": None, "admissionReviewVersions": None},
        ],
    }
    mutating = (*common, m(11, selector), s(10, "IfNeeded"), m(12, s(1, "c"), s(2, "true")))
    assert decode(group, "MutatingWebhookConfiguration", m(2, *mutating)) == {
        "metadata": {},
        "webhooks": [
            {
                **expected,
                "objectSelector": {"matchLabels": {"a": "b"}},
                "reinvocationPolicy": "IfNeeded",
                "matchConditions": [{"name": "c", "expression": "true"}],
            }
        ],
    }


def test_tables_refuse_repeated_field_numbers_and_names() -> None:
    with pytest.raises(ValueError, match="repeats"):
        Message("Bad", [string(1, "a"), string(1, "b")])
    with pytest.raises(ValueError, match="repeats"):
        Message("Bad", [string(1, "a"), string(2, "a")])


def test_custom_resource_definition_with_a_recursive_schema() -> None:
    leaf = (s(5, "string"), s(6, "date"), i(13, 64), i(14, 0), s(15, "^a"), b(8, b""))
    schema = (
        s(1, "id"),
        s(2, "http://json-schema.org/schema#"),
        s(3, "#/definitions/x"),
        s(4, "the root"),
        s(5, "object"),
        s(7, "Root"),
        m(8, b(1, b'{"replicas":1}')),
        d(9, 5.0),
        i(10, 1),
        d(11, 0.5),
        i(12, 0),
        i(16, 3),
        i(17, 0),
        i(18, 1),
        d(19, 1e21),
        m(20, b(1, b'"a"')),
        m(20, b(1, b"null")),
        i(21, 9),
        i(22, 1),
        s(23, "spec"),
        m(24, m(1, *leaf)),  # items: one schema
        m(25, s(5, "object")),
        m(26, s(5, "string")),
        m(27, s(5, "integer")),
        m(28, s(5, "null")),
        entry(29, "spec", m(2, s(5, "object"), m(24, m(2, s(5, "a")), m(2, s(5, "b"))))),
        entry(29, "empty"),
        m(30, i(1, 0)),  # additionalProperties: false
        entry(31, "^x-", m(2, s(5, "string"))),
        entry(32, "a", m(2, s(2, "b"), s(2, "c"))),  # dependencies: a property list
        entry(32, "d", m(2, m(1, s(5, "object")))),  # ... or a schema
        m(33, i(1, 1), m(2, s(5, "string"))),  # additionalItems: a schema wins over `allows`
        entry(34, "x", m(2, s(5, "number"))),
        m(35, s(1, "docs"), s(2, "https://docs")),
        m(36, b(1, b"[1,2]")),
        i(37, 1),
        i(38, 0),
        i(39, 1),
        i(40, 1),
        s(41, "name"),
        s(42, "map"),
        s(43, "atomic"),
        m(44, s(1, "self.a > 0"), s(2, "m"), s(3, "'x'"), s(4, "FieldValueInvalid"), s(5, ".a"), i(6, 1)),
    )
    version = m(
        7,
        s(1, "v1"),
        i(2, 1),
        i(3, 1),
        i(7, 1),
        s(8, "old"),
        m(4, m(1, *schema)),
        m(5, m(1), m(2, s(1, ".spec.replicas"), s(2, ".status.replicas"), s(3, ".status.selector"))),
        m(6, s(1, "Age"), s(2, "date"), s(3, "f"), s(4, "d"), i(5, 1), s(6, ".metadata.creationTimestamp")),
        m(9, s(1, ".spec.x")),
    )
    names = m(3, s(1, "widgets"), s(2, "widget"), s(3, "wd"), s(4, "Widget"), s(5, "WidgetList"), s(6, "all"))
    conversion = m(9, s(1, "Webhook"), m(2, m(2, m(1, s(1, "ns"), s(2, "conv")), b(2, b"\x01")), s(3, "v1")))
    spec = m(2, s(1, "example.com"), names, s(4, "Namespaced"), version, conversion, i(10, 0))
    condition = m(
        1, s(1, "Established"), s(2, "True"), timestamp(3), s(4, "InitialNamesAccepted"), s(5, "ok"), i(6, 2)
    )
    status = m(3, condition, m(2, s(1, "widgets"), s(4, "Widget")), s(3, "v1"), i(4, 2))
    crd = decode(
        "apiextensions.k8s.io/v1", "CustomResourceDefinition", m(1, s(1, "widgets.example.com")), spec, status
    )
    assert crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] == {
        "id": "id",
        "$schema": "http://json-schema.org/schema#",
        "$ref": "#/definitions/x",
        "description": "the root",
        "type": "object",
        "title": "Root",
        "default": {"replicas": 1},
        "maximum": 5,  # Go writes an integral float64 without a fraction
        "exclusiveMaximum": True,
        "minimum": 0.5,
        "maxItems": 3,
        "minItems": 0,
        "uniqueItems": True,
        "multipleOf": 1e21,
        "enum": ["a", None],
        "maxProperties": 9,
        "minProperties": 1,
        "required": ["spec"],
        "items": {
            "type": "string",
            "format": "date",
            "default": None,  # a JSON with no bytes: Go writes null
            "maxLength": 64,
            "minLength": 0,
            "pattern": "^a",
        },
        "allOf": [{"type": "object"}],
        "oneOf": [{"type": "string"}],
        "anyOf": [{"type": "integer"}],
        "not": {"type": "null"},
        "properties": {
            "spec": {"type": "object", "items": [{"type": "a"}, {"type": "b"}]},
            "empty": {},
        },
        "additionalProperties": False,
        "patternProperties": {"^x-": {"type": "string"}},
        "dependencies": {"a": ["b", "c"], "d": {"type": "object"}},
        "additionalItems": {"type": "string"},
        "definitions": {"x": {"type": "number"}},
        "externalDocs": {"description": "docs", "url": "https://docs"},
        "example": [1, 2],
        "nullable": True,
        "x-kubernetes-preserve-unknown-fields": False,
        "x-kubernetes-embedded-resource": True,
        "x-kubernetes-int-or-string": True,
        "x-kubernetes-list-map-keys": ["name"],
        "x-kubernetes-list-type": "map",
        "x-kubernetes-map-type": "atomic",
        "x-kubernetes-validations": [
            {
                "rule": "self.a > 0",
                "message": "m",
                "messageExpression": "'x'",
                "reason": "FieldValueInvalid",
                "fieldPath": ".a",
                "optionalOldSelf": True,
            }
        ],
    }
    crd["spec"]["versions"][0]["schema"] = "checked above"
    assert crd == {
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {
                "plural": "widgets",
                "singular": "widget",
                "shortNames": ["wd"],
                "kind": "Widget",
                "listKind": "WidgetList",
                "categories": ["all"],
            },
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "deprecated": True,
                    "deprecationWarning": "old",
                    "schema": "checked above",
                    "subresources": {
                        "status": {},
                        "scale": {
                            "specReplicasPath": ".spec.replicas",
                            "statusReplicasPath": ".status.replicas",
                            "labelSelectorPath": ".status.selector",
                        },
                    },
                    "additionalPrinterColumns": [
                        {
                            "name": "Age",
                            "type": "date",
                            "format": "f",
                            "description": "d",
                            "priority": 1,
                            "jsonPath": ".metadata.creationTimestamp",
                        }
                    ],
                    "selectableFields": [{"jsonPath": ".spec.x"}],
                }
            ],
            "conversion": {
                "strategy": "Webhook",
                "webhook": {
                    "clientConfig": {"service": {"namespace": "ns", "name": "conv"}, "caBundle": "AQ=="},
                    "conversionReviewVersions": ["v1"],
                },
            },
        },
        "status": {
            "conditions": [
                {
                    "type": "Established",
                    "status": "True",
                    "lastTransitionTime": T0_TEXT,
                    "reason": "InitialNamesAccepted",
                    "message": "ok",
                    "observedGeneration": 2,
                }
            ],
            "acceptedNames": {"plural": "widgets", "kind": "Widget"},
            "storedVersions": ["v1"],
            "observedGeneration": 2,
        },
    }


def test_schema_or_bool_and_or_array_edge_forms() -> None:
    schema = (m(30, i(1, 1)), m(24), entry(32, "e", m(2)))
    version = m(7, s(1, "v1"), m(4, m(1, *schema)))
    crd = decode("apiextensions.k8s.io/v1", "CustomResourceDefinition", m(2, version))
    assert crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] == {
        "additionalProperties": True,
        "items": None,  # neither a schema nor a list: Go writes its nil schema as null
        "dependencies": {"e": None},
    }
    assert decode("apiextensions.k8s.io/v1", "CustomResourceDefinition") == {
        "metadata": {},
        "spec": {"group": "", "names": {"plural": "", "kind": ""}, "scope": "", "versions": None},
        "status": {"conditions": None, "acceptedNames": {"plural": "", "kind": ""}, "storedVersions": None},
    }
