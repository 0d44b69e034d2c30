"""One logical cluster as the garbage collector sees it during one pass: its Stores, read on demand.

Built per pass and dropped after it, so nothing about a cluster outlives its work. Dependents are
found by listing storage pages under the cluster's prefixes; a byte check skips objects without
owner references before any parse, so a pass costs about one sequential read of the cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import orjson

from kcp.apimachinery.user import SYSTEM_MASTERS, UserInfo
from kcp.logicalcluster import ClusterName
from kcp.registry import ownerrefs
from kcp.registry.catalog import Catalog
from kcp.registry.options import RequestScope
from kcp.registry.ownerrefs import Owner, OwnerState
from kcp.registry.store import Store
from kcp.registry.strategy import Object

USER = UserInfo("system:kcp:garbage-collector", groups=(SYSTEM_MASTERS,))
_PAGE = 500
_BYTE_CHECK_MAX = 16  # up to this many owners, look for their uids in the raw bytes before parsing


@dataclass(slots=True)
class ClusterView:
    cluster: ClusterName
    stores: list[Store]  # one per storage prefix, listable
    by_kind: dict[tuple[str, str], Store]  # (group, kind) -> Store, to resolve owner references

    @classmethod
    async def load(cls, catalog: Catalog, cluster: ClusterName) -> ClusterView:
        stores: dict[str, Store] = {}
        by_kind: dict[tuple[str, str], Store] = {}
        for res in await catalog.served(cluster):
            if "list" not in res.verbs:
                continue
            store = await catalog.lookup(cluster, res.group, res.version, res.resource)
            if store is None:
                continue
            by_kind.setdefault((res.group, res.kind), store)
            stores.setdefault(store.prefix(RequestScope(cluster, "", USER)), store)
        return cls(cluster, list(stores.values()), by_kind)

    def _store_of_key(self, key: str) -> Store | None:
        for store in self.stores:
            if key.startswith(store.prefix(RequestScope(self.cluster, "", USER))):
                return store
        return None

    async def object_at(self, key: str) -> tuple[Store, Object] | None:
        """The object stored at `key` and its Store, if this cluster still serves and holds it."""
        store = self._store_of_key(key)
        entry = await store.storage.get(key) if store is not None else None
        if store is None or entry is None:
            return None
        return store, store.decode(entry)

    async def finalizing_owner(self, key: str) -> tuple[Owner, Store] | None:
        """The owner stored at `key` if it still waits on the collector."""
        found = await self.object_at(key)
        if found is None:
            return None
        store, obj = found
        mode = ownerrefs.finalizing_mode(obj)
        if mode is None:
            return None
        meta = obj["metadata"]
        ns = str(meta.get("namespace") or "") if store.resource.namespaced else ""
        return Owner(str(meta["uid"]), ns, mode), store

    async def dependents(self, owners: Mapping[str, Owner]) -> list[tuple[Store, Object]]:
        """Every object of the cluster referring to one of `owners` (namespace rule included)."""
        namespaces = {o.namespace for o in owners.values()}
        uids = [u.encode() for u in owners] if len(owners) <= _BYTE_CHECK_MAX else []
        found: list[tuple[Store, Object]] = []
        for store in self.stores:
            if "" in namespaces:
                scopes = [""]
            elif store.resource.namespaced:
                scopes = sorted(namespaces)
            else:
                continue  # a namespaced owner never owns a cluster-scoped object
            for ns in scopes:
                prefix = store.prefix(RequestScope(self.cluster, ns, USER))
                start_after = ""
                while True:
                    page = await store.storage.list(prefix, start_after=start_after, limit=_PAGE)
                    for entry in page.entries:
                        value = entry.value
                        if b'"ownerReferences"' not in value or (uids and not any(u in value for u in uids)):
                            continue
                        obj = store.decode(entry)
                        if ownerrefs.matched(obj, owners):
                            found.append((store, obj))
                    if not page.more or not page.entries:
                        break
                    start_after = page.entries[-1].key
        return found

    async def resolve(self, dep: Object, owners: Mapping[str, Owner]) -> dict[str, OwnerState]:
        """The state of `dep`'s other owners, looked up by kind and name as kube's collector does.

        An owner whose kind this cluster does not serve is left out (solid): never delete on doubt.
        """
        mine = {str(r.get("uid")) for r in ownerrefs.matched(dep, owners)}
        ns = str(dep["metadata"].get("namespace") or "")
        states: dict[str, OwnerState] = {}
        for ref in ownerrefs.owner_refs(dep):
            uid = str(ref.get("uid") or "")
            if uid in mine or not ref.get("name") or not isinstance(ref.get("apiVersion"), str):
                continue
            group = ref["apiVersion"].rpartition("/")[0]
            store = self.by_kind.get((group, str(ref.get("kind") or "")))
            if store is None or (store.resource.namespaced and not ns):
                continue
            try:
                entry = await store.storage.get(store.key(self.cluster, ns, str(ref["name"])))
            except ValueError:  # not an object name
                continue
            if entry is None:
                states[uid] = "dangling"
                continue
            meta = orjson.loads(entry.value).get("metadata") or {}
            if meta.get("uid") != uid:
                states[uid] = "dangling"
            elif meta.get("deletionTimestamp") and ownerrefs.FOREGROUND in (meta.get("finalizers") or []):
                states[uid] = "waiting"
        return states
