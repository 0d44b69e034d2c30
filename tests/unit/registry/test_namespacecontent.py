"""A namespace's default ServiceAccount and kube-root-ca.crt are put back by the requests that take them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.support.registry import ADMIN, OPTS

from kcp.apimachinery.errors import NotFound
from kcp.logicalcluster import ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.options import DeleteOptions, RequestScope
from kcp.storage.sqlite import SQLiteStorage

CA = "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n"
ROOT_CA = "kube-root-ca.crt"


@pytest.fixture
async def catalog(tmp_path: Path) -> AsyncIterator[Catalog]:
    storage = SQLiteStorage(tmp_path / "kcp.db")
    await storage.start()
    cat = Catalog(storage, root_ca_pem=CA.encode())
    for cluster in ("a", "b"):
        namespaces = cat.store("", "v1", "namespaces")
        await namespaces.create(scope(cluster, ""), {"metadata": {"name": "ns"}}, OPTS)
    yield cat
    await storage.close()


def scope(cluster: str = "a", ns: str = "ns") -> RequestScope:
    return RequestScope(ClusterName(cluster), ns, ADMIN)


async def test_put_back_in_its_own_cluster_only_and_only_these_names(catalog: Catalog) -> None:
    configmaps, accounts = catalog.store("", "v1", "configmaps"), catalog.store("", "v1", "serviceaccounts")
    before = {c: (await configmaps.get(scope(c), ROOT_CA))["metadata"]["uid"] for c in "ab"}
    _, deleted, _ = await configmaps.delete(scope("a"), ROOT_CA, DeleteOptions())
    assert deleted
    after = {c: (await configmaps.get(scope(c), ROOT_CA))["metadata"]["uid"] for c in "ab"}
    assert after["a"] != before["a"] and after["b"] == before["b"]
    account = (await accounts.get(scope("b"), "default"))["metadata"]["uid"]
    await accounts.delete(scope("b"), "default", DeleteOptions())
    assert (await accounts.get(scope("b"), "default"))["metadata"]["uid"] != account

    secrets = catalog.store("", "v1", "secrets")  # a Secret of that name is nobody's to put back
    await secrets.create(scope(), {"metadata": {"name": ROOT_CA}}, OPTS)
    await secrets.delete(scope(), ROOT_CA, DeleteOptions())
    with pytest.raises(NotFound):
        await secrets.get(scope(), ROOT_CA)


async def test_put_back_when_its_last_finalizer_lets_it_go(catalog: Catalog) -> None:
    configmaps = catalog.store("", "v1", "configmaps")
    held = await configmaps.get(scope(), ROOT_CA)
    held["metadata"]["finalizers"] = ["example.com/hold"]
    await configmaps.update(scope(), ROOT_CA, held, OPTS)
    marked, deleted, _ = await configmaps.delete(scope(), ROOT_CA, DeleteOptions())
    assert not deleted and marked["metadata"]["deletionTimestamp"]
    marked["metadata"]["finalizers"] = []
    await configmaps.update(scope(), ROOT_CA, marked, OPTS)  # removes it: this is its delete
    back = await configmaps.get(scope(), ROOT_CA)
    assert back["metadata"]["uid"] != held["metadata"]["uid"] and not back["metadata"].get("finalizers")
    assert back["data"] == {"ca.crt": CA}


async def test_nothing_is_put_back_in_a_terminating_namespace(catalog: Catalog) -> None:
    configmaps, namespaces = catalog.store("", "v1", "configmaps"), catalog.store("", "v1", "namespaces")
    await namespaces.delete(scope(ns=""), "ns", DeleteOptions())  # terminating: the kubernetes finalizer
    await configmaps.delete(scope(), ROOT_CA, DeleteOptions())
    with pytest.raises(NotFound):
        await configmaps.get(scope(), ROOT_CA)


async def test_an_edited_root_ca_is_reset_by_the_edit_itself(catalog: Catalog) -> None:
    configmaps = catalog.store("", "v1", "configmaps")
    edited = await configmaps.get(scope(), ROOT_CA)
    edited["data"] = {"ca.crt": "forged", "more": "x"}
    edited["metadata"]["labels"] = {"kept": "yes"}
    answer, _, _ = await configmaps.update(scope(), ROOT_CA, edited, OPTS)
    assert answer["data"]["ca.crt"] == "forged"  # what the editor wrote is what it is told
    now = await configmaps.get(scope(), ROOT_CA)
    assert now["data"] == {"ca.crt": CA} and now["metadata"]["labels"] == {"kept": "yes"}
    assert int(now["metadata"]["resourceVersion"]) > int(answer["metadata"]["resourceVersion"])
