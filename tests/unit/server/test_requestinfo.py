"""Request paths parse the way kube-apiserver's RequestInfo factory reads them."""

from __future__ import annotations

import pytest

from kcp.apimachinery.errors import BadRequest
from kcp.server.requestinfo import parse, parse_bool


@pytest.mark.parametrize(
    ("method", "path", "watch", "expected"),
    [
        ("GET", "/clusters/root/api/v1/namespaces", None, ("root", "list", "", "", "namespaces", "", "")),
        (
            "GET",
            "/api/v1/namespaces/ns1/configmaps/a",
            None,
            ("root", "get", "", "ns1", "configmaps", "a", ""),
        ),
        (
            "GET",
            "/clusters/root:org/apis/example.com/v1/widgets",
            "true",
            ("root:org", "watch", "example.com", "", "widgets", "", ""),
        ),
        (
            "GET",
            "/api/v1/watch/namespaces/ns1/configmaps",
            None,
            ("root", "watch", "", "ns1", "configmaps", "", ""),
        ),
        (
            "PUT",
            "/api/v1/namespaces/doomed/finalize",
            None,
            ("root", "update", "", "doomed", "namespaces", "doomed", "finalize"),
        ),
        (
            "PATCH",
            "/api/v1/namespaces/x/status",
            None,
            ("root", "patch", "", "x", "namespaces", "x", "status"),
        ),
        (
            "DELETE",
            "/api/v1/namespaces/ns1/configmaps",
            None,
            ("root", "deletecollection", "", "ns1", "configmaps", "", ""),
        ),
        (
            "POST",
            "/api/v1/namespaces/ns/serviceaccounts/sa/token",
            None,
            ("root", "create", "", "ns", "serviceaccounts", "sa", "token"),
        ),
        ("GET", "/clusters/*/api/v1/configmaps", None, ("*", "list", "", "", "configmaps", "", "")),
    ],
)
def test_resource_requests(method: str, path: str, watch: str | None, expected: tuple[str, ...]) -> None:
    info = parse(method, path, watch)
    assert info.is_resource_request
    got = (info.cluster, info.verb, info.group, info.namespace, info.resource, info.name, info.subresource)
    assert got == expected


def test_non_resource_paths() -> None:
    info = parse("GET", "/clusters/root/apis/example.com", None)
    assert not info.is_resource_request and info.group == "example.com" and info.path == "/apis/example.com"
    assert parse("GET", "/version", None).path == "/version"


@pytest.mark.parametrize(
    "path",
    [
        "/clusters/Root/api",
        "/clusters/a::b/api",
        "/clusters/-a/api",
        "/api/v1/namespaces/../configmaps",  # what aiohttp makes of %2e%2e
        "/clusters/%2A/api",  # %252A decoded once: never a wildcard
    ],
)
def test_bad_paths_are_400(path: str) -> None:
    """Paths arrive decoded once (aiohttp's request.path, as Go's URL.Path) and are not decoded again."""
    with pytest.raises(BadRequest):
        parse("GET", path, None)


def test_a_segment_is_not_decoded_twice() -> None:
    assert parse("GET", "/api/v1/namespaces/a%2Fb/configmaps", None).namespace == "a%2Fb"


@pytest.mark.parametrize("value", ["1", "t", "T", "true", "TRUE", "True"])
def test_go_booleans(value: str) -> None:
    assert parse_bool(value) is True


def test_bad_boolean() -> None:
    with pytest.raises(BadRequest):
        parse_bool("yes", "watch")


@pytest.mark.parametrize("service", ["initializingworkspaces", "terminatingworkspaces"])
def test_a_lifecycle_view_is_parsed_like_a_cluster_with_its_service_noted(service: str) -> None:
    info = parse(
        "GET", f"/services/{service}/root:example/clusters/*/apis/core.kcp.io/v1alpha1/logicalclusters", None
    )
    assert (info.virtual, info.virtual_arg, info.cluster) == (service, "root:example", "*")
    assert (info.group, info.resource, info.verb) == ("core.kcp.io", "logicalclusters", "list")
