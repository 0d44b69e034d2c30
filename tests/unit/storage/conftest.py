"""The backends every storage contract and property test runs against (etcd joins this list later).

A factory builds an unstarted store on the data kept under a directory; calling it twice on the same
directory is a restart, which the reopen tests rely on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from kcp.storage.interface import Storage
from kcp.storage.sqlite import SQLiteStorage

Factory = Callable[[Path], Storage]

BACKENDS: dict[str, Factory] = {
    # No background compaction: tests compact explicitly so they know what history exists.
    "sqlite": lambda root: SQLiteStorage(root / "kcp.db", compaction_interval=3600.0),
}


@pytest.fixture(params=sorted(BACKENDS))
def storage_factory(request: pytest.FixtureRequest) -> Factory:
    """Stateless, so hypothesis tests may use it across examples."""
    return BACKENDS[request.param]


@pytest.fixture
def reopen(storage_factory: Factory, tmp_path: Path) -> Callable[[], Storage]:
    """A new, unstarted store on this test's data."""
    return lambda: storage_factory(tmp_path)


@pytest.fixture
async def storage(reopen: Callable[[], Storage]) -> AsyncIterator[Storage]:
    store = reopen()
    await store.start()
    yield store
    await store.close()
