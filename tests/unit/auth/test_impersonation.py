"""Impersonate-* headers: kube's checks and resulting user, and kcp's gatekeeper in front of RBAC."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from kcp.apimachinery.errors import BadRequest, Forbidden
from kcp.apimachinery.user import UserInfo
from kcp.auth.attributes import Attributes
from kcp.auth.impersonation import parse

ADMIN = UserInfo("ws-admin", groups=("system:authenticated",))
MASTER = UserInfo("shard-admin", groups=("system:masters", "system:authenticated"))


def headers(*pairs: tuple[str, str]) -> CIMultiDictProxy[str]:
    """What aiohttp hands a filter: case-insensitive, repeated headers kept."""
    return CIMultiDictProxy(CIMultiDict(pairs))


def check(resource: str, name: str, *, group: str = "", ns: str = "", sub: str = "") -> Attributes:
    return Attributes(ADMIN, "impersonate", ns, group, "v1", resource, sub, name, True)


def test_no_headers_means_no_impersonation() -> None:
    assert parse(headers(("Accept", "application/json")), ADMIN) == ([], ADMIN)
    assert parse({}, ADMIN) == ([], ADMIN)


def test_user_with_groups_extras_and_uid() -> None:
    checks, user = parse(
        headers(
            ("Impersonate-User", "jane"),
            ("Impersonate-Group", "devs"),
            ("impersonate-group", "ops"),
            ("Impersonate-Extra-Reason", "on-call"),
            ("Impersonate-Extra-Example.com%2Fteam", "a"),
            ("Impersonate-Extra-example.com%2fteam", "b"),
            ("Impersonate-Uid", "1234"),
        ),
        ADMIN,
    )
    assert checks == [
        check("users", "jane"),
        check("groups", "devs"),
        check("groups", "ops"),
        check("userextras", "on-call", group="authentication.k8s.io", sub="reason"),
        check("userextras", "a", group="authentication.k8s.io", sub="example.com/team"),
        check("userextras", "b", group="authentication.k8s.io", sub="example.com/team"),
        check("uids", "1234", group="authentication.k8s.io"),
    ]
    assert user == UserInfo(
        "jane",
        "1234",
        ("devs", "ops", "system:authenticated"),
        {"reason": ("on-call",), "example.com/team": ("a", "b")},
    )


def test_service_account_gets_its_groups_unless_groups_are_given() -> None:
    checks, user = parse({"Impersonate-User": "system:serviceaccount:ci:builder"}, ADMIN)
    assert checks == [check("serviceaccounts", "builder", ns="ci")]
    assert user.groups == ("system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated")
    _, user = parse(
        headers(("Impersonate-User", "system:serviceaccount:ci:builder"), ("Impersonate-Group", "x")), ADMIN
    )
    assert user.groups == ("x", "system:authenticated")
    checks, _ = parse({"Impersonate-User": "system:serviceaccount:Bad_NS:builder"}, ADMIN)
    assert checks == [check("users", "system:serviceaccount:Bad_NS:builder")]


def test_authenticated_group_rules() -> None:
    _, user = parse(
        headers(("Impersonate-User", "jane"), ("Impersonate-Group", "system:unauthenticated")), ADMIN
    )
    assert user.groups == ("system:unauthenticated",)
    _, user = parse({"Impersonate-User": "system:anonymous"}, ADMIN)
    assert user.groups == ("system:unauthenticated",)
    _, user = parse(
        headers(("Impersonate-User", "jane"), ("Impersonate-Group", "system:authenticated")), ADMIN
    )
    assert user.groups == ("system:authenticated",)


@pytest.mark.parametrize(
    "pairs",
    [
        (("Impersonate-Group", "devs"),),
        (("Impersonate-Uid", "1"),),
        (("Impersonate-Extra-Foo", "bar"),),
        (("Impersonate-User", ""), ("Impersonate-Group", "devs")),
    ],
)
def test_anything_without_a_user_is_a_bad_request(pairs: tuple[tuple[str, str], ...]) -> None:
    with pytest.raises(BadRequest, match="without impersonating a user"):
        parse(headers(*pairs), ADMIN)


@pytest.mark.parametrize(
    "pairs",
    [
        (("Impersonate-User", "x"), ("Impersonate-Group", "system:masters")),
        (("Impersonate-User", "x"), ("Impersonate-Group", "system:kcp:admin")),
        (("Impersonate-User", "x"), ("Impersonate-Group", "system:kcp:logical-cluster-admin")),
        (("Impersonate-User", "x"), ("Impersonate-Extra-Authentication.kcp.io%2Fscopes", "cluster:other")),
        (("Impersonate-User", "x"), ("Impersonate-Extra-authorization.kcp.io%2Fwarrant", "{}")),
    ],
)
def test_gatekeeper_refuses_privileged_groups_and_kcp_extras(pairs: tuple[tuple[str, str], ...]) -> None:
    with pytest.raises(Forbidden, match="impersonation is not allowed for the requestor"):
        parse(headers(*pairs), ADMIN)
    checks, _ = parse(headers(*pairs), MASTER)
    assert checks


def test_groups_already_held_may_be_impersonated() -> None:
    kcp_admin = UserInfo("kcp-admin", groups=("system:kcp:admin", "system:authenticated"))
    _, user = parse(headers(("Impersonate-User", "x"), ("Impersonate-Group", "system:kcp:admin")), kcp_admin)
    assert user.groups == ("system:kcp:admin", "system:authenticated")
    unauthenticated = UserInfo("system:anonymous", groups=("system:unauthenticated",))
    with pytest.raises(Forbidden):
        parse(
            headers(("Impersonate-User", "x"), ("Impersonate-Group", "system:authenticated")), unauthenticated
        )
