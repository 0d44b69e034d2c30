"""kube's version order: GA over beta over alpha, numbers compared as numbers, other names last."""

from __future__ import annotations

import functools

from kcp.apimachinery.versions import compare_versions, newest


def test_versions_sort_as_kube_sorts_them() -> None:
    shuffled = ["foo1", "v1beta1", "v10", "v2", "v1alpha1", "v11alpha2", "v1", "v12beta3", "foo10", "v3beta1"]
    oldest_first = sorted(shuffled, key=functools.cmp_to_key(compare_versions))
    assert oldest_first == [
        "foo10",
        "foo1",
        "v1alpha1",
        "v11alpha2",
        "v1beta1",
        "v3beta1",
        "v12beta3",
        "v1",
        "v2",
        "v10",
    ]
    assert compare_versions("v1", "v1") == 0
    assert newest(["v1beta1", "v1", "v2alpha1"]) == "v1"
