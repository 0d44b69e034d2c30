"""The object limit's rules (which limit applies) and its recount, which corrects a drifted count."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from kcp.cli.main import _parser
from kcp.logicalcluster import ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.objectlimit import MAX_TOTAL_OBJECTS, limit_of
from kcp.registry.tenancy.paths import logicalcluster_key

A = ClusterName("a")


def _lc(phase: str = "Ready", annotation: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "cluster"}
    if annotation is not None:
        meta["annotations"] = {MAX_TOTAL_OBJECTS: annotation}
    return {
        "apiVersion": "core.kcp.io/v1alpha1",
        "kind": "LogicalCluster",
        "metadata": meta,
        "status": {"phase": phase},
    }


@pytest.mark.parametrize(
    ("cluster", "lc", "default", "limit"),
    [
        ("a", _lc(), 10, 10),
        ("a", _lc(annotation="3"), 10, 3),
        ("a", _lc(annotation="+3"), 0, 3),
        ("a", _lc(annotation="0"), 10, 0),
        ("a", _lc(annotation="-1"), 10, -1),
        ("a", _lc(annotation="lots"), 10, 10),  # unparsable: the default, as kcp
        ("a", _lc(annotation=str(1 << 63)), 10, 10),  # beyond int64: unparsable in Go too
        ("a", _lc(phase="Initializing", annotation="3"), 10, 0),  # bootstrapping is never refused
        ("a", None, 10, 0),
        ("root", _lc(), 10, 0),  # the default spares root and system clusters
        ("system:admin", _lc(), 10, 0),
        ("root", _lc(annotation="5"), 10, 5),  # unless annotated
    ],
)
def test_which_limit_applies(cluster: str, lc: dict[str, Any] | None, default: int, limit: int) -> None:
    assert limit_of(ClusterName(cluster), lc, default) == limit


async def _record(catalog: Catalog) -> dict[str, Any] | None:
    page = await catalog.storage.list("/registry/core.kcp.io/objectcounts/a/")
    return orjson.loads(page.entries[0].value) if page.entries else None


async def test_the_recount_corrects_drift_and_drops_records_no_longer_limited(catalog: Catalog) -> None:
    storage, limit = catalog.storage, catalog.object_limit
    lc = _lc(annotation="100")
    await storage.create(logicalcluster_key(A), orjson.dumps(lc))
    await limit.sync(A, lc)
    assert await _record(catalog) == {
        "count": 2,
        "limit": 100,
        "surplus": 0,
    }  # its namespace and its LogicalCluster
    entry = (await storage.list("/registry/core.kcp.io/objectcounts/a/")).entries[0]
    await storage.update(entry.key, orjson.dumps({"count": 57, "limit": 100}), expect=entry.mod_revision)
    await limit.recount()  # once: it may be creates on their way, so it is only noted
    assert await _record(catalog) == {"count": 57, "limit": 100, "surplus": 55}
    await limit.recount()  # twice: what a crash between a charge and its write left
    assert await _record(catalog) == {"count": 2, "limit": 100, "surplus": 0}
    entry = (await storage.list("/registry/core.kcp.io/objectcounts/a/")).entries[0]
    await storage.update(entry.key, orjson.dumps({"count": 0, "limit": 100}), expect=entry.mod_revision)
    await limit.recount()  # too low is never a race: raised at once
    assert await _record(catalog) == {"count": 2, "limit": 100, "surplus": 0}
    gone = await storage.get(logicalcluster_key(A))
    assert gone is not None
    await storage.delete(gone.key)
    await limit.recount()
    assert await _record(catalog) is None


def test_start_flags() -> None:
    args = _parser().parse_args(["start"])
    assert (args.logical_cluster_total_object_limit, args.logical_cluster_object_count_scan_interval) == (
        0,
        60.0,
    )
    args = _parser().parse_args(
        [
            "start",
            "--logical-cluster-total-object-limit=500",
            "--logical-cluster-object-count-scan-interval=1s",
        ]
    )
    assert (args.logical_cluster_total_object_limit, args.logical_cluster_object_count_scan_interval) == (
        500,
        1.0,
    )
    for bad in ("--logical-cluster-total-object-limit=-1", "--logical-cluster-total-object-limit=many"):
        with pytest.raises(SystemExit):
            _parser().parse_args(["start", bad])


async def test_each_round_recounts_a_batch_and_all_come_round(catalog: Catalog) -> None:
    storage, limit = catalog.storage, catalog.object_limit
    for name in ("a", "b"):
        lc = _lc(annotation="10")
        await storage.create(logicalcluster_key(ClusterName(name)), orjson.dumps(lc))
        await limit.sync(ClusterName(name), lc)
    records = (await storage.list("/registry/core.kcp.io/objectcounts/")).entries
    for entry in records:
        await storage.update(entry.key, orjson.dumps({"count": 0, "limit": 10}), expect=entry.mod_revision)
    await limit.recount(batch=1)
    counts = [
        orjson.loads(e.value)["count"]
        for e in (await storage.list("/registry/core.kcp.io/objectcounts/")).entries
    ]
    assert counts == [2, 0]
    await limit.recount(batch=1)
    counts = [
        orjson.loads(e.value)["count"]
        for e in (await storage.list("/registry/core.kcp.io/objectcounts/")).entries
    ]
    assert counts == [2, 2]
