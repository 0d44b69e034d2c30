"""The garbage collector over a real SQLite store and Catalog, without HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from tests.support.registry import ADMIN, OPTS, ref

from kcp.apimachinery.errors import NotFound
from kcp.logicalcluster import ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.garbagecollector import GarbageCollector
from kcp.registry.options import DeleteOptions, RequestScope
from kcp.registry.store import Store


@pytest.fixture
async def gc(catalog: Catalog) -> AsyncIterator[GarbageCollector]:
    collector = GarbageCollector(catalog.storage, catalog, window=0.01)
    collector.start()
    yield collector
    await collector.close()


def scope(cluster: str = "a", ns: str = "ns") -> RequestScope:
    return RequestScope(ClusterName(cluster), ns, ADMIN)


def configmaps(catalog: Catalog) -> Store:
    return catalog.store("", "v1", "configmaps")


async def make(
    catalog: Catalog, name: str, *owners: dict[str, Any], cluster: str = "a", **meta: Any
) -> dict[str, Any]:
    body = {"metadata": {"name": name, "ownerReferences": list(owners), **meta}, "data": {"k": "v"}}
    obj, _ = await configmaps(catalog).create(scope(cluster), body, OPTS)
    return obj


async def exists(catalog: Catalog, name: str, cluster: str = "a") -> bool:
    try:
        await configmaps(catalog).get(scope(cluster), name)
    except NotFound:
        return False
    return True


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def settled(gc: GarbageCollector) -> None:
    """Let the collector see the last writes, then wait for it to finish its passes."""
    await asyncio.sleep(0.05)

    async def idle() -> bool:
        return gc.idle()

    await until(idle)


async def test_background_cascade_through_a_chain(catalog: Catalog, gc: GarbageCollector) -> None:
    owner = await make(catalog, "owner")
    child = await make(catalog, "child", ref(owner))
    await make(catalog, "grandchild", ref(child))
    await make(catalog, "bystander")
    await configmaps(catalog).delete(scope(), "owner", DeleteOptions())

    async def chain_gone() -> bool:
        return not await exists(catalog, "child") and not await exists(catalog, "grandchild")

    await until(chain_gone)
    await settled(gc)
    assert await exists(catalog, "bystander")


async def test_dependent_with_another_owner_only_loses_the_reference(
    catalog: Catalog, gc: GarbageCollector
) -> None:
    first, second = await make(catalog, "first"), await make(catalog, "second")
    await make(catalog, "shared", ref(first), ref(second))
    await configmaps(catalog).delete(scope(), "first", DeleteOptions())

    async def updated() -> bool:
        refs = (await configmaps(catalog).get(scope(), "shared"))["metadata"].get("ownerReferences")
        return [r["name"] for r in refs or []] == ["second"]

    await until(updated)
    await configmaps(catalog).delete(scope(), "second", DeleteOptions())

    async def gone() -> bool:
        return not await exists(catalog, "shared")

    await until(gone)


async def test_orphan_keeps_dependents_and_releases_the_owner(catalog: Catalog, gc: GarbageCollector) -> None:
    owner = await make(catalog, "owner")
    await make(catalog, "child", ref(owner))
    marked, now, _ = await configmaps(catalog).delete(
        scope(), "owner", DeleteOptions(propagation_policy="Orphan")
    )
    assert not now and marked["metadata"]["finalizers"] == ["orphan"]

    async def owner_gone() -> bool:
        return not await exists(catalog, "owner")

    await until(owner_gone)
    await settled(gc)
    child = await configmaps(catalog).get(scope(), "child")
    assert "ownerReferences" not in child["metadata"]


async def test_foreground_waits_for_blocking_dependents(catalog: Catalog, gc: GarbageCollector) -> None:
    owner = await make(catalog, "owner")
    await make(catalog, "held", ref(owner, blockOwnerDeletion=True), finalizers=["test/hold"])
    await make(catalog, "free", ref(owner))
    await configmaps(catalog).delete(scope(), "owner", DeleteOptions(propagation_policy="Foreground"))

    async def held_marked() -> bool:
        held = await configmaps(catalog).get(scope(), "held")
        return not await exists(catalog, "free") and bool(held["metadata"].get("deletionTimestamp"))

    await until(held_marked)
    await asyncio.sleep(0.3)  # several passes: the owner must still wait for `held`
    assert await exists(catalog, "owner")
    held = await configmaps(catalog).get(scope(), "held")
    held["metadata"]["finalizers"] = [f for f in held["metadata"]["finalizers"] if f != "test/hold"]
    await configmaps(catalog).update(scope(), "held", held, OPTS)

    async def all_gone() -> bool:
        return not await exists(catalog, "owner") and not await exists(catalog, "held")

    await until(all_gone)


async def test_cluster_scoped_owner_and_cluster_isolation(catalog: Catalog, gc: GarbageCollector) -> None:
    roles = catalog.store("rbac.authorization.k8s.io", "v1", "clusterroles")
    role = {"metadata": {"name": "owner"}, "rules": []}
    owner_a, _ = await roles.create(scope("a", ""), dict(role), OPTS)
    owner_b, _ = await roles.create(scope("b", ""), dict(role), OPTS)
    await make(catalog, "child", ref(owner_a))
    # the same names in another cluster are another object's business
    await make(catalog, "child", ref(owner_b), cluster="b")
    await roles.delete(scope("a", ""), "owner", DeleteOptions())

    async def gone() -> bool:
        return not await exists(catalog, "child")

    await until(gone)
    await settled(gc)
    assert await exists(catalog, "child", cluster="b")


async def test_dependents_of_absent_owners_lose_them(catalog: Catalog, gc: GarbageCollector) -> None:
    """kube deletes a dependent once all its owners are verified absent, however it got there."""
    owner = await make(catalog, "owner")
    ghost = {**ref(owner), "name": "ghost", "uid": "00000000-0000-0000-0000-000000000000"}
    await make(catalog, "only-ghost", ghost)
    await make(catalog, "ghost-and-owner", ghost, ref(owner))
    impostor = {**ref(owner), "uid": "11111111-1111-1111-1111-111111111111"}  # right name, wrong uid
    await make(catalog, "impostor", impostor)

    async def collected() -> bool:
        kept = await configmaps(catalog).get(scope(), "ghost-and-owner")
        refs = [r["name"] for r in kept["metadata"]["ownerReferences"]]
        return (
            not await exists(catalog, "only-ghost")
            and not await exists(catalog, "impostor")
            and refs == ["owner"]
        )

    await until(collected)
    await settled(gc)
    assert await exists(catalog, "owner")


async def test_owners_deleted_while_no_collector_ran(catalog: Catalog) -> None:
    owner = await make(catalog, "owner")
    await make(catalog, "child", ref(owner))
    await make(catalog, "bystander", ref(await make(catalog, "kept")))
    await configmaps(catalog).delete(scope(), "owner", DeleteOptions())
    collector = GarbageCollector(catalog.storage, catalog, window=0.01)
    collector.start()
    try:

        async def child_gone() -> bool:
            return not await exists(catalog, "child")

        await until(child_gone)
        await settled(collector)
        assert await exists(catalog, "bystander")
    finally:
        await collector.close()


async def test_owners_waiting_before_start_are_handled(catalog: Catalog) -> None:
    owner = await make(catalog, "owner")
    await make(catalog, "child", ref(owner))
    await configmaps(catalog).delete(scope(), "owner", DeleteOptions(propagation_policy="Orphan"))
    collector = GarbageCollector(catalog.storage, catalog, window=0.01)
    collector.start()
    try:

        async def owner_gone() -> bool:
            return not await exists(catalog, "owner")

        await until(owner_gone)
        assert await exists(catalog, "child")
    finally:
        await collector.close()
