"""Home workspace naming and request matching, pinned to kcp's own test vectors."""

from __future__ import annotations

import pytest

from kcp.cli.main import _parser, parse_groups
from kcp.registry.tenancy.home import home_path, is_home_request
from kcp.registry.tenancy.paths import home_cluster_name, rewrite_user_path


@pytest.mark.parametrize(
    ("user", "cluster"),
    [  # kcp pkg/index/rewriters/user_test.go TestHomeClusterName
        ("", "36ks9xj4a2n61"),
        ("alice", "v1u4alow0iv9"),
        ("bob", "2okdry95y5lkv"),
        ("user-with-dash", "1e25681jymk1l"),
        ("user:with:colons", "2bqfj6xlthg3t"),
        ("user172", "0f9mt7goyif7"),  # sha224 starts with a zero byte: one `0` kept
    ],
)
def test_home_cluster_name(user: str, cluster: str) -> None:
    assert home_cluster_name(user) == cluster


def test_rewrite_user_path() -> None:
    assert rewrite_user_path(["user", "alice", "ws"]) == ["v1u4alow0iv9", "ws"]
    assert rewrite_user_path(["user", "alice"]) == ["v1u4alow0iv9"]
    assert rewrite_user_path(["root", "org", "ws"]) == ["root", "org", "ws"]
    assert rewrite_user_path(["user"]) == ["user"]


def test_home_path() -> None:
    assert home_path("alice") == "user:alice"
    assert home_path("system:serviceaccount:default:x") == home_cluster_name(
        "system:serviceaccount:default:x"
    )
    assert home_path("Alice@example.com") == home_cluster_name("Alice@example.com")


def test_is_home_request() -> None:
    assert is_home_request("get", "tenancy.kcp.io", "workspaces", "~", "")
    assert not is_home_request("delete", "tenancy.kcp.io", "workspaces", "~", "")
    assert not is_home_request("get", "tenancy.kcp.io", "workspaces", "~", "status")
    assert not is_home_request("get", "tenancy.kcp.io", "workspaces", "home", "")


def test_start_flags() -> None:
    args = _parser().parse_args(["start"])
    assert args.enable_home_workspaces is True
    assert parse_groups(args.home_workspaces_home_creator_groups) == ("system:authenticated",)
    args = _parser().parse_args(
        [
            "start",
            "--enable-home-workspaces=false",
            "--home-workspaces-home-creator-groups=a,b",
            "--home-workspaces-home-creator-groups=c",
        ]
    )
    assert args.enable_home_workspaces is False
    assert parse_groups(args.home_workspaces_home_creator_groups) == ("a", "b", "c")
    assert parse_groups([""]) == ()
    assert _parser().parse_args(["start", "--enable-home-workspaces"]).enable_home_workspaces is True
