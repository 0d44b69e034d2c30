"""Objects the server writes along with another (a workspace's cluster and content, a namespace's
ServiceAccount and root CA) skip the checks a client's create passes through, so each must be stored
exactly as that create would store it; and they are written all together or not at all."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.support.registry import ADMIN

from kcp.apimachinery.errors import AlreadyExists
from kcp.logicalcluster import ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.options import RequestScope, WriteOptions
from kcp.registry.store import create_new, stand_in
from kcp.registry.tenancy.admission import owner_annotation
from kcp.registry.tenancy.scheduling import MANAGER, WorkspaceScheduler
from kcp.storage import KeyExists, KeyNotFound
from kcp.storage.sqlite import SQLiteStorage

PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
MADE, OTHER = ClusterName("made"), ClusterName("other")
RESOURCES = {
    ("v1", "Namespace"): ("", "v1", "namespaces"),
    ("v1", "ServiceAccount"): ("", "v1", "serviceaccounts"),
    ("v1", "ConfigMap"): ("", "v1", "configmaps"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
    ),
    ("core.kcp.io/v1alpha1", "LogicalCluster"): ("core.kcp.io", "v1alpha1", "logicalclusters"),
}
SERVER_SET = ("uid", "creationTimestamp", "generation", "managedFields", "resourceVersion")


@pytest.fixture
async def catalog(tmp_path: Path) -> AsyncIterator[Catalog]:
    storage = SQLiteStorage(tmp_path / "kcp.db")
    await storage.start()
    yield Catalog(storage, root_ca_pem=PEM)
    await storage.close()


def _universal_cluster(catalog: Catalog, name: str = "w") -> list[tuple[str, bytes]]:
    """A cluster's entries as the Workspace `name` in root makes them."""
    scheduler = WorkspaceScheduler(catalog.store, None, catalog.namespace_content)  # type: ignore[arg-type]
    lc = {
        "apiVersion": "core.kcp.io/v1alpha1",
        "kind": "LogicalCluster",
        "metadata": {"name": "cluster", "annotations": {"kcp.io/path": f"root:{name}"}},
        "spec": {
            "owner": {"apiVersion": "tenancy.kcp.io/v1alpha1", "resource": "workspaces", "name": name}
            | {"cluster": "root", "uid": f"uid-of-{name}"},
            "initializers": ["root:universal", "root:custom"],
        },
    }
    owner = owner_annotation(ADMIN)
    _, entries = scheduler.cluster_content(MADE, lc, f"https://kcp/clusters/root:{name}", owner)
    return entries


def _comparable(obj: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    out["metadata"].pop("uid")
    out["metadata"].pop("creationTimestamp")
    for entry in out["metadata"].get("managedFields", []):
        entry.pop("time")
    return out


@pytest.mark.parametrize("made_before", [0, 1], ids=["first", "copied"])
async def test_they_are_stored_as_their_creates_would_store_them(catalog: Catalog, made_before: int) -> None:
    """The second cluster's content is copied from what the first one's preparation made (store.py's
    prepare_fixed): it must come out as whole, with uids of its own."""
    earlier = [_universal_cluster(catalog, f"earlier-{i}") for i in range(made_before)]
    entries = _universal_cluster(catalog)
    cluster = orjson.loads(entries[0][1])  # its own names, wherever it was copied from
    assert cluster["metadata"]["annotations"]["kcp.io/path"] == "root:w"
    assert cluster["status"]["URL"] == "https://kcp/clusters/root:w"
    assert cluster["spec"]["owner"] | {"apiVersion": "", "resource": ""} == {
        "apiVersion": "",
        "resource": "",
        "name": "w",
        "cluster": "root",
        "uid": "uid-of-w",
    }
    kinds = [orjson.loads(value)["kind"] for _, value in entries]
    assert kinds == ["LogicalCluster"] + ["Namespace", "ServiceAccount", "ConfigMap"] * 2 + [
        "ClusterRoleBinding"
    ]
    made = [entry for cluster in [*earlier, entries] for entry in cluster]
    uids = [orjson.loads(value)["metadata"]["uid"] for _, value in made]
    assert len(set(uids)) == len(uids)
    for key, value in entries:
        made = orjson.loads(value)
        store = catalog.store(*RESOURCES[(made["apiVersion"], made["kind"])])
        namespace = made["metadata"].get("namespace", "")
        assert key == store.key(MADE, namespace, made["metadata"]["name"])
        if namespace:  # through the API, content needs its namespace
            with contextlib.suppress(AlreadyExists):
                await catalog.store("", "v1", "namespaces").create(
                    RequestScope(OTHER, "", ADMIN), {"metadata": {"name": namespace}}, WriteOptions()
                )
        sent = copy.deepcopy(made)
        for field in SERVER_SET:
            sent["metadata"].pop(field, None)
        scope = RequestScope(OTHER, namespace, ADMIN)
        with contextlib.suppress(KeyNotFound):  # the namespace brought its own: a dry run checks for it
            await catalog.storage.delete(store.key(OTHER, namespace, made["metadata"]["name"]))
        manager = made["metadata"].get("managedFields", [{"manager": MANAGER}])[0]["manager"]
        created, _ = await store.create(scope, sent, WriteOptions(field_manager=manager, dry_run=True))
        assert _comparable(orjson.loads(store.encode(created))) == _comparable(made)


async def test_they_are_written_with_their_object_or_not_at_all(catalog: Catalog) -> None:
    entries = _universal_cluster(catalog)
    storage = catalog.storage
    await storage.create(entries[2][0], b"{}")  # one companion is there already: left as it is
    written = await create_new(storage, entries)
    assert [e.key for e in written] == [key for key, _ in entries if key != entries[2][0]]
    assert (await storage.get(entries[2][0])).value == b"{}"  # type: ignore[union-attr]
    revision = await storage.current_revision()
    with pytest.raises(KeyExists):  # the first one is there: nothing is written
        await create_new(storage, entries)
    assert await storage.current_revision() == revision


async def test_an_object_holding_a_stand_in_is_encoded_as_it_is(catalog: Catalog) -> None:
    """fixed_entry encodes an object once with stand-ins for its namespace, uid and times; one that
    holds a stand-in's text itself is encoded whole every time, with only the caller's stand-ins
    filled in."""
    store = catalog.store("", "v1", "configmaps")
    scope = RequestScope(MADE, "ns", ADMIN)
    odd = {"a": "<time>", "b": "<uid>", "c": stand_in("time")}

    def made() -> dict[str, Any]:
        return {"kind": "ConfigMap", "metadata": {"name": "odd"}, "data": {**odd, "d": stand_in("d")}}

    first, second = (
        orjson.loads(store.fixed_entry(scope, made(), MANAGER, {"d": "filled"})[1]) for _ in range(2)
    )
    for obj in (first, second):
        assert obj["data"] == {**odd, "d": "filled"}
        assert obj["metadata"]["namespace"] == "ns"
        assert obj["metadata"]["creationTimestamp"] != stand_in("time")
    assert first["metadata"]["uid"] != second["metadata"]["uid"]
