"""Custom resources are stored in the storage version and pruned by the schema of the version they
are converted to, as kube's schemaCoercingConverter does."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from tests.support.registry import ADMIN, OPTS

from kcp.logicalcluster import ClusterName, object_key
from kcp.registry.catalog import Catalog
from kcp.registry.customresource import CustomResourceStrategy
from kcp.registry.options import RequestScope, WriteOptions
from kcp.registry.store import Store

GROUP = "example.com"
CRDS = ("apiextensions.k8s.io", "v1", "customresourcedefinitions")
CLUSTER = RequestScope(ClusterName("a"), "", ADMIN)
NS = RequestScope(ClusterName("a"), "ns", ADMIN)
REPLICAS_ONLY = {
    "type": "object",
    "properties": {"spec": {"type": "object", "properties": {"replicas": {"type": "integer"}}}},
}
SPEC_KEEPS_ANY = {
    "type": "object",
    "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
}
ROOT_KEEPS_ANY = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def crd(old_schema: dict[str, Any]) -> dict[str, Any]:
    """v1 stores and knows only spec.replicas; v1beta1 is served with `old_schema`."""
    return {
        "metadata": {"name": f"widgets.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [
                {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": REPLICAS_ONLY}},
                {
                    "name": "v1beta1",
                    "served": True,
                    "storage": False,
                    "schema": {"openAPIV3Schema": old_schema},
                },
            ],
        },
    }


def widget(version: str, spec: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{version}",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": spec,
        **top,
    }


async def stores(catalog: Catalog, old_schema: dict[str, Any]) -> tuple[Store, Store]:
    await catalog.store(*CRDS).create(CLUSTER, crd(old_schema), OPTS)
    v1 = await catalog.lookup("a", GROUP, "v1", "widgets")
    v1beta1 = await catalog.lookup("a", GROUP, "v1beta1", "widgets")
    assert v1 is not None and v1beta1 is not None
    return v1, v1beta1


async def stored(catalog: Catalog) -> dict[str, Any]:
    entry = await catalog.storage.get(object_key(GROUP, "widgets", ClusterName("a"), "ns", "w"))
    assert entry is not None
    value: dict[str, Any] = orjson.loads(entry.value)
    return value


@pytest.mark.parametrize("old_schema", [SPEC_KEEPS_ANY, ROOT_KEEPS_ANY], ids=["spec", "root"])
async def test_a_write_through_another_version_is_pruned_by_the_storage_schema(
    catalog: Catalog, old_schema: dict[str, Any]
) -> None:
    v1, v1beta1 = await stores(catalog, old_schema)
    created, warnings = await v1beta1.create(NS, widget("v1beta1", {"replicas": 1, "extra": "yes"}), OPTS)
    assert warnings == []  # v1beta1 keeps the field: nothing unknown to warn of
    assert created["apiVersion"] == f"{GROUP}/v1beta1" and created["spec"] == {"replicas": 1}
    raw = await stored(catalog)
    assert raw["apiVersion"] == f"{GROUP}/v1" and raw["spec"] == {"replicas": 1}
    for store in (v1, v1beta1):
        read = await store.get(NS, "w")
        assert read["apiVersion"] == store.resource.group_version and read["spec"] == {"replicas": 1}

    updated, _, _ = await v1beta1.update(NS, "w", dict(created, spec={"replicas": 2, "extra": "again"}), OPTS)
    assert updated["spec"] == {"replicas": 2}
    assert (await stored(catalog))["spec"] == {"replicas": 2}
    dry = WriteOptions(field_manager="test", dry_run=True)
    dry_run, _, _ = await v1beta1.update(NS, "w", dict(updated, spec={"replicas": 3, "extra": "x"}), dry)
    assert dry_run["spec"] == {"replicas": 3}


async def test_a_read_through_another_version_is_pruned_by_that_versions_schema(catalog: Catalog) -> None:
    v1, v1beta1 = await stores(catalog, SPEC_KEEPS_ANY)
    # written when v1beta1 stored (or before conversion pruned): the extra field is in storage
    key = object_key(GROUP, "widgets", ClusterName("a"), "ns", "w")
    legacy = widget("v1beta1", {"replicas": 1, "extra": "yes"}, metadata={"name": "w", "namespace": "ns"})
    await catalog.storage.create(key, orjson.dumps(legacy))
    assert (await v1.get(NS, "w"))["spec"] == {"replicas": 1}
    assert (await v1beta1.get(NS, "w"))["spec"] == {"replicas": 1, "extra": "yes"}


async def test_the_storage_version_converts_nothing(catalog: Catalog) -> None:
    v1, v1beta1 = await stores(catalog, SPEC_KEEPS_ANY)
    assert isinstance(v1.strategy, CustomResourceStrategy) and v1.strategy.storage_version is None
    obj = widget("v1", {"replicas": 1})
    assert v1.strategy.to_storage(obj) is obj and v1.strategy.from_storage(obj) is obj
    assert v1.strategy.as_read(obj) is obj
    assert isinstance(v1beta1.strategy, CustomResourceStrategy) and v1beta1.strategy.storage_version
