"""Logical cluster names and the one storage key builder."""

from __future__ import annotations

import pytest

from kcp.logicalcluster import ClusterName, cluster_of_key, is_cluster_name, is_valid_path, object_key


def test_keys_carry_the_cluster() -> None:
    key = object_key("", "configmaps", ClusterName("root"), "default", "a")
    assert key == "/registry/core/configmaps/root/default/a"
    assert cluster_of_key(key) == "root"
    assert object_key("rbac.authorization.k8s.io", "clusterroles", ClusterName("abc"), "", "view") == (
        "/registry/rbac.authorization.k8s.io/clusterroles/abc/view"
    )


@pytest.mark.parametrize("name", ["root:org", "Root", "", "a/b", "..", "*", "root:"])
def test_only_cluster_names_build_keys(name: str) -> None:
    with pytest.raises(ValueError):
        object_key("", "configmaps", ClusterName(name), "", "a")


def test_paths() -> None:
    assert is_valid_path("root:org:team") and not is_valid_path("root::x") and not is_valid_path(":root")
    assert is_cluster_name("system:admin") and not is_cluster_name("root:org")
