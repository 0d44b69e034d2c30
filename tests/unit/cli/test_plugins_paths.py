"""Workspace path arithmetic: cluster URLs, dots, joins, as kcp's plugins compute them."""

from __future__ import annotations

import pytest

from kcp.cli.plugins import paths
from kcp.cli.plugins.errors import PluginError


@pytest.mark.parametrize(
    ("url", "base", "path"),
    [
        ("https://h:6443/clusters/root", "https://h:6443", "root"),
        ("https://h/clusters/root:a:b/api/v1", "https://h", "root:a:b"),
        ("https://h/prefix/clusters/system:admin", "https://h/prefix", "system:admin"),
        ("http://127.0.0.1:1/clusters/2x7ab9kq0000000a", "http://127.0.0.1:1", "2x7ab9kq0000000a"),
    ],
)
def test_split_cluster_url(url: str, base: str, path: str) -> None:
    assert paths.split_cluster_url(url) == (base, path)


def test_split_cluster_url_without_workspace() -> None:
    with pytest.raises(
        PluginError, match="current cluster URL https://h:6443 is not pointing to a workspace"
    ):
        paths.split_cluster_url("https://h:6443")


def test_split_cluster_url_with_invalid_path() -> None:
    with pytest.raises(PluginError, match='invalid cluster name: "Root"'):
        paths.split_cluster_url("https://h/clusters/Root")


@pytest.mark.parametrize(
    ("base", "path", "url"),
    [
        ("https://h:6443", "root:a", "https://h:6443/clusters/root:a"),
        ("https://h/prefix/", "root", "https://h/prefix/clusters/root"),
        ("https://h/prefix", "system:admin", "https://h/prefix/clusters/system:admin"),
    ],
)
def test_cluster_url_inverts_split(base: str, path: str, url: str) -> None:
    assert paths.cluster_url(base, path) == url
    assert paths.split_cluster_url(url)[1] == path


@pytest.mark.parametrize(
    ("raw", "resolved"),
    [
        ("root:a:b", "root:a:b"),
        ("root:a:..", "root"),
        ("root:a:b:..:..", "root"),
        ("root:foo:bar:..:bar:baz:..:baz", "root:foo:bar:baz"),
        ("root:foo:.:bar:.:.:baz:.", "root:foo:bar:baz"),
        ("root:..", ""),
    ],
)
def test_resolve_dots(raw: str, resolved: str) -> None:
    assert paths.resolve_dots(raw) == resolved


def test_resolve_dots_above_the_first_segment() -> None:
    with pytest.raises(PluginError, match="cannot go up from root"):
        paths.resolve_dots("..")
    with pytest.raises(PluginError, match="cannot go above the root workspace"):
        paths.resolve_dots("root:..:..", above_root="cannot go above the root workspace")


def test_join_split_and_root() -> None:
    assert paths.join("root:a", "b:c") == "root:a:b:c"
    assert paths.join("", "root") == "root"
    assert paths.split("root:a:b") == ("root:a", "b")
    assert paths.split("root") == ("", "root")
    assert paths.root_of("root:a:b") == "root"
    assert paths.root_of("user:alice") == "user"
