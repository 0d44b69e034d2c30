"""Owner-reference garbage collection: one storage watch per server, scans per logical cluster on demand.

kube's collector keeps a graph of every object; here nothing is held per object or per workspace.
The watch over all of `/registry/` notes deleted uids and owners waiting on `orphan` or
`foregroundDeletion`, per cluster, for a short window; then one pass lists only that cluster's
served resources (only the owners' namespaces when no owner is cluster-scoped), finds the
dependents, and acts through the Store so watches, finalizers and namespace/workspace deletion
behave as for any client. Memory is the work in flight, dropped once done.
Restart: one scan at start finds owners already waiting on the collector, and every object with
owner references, whose owners are then looked up by kind and name as kube's collector does when it
builds its graph: an owner deleted while no collector watched still takes its dependents along.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson

from kcp.apimachinery.errors import Conflict, NotFound, StatusError
from kcp.logicalcluster import ClusterName, cluster_of_key
from kcp.registry import ownerrefs
from kcp.registry.catalog import Catalog
from kcp.registry.gcview import USER, ClusterView
from kcp.registry.options import DeleteOptions, RequestScope, WriteOptions
from kcp.registry.ownerrefs import Owner, OwnerState
from kcp.registry.store import Store
from kcp.registry.strategy import Object
from kcp.storage import Compacted, Event, Storage, StorageError

log = logging.getLogger("kcp.gc")
REGISTRY = "/registry/"
WRITE = WriteOptions(field_manager="garbage-collector", field_validation="Ignore")
_FINALIZER = {"orphan": ownerrefs.ORPHAN, "foreground": ownerrefs.FOREGROUND}
_MAX_BACKOFF = 30.0
_MAX_SUSPECTS = 10_000  # the start scan waits while this many dependents await their owners' lookup


@dataclass(slots=True)
class _Work:
    """What one cluster's next pass must handle; exists only while work is pending."""

    deleted: dict[str, str] = field(default_factory=dict)  # owner uid -> its namespace ("" cluster-scoped)
    finalizing: dict[str, int] = field(default_factory=dict)  # owner key -> passes it has waited
    suspects: set[str] = field(default_factory=set)  # dependent keys whose owners may be gone
    failures: int = 0

    def merge(self, other: _Work) -> None:
        self.deleted.update(other.deleted)
        self.suspects |= other.suspects
        for key, n in other.finalizing.items():
            self.finalizing[key] = max(n, self.finalizing.get(key, 0))
        self.failures = max(self.failures, other.failures)


