"""The tenancy Stores prune and report unknown fields like other built-ins, and keep every field the
tenancy controllers write, through create, status updates, patches and server-side apply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from kcp.apimachinery.errors import BadRequest
from kcp.apimachinery.user import SYSTEM_MASTERS, UserInfo
from kcp.logicalcluster import ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.options import RequestScope, WriteOptions
from kcp.registry.store import Store
from kcp.registry.tenancy.kinds import LOGICALCLUSTERS, WORKSPACES, WORKSPACETYPES
from kcp.storage.sqlite import SQLiteStorage

ADMIN = UserInfo("admin", groups=(SYSTEM_MASTERS,))
SCOPE = RequestScope(ClusterName("a"), "", ADMIN)
STRICT = WriteOptions(field_manager="test")
WARN = WriteOptions(field_manager="test", field_validation="Warn")
APPLY = "application/apply-patch+yaml"


@pytest.fixture
async def catalog(tmp_path: Path) -> AsyncIterator[Catalog]:
    storage = SQLiteStorage(tmp_path / "kcp.db")
    await storage.start()
    yield Catalog(storage)  # no tenancy admission: the Store alone is under test
    await storage.close()


def _store(catalog: Catalog, res: Any) -> Store:
    return catalog.store(res.group, res.version, res.resource)


def _workspace(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "tenancy.kcp.io/v1alpha1",
        "kind": "Workspace",
        "metadata": {"name": name},
        "spec": {"type": {"name": "universal", "path": "root"}, **spec},
    }


def test_every_tenancy_store_has_a_schema(catalog: Catalog) -> None:
    for res in (WORKSPACES, WORKSPACETYPES, LOGICALCLUSTERS):
        strategy = _store(catalog, res).strategy
        assert strategy.schema is not None and strategy.compiled_schema is not None, res.kind


async def test_unknown_fields_are_refused_when_strict_and_warned_otherwise(catalog: Catalog) -> None:
    store = _store(catalog, WORKSPACES)
    with pytest.raises(BadRequest, match=r'unknown field "spec\.bogus"'):
        await store.create(SCOPE, _workspace("strict", bogus=1), STRICT)
    created, warnings = await store.create(SCOPE, _workspace("warned", bogus=1), WARN)
    assert warnings == ['unknown field "spec.bogus"']
    assert "bogus" not in created["spec"]


async def test_status_the_controllers_write_survives(catalog: Catalog) -> None:
    store = _store(catalog, WORKSPACES)
    created, _ = await store.create(
        SCOPE, _workspace("ws", location={"selector": {"matchLabels": {"r": "eu"}}}), STRICT
    )
    created["spec"].update(cluster="0123456789abcdef", URL="https://h/clusters/root:ws")
    updated, _, _ = await store.update(SCOPE, "ws", created, STRICT)
    updated["status"] = {"phase": "Initializing", "initializers": ["root:universal"]}
    updated, _, _ = await store.update(SCOPE, "ws", updated, STRICT, subresource="status")
    assert updated["status"] == {"phase": "Initializing", "initializers": ["root:universal"]}
    assert updated["spec"]["location"] == {"selector": {"matchLabels": {"r": "eu"}}}
    assert updated["spec"]["URL"].endswith("root:ws") and updated["metadata"]["labels"]


async def test_logical_cluster_patches_keep_initializers(catalog: Catalog) -> None:
    store = _store(catalog, LOGICALCLUSTERS)
    owner = {
        "apiVersion": "tenancy.kcp.io/v1alpha1",
        "resource": "workspaces",
        "name": "ws",
        "cluster": "root",
        "uid": "u",
    }
    lc = {
        "apiVersion": "core.kcp.io/v1alpha1",
        "kind": "LogicalCluster",
        "metadata": {"name": "cluster", "annotations": {"kcp.io/path": "root:ws"}},
        "spec": {"owner": owner, "initializers": ["root:universal", "root:other"]},
    }
    created, _ = await store.create(SCOPE, lc, STRICT)
    assert created["spec"]["owner"] == owner
    status = {
        "status": {"phase": "Initializing", "initializers": ["root:universal", "root:other"], "URL": "u"}
    }
    patched, _, _ = await store.patch(
        SCOPE, "cluster", "application/merge-patch+json", orjson.dumps(status), STRICT, "status"
    )
    assert patched["status"] == status["status"]
    remove = [{"op": "replace", "path": "/status/initializers", "value": ["root:other"]}]
    patched, _, _ = await store.patch(
        SCOPE, "cluster", "application/json-patch+json", orjson.dumps(remove), STRICT, "status"
    )
    assert patched["status"]["initializers"] == ["root:other"]
    assert patched["metadata"]["annotations"]["kcp.io/path"] == "root:ws"


async def test_server_side_apply_of_a_workspace_type(catalog: Catalog) -> None:
    store = _store(catalog, WORKSPACETYPES)
    wt: dict[str, Any] = {
        "apiVersion": "tenancy.kcp.io/v1alpha1",
        "kind": "WorkspaceType",
        "metadata": {"name": "custom"},
        "spec": {
            "initializer": True,
            "extend": {"with": [{"name": "universal", "path": "root"}]},
            "limitAllowedParents": {"types": [{"name": "root", "path": "root"}]},
            "defaultAPIBindings": [{"path": "root", "export": "tenancy.kcp.io"}],
            "defaultAPIBindingLifecycle": "Maintain",
        },
    }
    applied, _, _ = await store.patch(SCOPE, "custom", APPLY, orjson.dumps(wt), STRICT)
    default_child = {"defaultChildWorkspaceType": {"name": "universal", "path": "root"}}  # kcp's default
    assert applied["spec"] == wt["spec"] | default_child
    wt["spec"]["bogus"] = True
    with pytest.raises(BadRequest, match="bogus"):
        await store.patch(SCOPE, "custom", APPLY, orjson.dumps(wt), STRICT)
