"""Token requests, namespace finalize and access/token reviews refuse wrongly typed or invalid bodies
with kube's Status (400 from the decoder, 422 from validation), never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.server import Server

ROOT = "/clusters/root"
AUTHZ = f"{ROOT}/apis/authorization.k8s.io/v1"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            {"spec": {"expirationSeconds": "x"}},
            "cannot unmarshal string into Go struct field TokenRequestSpec.spec.expirationSeconds "
            "of type int64",
        ),
        (
            {"spec": "x"},
            "cannot unmarshal string into Go struct field TokenRequest.spec of type v1.TokenRequestSpec",
        ),
        (
            {"spec": {"audiences": 5}},
            "cannot unmarshal number into Go struct field TokenRequestSpec.spec.audiences",
        ),
        (
            {"spec": {"audiences": "x"}},
            "cannot unmarshal string into Go struct field TokenRequestSpec.spec.audiences",
        ),
        (
            {"spec": {"boundObjectRef": "x"}},
            "cannot unmarshal string into Go struct field TokenRequestSpec.spec.boundObjectRef "
            "of type v1.BoundObjectReference",
        ),
    ],
)
def test_token_requests_of_the_wrong_types_are_400(
    kcp_server: Server, namespace: str, body: dict[str, Any], error: str
) -> None:
    code, status, _ = kcp_server.request(
        "POST", f"{ROOT}/api/v1/namespaces/{namespace}/serviceaccounts/default/token", body
    )
    assert code == 400 and status["reason"] == "BadRequest", status
    assert status["message"].startswith(
        f'TokenRequest in version "v1" cannot be handled as a TokenRequest: json: {error}'
    ), status


def test_token_request_durations_are_validated(kcp_server: Server, namespace: str) -> None:
    url = f"{ROOT}/api/v1/namespaces/{namespace}/serviceaccounts/default/token"
    code, status, _ = kcp_server.request("POST", url, {"spec": {"expirationSeconds": 0}})
    assert code == 422 and status["message"] == (
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 0: '
        "may not specify a duration less than 10 minutes"
    ), status
    code, made, _ = kcp_server.request("POST", url, {"spec": {}})
    assert code == 201 and made["spec"]["expirationSeconds"] == 3600


def test_finalize_refuses_wrong_types_and_unknown_finalizers(kcp_server: Server, namespace: str) -> None:
    url = f"{ROOT}/api/v1/namespaces/{namespace}/finalize"
    code, status, _ = kcp_server.request("PUT", url, {"spec": "x"})
    assert code == 400 and status["message"] == (
        'Namespace in version "v1" cannot be handled as a Namespace: json: cannot unmarshal string into Go '
        "struct field Namespace.spec of type v1.NamespaceSpec"
    ), status
    code, status, _ = kcp_server.request("PUT", url, {"spec": {"finalizers": "kubernetes"}})
    assert code == 400 and status["message"].endswith(
        "cannot unmarshal string into Go struct field NamespaceSpec.spec.finalizers "
        "of type []v1.FinalizerName"
    ), status
    code, status, _ = kcp_server.request("PUT", url, {"spec": {"finalizers": ["bogus"]}})
    assert code == 422 and status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "bogus": '
            "name is neither a standard finalizer name nor is it fully qualified",
            "field": "spec.finalizers[0]",
        }
    ], status
    _, ns, _ = kcp_server.request("GET", f"{ROOT}/api/v1/namespaces/{namespace}")
    assert ns["spec"]["finalizers"] == ["kubernetes"]  # nothing stored


def test_access_reviews_are_decoded_and_validated(kcp_server: Server, namespace: str) -> None:
    ra = {"verb": "get", "resource": "pods", "namespace": namespace}
    code, status, _ = kcp_server.request(
        "POST", f"{AUTHZ}/subjectaccessreviews", {"spec": {"resourceAttributes": ra}}
    )
    assert code == 422 and status["message"] == (
        '.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": '
        "at least one of user or group must be specified"
    ), status
    code, status, _ = kcp_server.request("POST", f"{AUTHZ}/selfsubjectaccessreviews", {"spec": {}})
    assert code == 422 and status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes '
            "must be specified",
            "field": "spec.resourceAttributes",
        }
    ], status
    for resource, body in [
        ("subjectaccessreviews", {"spec": {"groups": "x"}}),
        ("subjectaccessreviews", {"spec": {"resourceAttributes": "x", "user": "u"}}),
        ("selfsubjectaccessreviews", {"spec": 5}),
        ("selfsubjectrulesreviews", {"spec": {"namespace": 5}}),
        (f"namespaces/{namespace}/localsubjectaccessreviews", {"spec": {"extra": {"a": "b"}}}),
    ]:
        code, status, _ = kcp_server.request("POST", f"{AUTHZ}/{resource}", body)
        assert code == 400 and "cannot unmarshal" in status["message"], (resource, status)
    code, status, _ = kcp_server.request("POST", f"{AUTHZ}/selfsubjectrulesreviews", {"spec": {}})
    assert code == 400 and status["message"] == "no namespace on request", status
    local = f"{AUTHZ}/namespaces/{namespace}/localsubjectaccessreviews"
    code, status, _ = kcp_server.request(
        "POST", local, {"spec": {"resourceAttributes": {**ra, "namespace": "other"}, "user": "u"}}
    )
    assert code == 422 and status["details"]["causes"][0]["field"] == "spec.resourceAttributes.namespace"
    code, review, _ = kcp_server.request("POST", local, {"spec": {"resourceAttributes": ra, "user": "u"}})
    assert code == 201 and review["status"]["allowed"] is False, review


def test_token_reviews_are_decoded_and_need_a_token(kcp_server: Server) -> None:
    url = f"{ROOT}/apis/authentication.k8s.io/v1/tokenreviews"
    code, status, _ = kcp_server.request("POST", url, {"spec": {"audiences": "x", "token": "t"}})
    assert code == 400 and "TokenReviewSpec.spec.audiences" in status["message"], status
    code, status, _ = kcp_server.request("POST", url, {"spec": {}})
    assert code == 400 and status["message"] == "token is required for TokenReview in authentication"
    code, review, _ = kcp_server.request("POST", url, {"spec": {"token": kcp_server.token}})
    assert code == 201 and review["status"]["authenticated"] is True, review


def test_delete_options_of_the_wrong_types_are_400(kcp_server: Server, namespace: str) -> None:
    url = f"{ROOT}/api/v1/namespaces/{namespace}/configmaps"
    assert kcp_server.request("POST", url, {"metadata": {"name": "d"}})[0] == 201
    for body in ({"preconditions": "x"}, {"preconditions": {"uid": 5}}, {"dryRun": "All"}):
        code, status, _ = kcp_server.request("DELETE", f"{url}/d", body)
        assert code == 400 and status["message"].startswith("json: cannot unmarshal"), (body, status)
    assert kcp_server.request("GET", f"{url}/d")[0] == 200