class GarbageCollector:
    """Started once per server; `window` folds a burst of deletions into one pass per cluster."""

    def __init__(self, storage: Storage, catalog: Catalog, *, window: float = 0.05, workers: int = 2) -> None:
        self.storage = storage
        self.catalog = catalog
        self.window = window
        self.workers = workers
        self._pending: dict[ClusterName, _Work] = {}
        self._due: dict[ClusterName, float] = {}
        self._busy: set[ClusterName] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._scan: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._follow())]
        self._tasks += [asyncio.create_task(self._work()) for _ in range(self.workers)]

    async def close(self) -> None:
        tasks = self._tasks + ([self._scan] if self._scan is not None else [])
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks, self._scan = [], None

    def idle(self) -> bool:
        """Nothing pending nor in progress (tests wait on it)."""
        scanning = self._scan is not None and not self._scan.done()
        return not self._pending and not self._busy and not scanning

    # -- the watch ----------------------------------------------------------------------------------

    async def _follow(self) -> None:
        """Watch everything from now on; the scan for owners already waiting runs beside it.

        The watch opens first, so an owner marked while the scan runs is seen by one or the other,
        and a long scan never lets the watch fall behind compaction.
        """
        after = await self.storage.current_revision()
        rescan = True
        while True:
            try:
                watch = await self.storage.watch(REGISTRY, after=after)
            except Compacted:
                log.warning("garbage collector fell behind compaction; rescanning for waiting owners")
                after, rescan = await self.storage.current_revision(), True
                continue
            except StorageError as e:
                log.warning("garbage collector cannot watch: %s; retrying", e)
                await asyncio.sleep(1.0)
                continue
            if rescan:
                self._rescan()
                rescan = False
            try:
                async for batch in watch:
                    for event in batch:
                        self._observe(event)
                    if batch:
                        after = batch[-1].revision
            finally:
                watch.close()
            if not watch.overflowed:
                await asyncio.sleep(0.1)  # closed under us (storage shutting down): do not spin

    def _rescan(self) -> None:
        if self._scan is not None:
            self._scan.cancel()  # its cursor may be past keys changed during the gap
        self._scan = asyncio.create_task(self._resume())

    async def _resume(self) -> None:
        """What happened while no collector watched (restart, or a compacted gap): owners waiting on
        a collector, and dependents whose owners may be gone."""
        start_after = ""
        while True:
            try:
                page = await self.storage.list(REGISTRY, start_after=start_after, limit=500)
            except StorageError as e:
                log.warning("garbage collector cannot scan for waiting owners: %s; retrying", e)
                await asyncio.sleep(1.0)
                continue
            for entry in page.entries:
                try:
                    self._note_finalizing(entry.key, entry.value)
                    if b'"ownerReferences"' in entry.value:
                        self._suspect(entry.key)
                except (ValueError, IndexError, AttributeError) as e:
                    log.warning("garbage collector skips %s: %s", entry.key, e)
            if not page.more or not page.entries:
                return
            start_after = page.entries[-1].key
            await self._let_suspects_drain()

    async def _let_suspects_drain(self, patience: float = 5.0) -> None:
        """A store full of dependents is looked up in steps, not all held at once; failing lookups
        (retried with backoff) hold the scan back for at most `patience` seconds per page."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience
        while sum(len(w.suspects) for w in self._pending.values()) > _MAX_SUSPECTS and loop.time() < deadline:
            await asyncio.sleep(self.window)

    def _observe(self, event: Event) -> None:
        """Runs for every write of the server: cheap byte checks before any parse."""
        try:
            if event.type == "DELETE":
                meta = orjson.loads(event.value).get("metadata") or {}
                if meta.get("uid"):
                    cluster = cluster_of_key(event.key)
                    self._work_for(cluster).deleted[str(meta["uid"])] = str(meta.get("namespace") or "")
                    self._schedule(cluster, self.window)
            else:
                self._note_finalizing(event.key, event.value)
                if b'"ownerReferences"' in event.value and _gained_owners(event):
                    self._suspect(event.key)
        except (ValueError, IndexError, AttributeError) as e:
            log.warning("garbage collector skips %s: %s", event.key, e)

    def _suspect(self, key: str) -> None:
        """A dependent whose owners must be looked up: kube deletes one whose owners are all absent."""
        cluster = cluster_of_key(key)
        self._work_for(cluster).suspects.add(key)
        self._schedule(cluster, self.window)

    def _note_finalizing(self, key: str, value: bytes) -> None:
        if b'"deletionTimestamp"' not in value:
            return
        if b'"orphan"' not in value and b'"foregroundDeletion"' not in value:
            return
        if ownerrefs.finalizing_mode(orjson.loads(value)) is None:
            return
        cluster = cluster_of_key(key)
        self._work_for(cluster).finalizing.setdefault(key, 0)
        self._schedule(cluster, self.window)

    # -- scheduling: one pass per cluster at a time, a few workers for all ------------------------

    def _work_for(self, cluster: ClusterName) -> _Work:
        work = self._pending.get(cluster)
        if work is None:
            work = self._pending[cluster] = _Work()
        return work

    def _schedule(self, cluster: ClusterName, delay: float) -> None:
        due = asyncio.get_running_loop().time() + delay
        current = self._due.get(cluster)
        if current is None or due < current:
            self._due[cluster] = due
            self._wake.set()

    async def _next(self) -> ClusterName:
        loop = asyncio.get_running_loop()
        while True:
            ready = [(due, c) for c, due in self._due.items() if c not in self._busy]
            timeout: float | None = None
            if ready:
                due, cluster = min(ready)
                if due <= loop.time():
                    return cluster
                timeout = due - loop.time()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _work(self) -> None:
        while True:
            cluster = await self._next()
            del self._due[cluster]
            work = self._pending.pop(cluster, None) or _Work()
            self._busy.add(cluster)
            try:
                retry = await self._pass(cluster, work)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.warning("garbage collection in %s failed: %s", cluster, e)
                work.failures += 1
                retry = work
            finally:
                self._busy.discard(cluster)
            if retry is not None:
                self._work_for(cluster).merge(retry)
                waited = max([retry.failures, *retry.finalizing.values()])
                self._schedule(cluster, min(0.1 * 2**waited, _MAX_BACKOFF))
            if cluster in self._due:
                self._wake.set()  # written to while busy: another worker may now take it

    # -- one pass over one cluster ------------------------------------------------------------------

    async def _pass(self, cluster: ClusterName, work: _Work) -> _Work | None:
        """Handle every owner of `work` with one scan; returns what must be tried again."""
        view = await ClusterView.load(self.catalog, cluster)
        failed_suspects = await self._check_suspects(view, work.suspects)
        owners = {uid: Owner(uid, ns, "deleted") for uid, ns in work.deleted.items()}
        waiting: dict[str, tuple[str, Owner, Store]] = {}  # key -> (finalizer, owner, store)
        for key in work.finalizing:
            found = await view.finalizing_owner(key)
            if found is not None:
                owner, store = found
                owners[owner.uid] = owner
                waiting[key] = (_FINALIZER[owner.mode], owner, store)
        if not owners:
            return _Work(suspects=failed_suspects, failures=work.failures + 1) if failed_suspects else None
        blocking: dict[str, int] = defaultdict(int)
        failed = False
        for store, dep in await view.dependents(owners):
            try:
                for uid in await self._collect(view, store, dep, owners):
                    blocking[uid] += 1
            except StatusError as e:
                failed = True
                log.warning("garbage collector cannot handle %s %s: %s", store.resource.kind, _name(dep), e)
        retry = (
            _Work(suspects=failed_suspects, failures=work.failures + 1) if failed or failed_suspects else None
        )
        for key, (finalizer, owner, store) in waiting.items():
            if failed or blocking[owner.uid]:
                retry = retry or _Work()
                retry.finalizing[key] = work.finalizing[key] + (0 if failed else 1)
            elif not await self._release(store, cluster, key, finalizer):
                retry = retry or _Work()
                retry.finalizing[key] = work.finalizing[key] + 1
        if failed and retry is not None:
            retry.deleted.update(work.deleted)
        return retry

    async def _check_suspects(self, view: ClusterView, keys: set[str]) -> set[str]:
        """Collect the dependents among `keys` whose owners are all gone; returns those that failed."""
        failed = set()
        for key in keys:
            found = await view.object_at(key)
            if found is None:
                continue
            store, dep = found
            try:
                await self._collect(view, store, dep, {})
            except StatusError as e:
                failed.add(key)
                log.warning("garbage collector cannot handle %s %s: %s", store.resource.kind, _name(dep), e)
        return failed

    async def _collect(
        self, view: ClusterView, store: Store, dep: Object, owners: dict[str, Owner]
    ) -> set[str]:
        """Act on one dependent; returns the uids of foreground owners it still blocks."""
        scope = RequestScope(view.cluster, str(dep["metadata"].get("namespace") or ""), USER)
        name = str(dep["metadata"]["name"])
        for _ in range(8):
            others: dict[str, OwnerState] = await view.resolve(dep, owners)
            plan = ownerrefs.plan(dep, owners, others)
            try:
                if plan.action == "update":
                    dep["metadata"]["ownerReferences"] = list(plan.refs)
                    if not plan.refs:
                        del dep["metadata"]["ownerReferences"]
                    await store.update(scope, name, dep, WRITE)
                    return set()
                if plan.action == "delete":
                    opts = DeleteOptions(
                        propagation_policy=plan.policy, precondition_uid=dep["metadata"]["uid"]
                    )
                    _, gone, _ = await store.delete(scope, name, opts)
                    if gone:
                        return set()
            except NotFound:
                return set()
            except Conflict:
                try:
                    dep = await store.get(scope, name)
                except NotFound:
                    return set()
                continue
            return {
                str(r["uid"])
                for r in ownerrefs.matched(dep, owners)
                if owners[str(r["uid"])].mode == "foreground" and ownerrefs.blocks(r)
            }
        raise Conflict(f"{name}: too many concurrent updates")

    async def _release(self, store: Store, cluster: ClusterName, key: str, finalizer: str) -> bool:
        """Drop the collector's finalizer from an owner; False to try again later."""
        for _ in range(8):
            entry = await self.storage.get(key)
            if entry is None:
                return True
            obj = store.decode(entry)
            meta = obj["metadata"]
            finalizers = [f for f in meta.get("finalizers") or [] if f != finalizer]
            if not meta.get("deletionTimestamp") or len(finalizers) == len(meta.get("finalizers") or []):
                return True
            if finalizers:
                meta["finalizers"] = finalizers
            else:
                del meta["finalizers"]
            scope = RequestScope(cluster, str(meta.get("namespace") or ""), USER)
            try:
                await store.update(scope, str(meta["name"]), obj, WRITE)
            except NotFound:
                return True
            except Conflict:
                continue
            except StatusError as e:
                log.warning("garbage collector cannot release %s: %s", key, e)
                return False
            return True
        return False


def _gained_owners(event: Event) -> bool:
    """Created with owners, or given an owner it did not have: the owner may never have existed
    or be gone already, and no deletion event would ever bring the collector to this object."""
    if event.created or event.prev_value is None or b'"ownerReferences"' not in event.prev_value:
        return True
    before = {str(r.get("uid")) for r in ownerrefs.owner_refs(orjson.loads(event.prev_value))}
    return any(str(r.get("uid")) not in before for r in ownerrefs.owner_refs(orjson.loads(event.value)))


def _name(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}" if meta.get("namespace") else str(meta.get("name"))
