"""A real SQLite store and Catalog with namespace `ns` in clusters `a` and `b`, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.support.registry import ADMIN, OPTS

from kcp.logicalcluster import ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.options import RequestScope
from kcp.storage.sqlite import SQLiteStorage


@pytest.fixture
async def catalog(tmp_path: Path) -> AsyncIterator[Catalog]:
    storage = SQLiteStorage(tmp_path / "kcp.db")
    await storage.start()
    cat = Catalog(storage)
    for cluster in ("a", "b"):
        await cat.store("", "v1", "namespaces").create(
            RequestScope(ClusterName(cluster), "", ADMIN), {"metadata": {"name": "ns"}}, OPTS
        )
    yield cat
    await storage.close()
