"""Lists at a revision: kube's legacy exact reads, and what a list that fell behind compaction gets."""

from __future__ import annotations

import pytest
from tests.support.registry import ADMIN, OPTS

from kcp.apimachinery.errors import Expired, Timeout
from kcp.logicalcluster import ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.options import ListOptions, RequestScope
from kcp.registry.reads import list_objects

SCOPE = RequestScope(ClusterName("a"), "ns", ADMIN)


async def _configmaps(catalog: Catalog, *names: str) -> int:
    store = catalog.store("", "v1", "configmaps")
    for name in names:
        await store.create(SCOPE, {"metadata": {"name": name}}, OPTS)
    return await catalog.storage.current_revision()


def _names(listing: dict[str, object]) -> list[str]:
    return [item["metadata"]["name"] for item in listing["items"]]  # type: ignore[attr-defined, index]


async def test_a_first_page_at_a_revision_is_that_revisions_snapshot(catalog: Catalog) -> None:
    """limit with resourceVersion and no resourceVersionMatch is Exact in kube, not NotOlderThan."""
    store = catalog.store("", "v1", "configmaps")
    then = await _configmaps(catalog, "a", "b")
    await _configmaps(catalog, "c")
    assert _names(await list_objects(store, SCOPE, ListOptions(limit=10, resource_version=str(then)))) == [
        "a",
        "b",
    ]
    assert _names(await list_objects(store, SCOPE, ListOptions(resource_version=str(then)))) == [
        "a",
        "b",
        "c",
    ]


async def test_compacted_lists_get_kubes_410s(catalog: Catalog) -> None:
    store = catalog.store("", "v1", "configmaps")
    then = await _configmaps(catalog, "a", "b", "c")
    first = await list_objects(store, SCOPE, ListOptions(limit=1))
    await _configmaps(catalog, "d")
    await catalog.storage.compact(await catalog.storage.current_revision())
    for exact in (
        ListOptions(limit=1, resource_version=str(then)),
        ListOptions(resource_version=str(then), resource_version_match="Exact"),
    ):
        with pytest.raises(Expired) as raised:
            await list_objects(store, SCOPE, exact)
        assert raised.value.to_status()["message"] == "The resourceVersion for the provided list is too old."
    with pytest.raises(Expired) as raised:
        await list_objects(store, SCOPE, ListOptions(limit=1, continue_token=first["metadata"]["continue"]))  # type: ignore[index]
    status = raised.value.to_status()
    assert status["message"].startswith("The provided continue parameter is too old")
    rest = await list_objects(store, SCOPE, ListOptions(continue_token=status["metadata"]["continue"]))
    assert _names(rest) == ["b", "c", "d"]  # from where the first page ended, at the newest revision


async def test_a_list_from_the_future_is_kubes_504_with_its_cause(catalog: Catalog) -> None:
    store = catalog.store("", "v1", "configmaps")
    future = str(await _configmaps(catalog, "a") + 100)
    with pytest.raises(Timeout) as raised:
        await list_objects(store, SCOPE, ListOptions(resource_version=future, resource_version_match="Exact"))
    assert raised.value.to_status()["details"]["causes"] == [
        {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
    ]
