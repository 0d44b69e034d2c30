"""The generic Store over a real SQLite store, without HTTP: the registry is drivable on its own."""

from __future__ import annotations

from typing import Any

import pytest
from tests.support.registry import ADMIN, OPTS

from kcp.apimachinery.errors import AlreadyExists, Conflict, Forbidden, Invalid, NotFound
from kcp.logicalcluster import ClusterName
from kcp.registry import reads
from kcp.registry.catalog import Catalog
from kcp.registry.options import DeleteOptions, ListOptions, RequestScope, WriteOptions


def scope(cluster: str = "a", ns: str = "ns") -> RequestScope:
    return RequestScope(ClusterName(cluster), ns, ADMIN)


def cm(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


async def test_clusters_are_isolated(catalog: Catalog) -> None:
    store = catalog.store("", "v1", "configmaps")
    await store.create(scope("a"), cm("x", k="a"), OPTS)
    await store.create(scope("b"), cm("x", k="b"), OPTS)
    assert (await store.get(scope("a"), "x"))["data"] == {"k": "a"}
    assert (await store.get(scope("b"), "x"))["data"] == {"k": "b"}
    listing = await reads.list_objects(store, scope("a"), ListOptions())
    assert [i["metadata"]["annotations"]["kcp.io/cluster"] for i in listing["items"]] == ["a"]


async def test_optimistic_concurrency(catalog: Catalog) -> None:
    store = catalog.store("", "v1", "configmaps")
    created, _ = await store.create(scope(), cm("x", k="1"), OPTS)
    with pytest.raises(AlreadyExists):
        await store.create(scope(), cm("x"), OPTS)
    updated, _, _ = await store.update(scope(), "x", dict(created, data={"k": "2"}), OPTS)
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    with pytest.raises(Conflict):
        await store.update(scope(), "x", dict(created, data={"k": "3"}), OPTS)
    same, _, _ = await store.update(scope(), "x", updated, OPTS)
    assert same["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]


async def test_validation_and_namespace_lifecycle(catalog: Catalog) -> None:
    store = catalog.store("", "v1", "configmaps")
    with pytest.raises(Invalid):
        await store.create(scope(), cm("Bad_Name"), OPTS)
    with pytest.raises(NotFound):
        await store.create(scope(ns="missing"), cm("x"), OPTS)
    namespaces = catalog.store("", "v1", "namespaces")
    ns, deleted, _ = await namespaces.delete(scope(ns=""), "ns", DeleteOptions())
    assert not deleted and ns["status"]["phase"] == "Terminating"
    with pytest.raises(Forbidden) as caught:
        await store.create(scope(), cm("late"), OPTS)
    assert caught.value.to_status()["message"] == (
        'configmaps "late" is forbidden: unable to create new content in namespace ns because it is being '
        "terminated"
    )
    assert caught.value.to_status()["details"] == {
        "name": "late",
        "kind": "configmaps",
        "causes": [
            {
                "reason": "NamespaceTerminating",
                "message": "namespace ns is being terminated",
                "field": "metadata.namespace",
            }
        ],
    }


async def test_finalizers_hold_deletion(catalog: Catalog) -> None:
    store = catalog.store("", "v1", "configmaps")
    obj = cm("f")
    obj["metadata"]["finalizers"] = ["example.com/keep"]
    await store.create(scope(), obj, OPTS)
    held, deleted, _ = await store.delete(scope(), "f", DeleteOptions())
    assert not deleted and held["metadata"]["deletionTimestamp"]
    held["metadata"]["finalizers"] = []
    await store.update(scope(), "f", held, OPTS)
    with pytest.raises(NotFound):
        await store.get(scope(), "f")


async def test_dry_run_stores_nothing(catalog: Catalog) -> None:
    store = catalog.store("", "v1", "configmaps")
    await store.create(scope(), cm("d"), WriteOptions(dry_run=True, field_manager="t"))
    with pytest.raises(NotFound):
        await store.get(scope(), "d")


async def test_server_owned_metadata_is_kept_or_refused_as_kube_does(catalog: Catalog) -> None:
    store = catalog.store("", "v1", "configmaps")
    created, _ = await store.create(scope(), cm("m"), OPTS)
    meta = created["metadata"]
    moved = dict(created, metadata={**meta, "creationTimestamp": "2001-01-01T00:00:00Z", "uid": ""})
    kept, _, _ = await store.update(scope(), "m", moved, OPTS)  # reset silently, as kube does
    assert (kept["metadata"]["uid"], kept["metadata"]["creationTimestamp"]) == (
        meta["uid"],
        meta["creationTimestamp"],
    )
    with pytest.raises(Conflict) as conflict:  # a PUT's uid is a precondition, checked first
        await store.update(scope(), "m", dict(kept, metadata={**kept["metadata"], "uid": "abc"}), OPTS)
    assert conflict.value.message == (
        'Operation cannot be fulfilled on configmaps "m": Precondition failed: '
        f"UID in precondition: abc, UID in object meta: {meta['uid']}"
    )
    with pytest.raises(Invalid) as caught:  # a patch changing it is refused by validation
        await store.patch(scope(), "m", "application/merge-patch+json", b'{"metadata": {"uid": "abc"}}', OPTS)
    assert [c.to_dict() for c in caught.value.causes] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "abc": field is immutable',
            "field": "metadata.uid",
        }
    ]
    with pytest.raises(Invalid) as caught:
        await store.patch(
            scope(),
            "m",
            "application/merge-patch+json",
            b'{"metadata": {"deletionTimestamp": "2030-01-02T03:04:05Z"}}',
            OPTS,
        )
    assert (
        caught.value.causes[0].message == 'Invalid value: "2030-01-02 03:04:05 +0000 UTC": field is immutable'
    )
