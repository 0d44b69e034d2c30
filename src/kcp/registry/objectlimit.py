"""kcp's total object limit per logical cluster: a create that would take a cluster over its limit is
refused with 403; deletes, updates and events always go through.

The limit is the LogicalCluster's `core.kcp.io/max-total-objects` annotation (<= 0: none), else the
shard-wide default (`--logical-cluster-total-object-limit`), which spares `root` and `system:*`. It is
enforced once the cluster is Ready, so bootstrapping and initialization are never refused.

The count lives in storage, one record beside each limited cluster's objects (`objectcounts/<cluster>`)
holding `{"count", "limit"}`, moved by compare-and-swap as ResourceQuota's `status.used` is: of two
creates racing for the last slot one loses the swap, re-reads and is refused, so concurrent creators
never overshoot (kcp keeps counts in memory and documents small overshoots). A record costs a cluster
nothing in memory, whatever the number of workspaces, and a restart loses nothing. A create that
fails after its charge gives it back; a delete frees its slot once the object has left storage. What
a crash leaves between the two, and objects written outside the Store (a workspace's bootstrap), the
periodic recount (`--logical-cluster-object-count-scan-interval`) corrects: as kcp's etcd scan, it
counts a limited cluster's keys again (a bounded batch of clusters per round, in turn), lowers a count
only by a surplus two recounts in a row saw (creates in flight are not leaks), and drops the records
of clusters no longer limited.

The record exists only while a limit applies: written when a LogicalCluster update makes one apply
(the annotation set, or the phase reaching Ready under a default), deleted when it stops. Without a
default, which clusters hold a record is followed from storage (a set as big as the annotated ones),
so a create elsewhere reads nothing; under a default every cluster but root and system ones is
limited and reads its record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from kcp.apimachinery.errors import Conflict, Forbidden
from kcp.apimachinery.resources import APIResource
from kcp.apimachinery.user import SYSTEM_MASTERS, UserInfo
from kcp.auth.bootstrap_policy import EXTERNAL_LOGICAL_CLUSTER_ADMIN, KCP_ADMIN_GROUP, LOGICAL_CLUSTER_ADMIN
from kcp.logicalcluster import ROOT, ClusterName, cluster_of_key, object_key, resource_prefix
from kcp.registry.tenancy.paths import logicalcluster_key
from kcp.storage import Entry, KeyExists, KeyNotFound, RevisionConflict, Storage
from kcp.storage.presence import Presence

Object = dict[str, Any]
MAX_TOTAL_OBJECTS = "core.kcp.io/max-total-objects"
COUNTS = ("core.kcp.io", "objectcounts")  # where the records live; no API serves them
EXEMPT = {("", "events"), ("events.k8s.io", "events"), ("core.kcp.io", "logicalclusters")}
WORKSPACE_ADMIN = "workspace-admin"  # the owner's ClusterRoleBinding, written while bootstrapping
# who may set the annotation: kcp's admin-reserved clearance
_CLEARED = frozenset({SYSTEM_MASTERS, LOGICAL_CLUSTER_ADMIN, EXTERNAL_LOGICAL_CLUSTER_ADMIN, KCP_ADMIN_GROUP})
_INTEGER = re.compile(r"[+-]?[0-9]+")  # what Go's ParseInt reads in base 10
RECOUNT_BATCH = 1000  # records recounted per interval, about 25 counts each
_ATTEMPTS = 64  # swaps lost in a row before giving up with a 409 (16 creators need at most 16)
log = logging.getLogger(__name__)

Prefixes = Callable[[ClusterName], Awaitable[list[str]]]


def limit_of(cluster: ClusterName, lc: Object | None, default: int) -> int:
    """The limit in force for a cluster (<= 0: none): the annotation, else the default, which spares
    root and system clusters; none before the cluster is Ready. An unparsable annotation: the default."""
    if lc is None or (lc.get("status") or {}).get("phase") != "Ready":
        return 0
    value = (lc["metadata"].get("annotations") or {}).get(MAX_TOTAL_OBJECTS)
    if isinstance(value, str) and _INTEGER.fullmatch(value) and abs(int(value)) < 1 << 63:
        return int(value)
    return 0 if _spared(cluster) else default


def check_annotation(user: UserInfo, obj: Object, old: Object | None) -> None:
    """Only kcp admins and the system may set or change the limit (kcp's ReservedMetadata)."""
    new_value = (obj["metadata"].get("annotations") or {}).get(MAX_TOTAL_OBJECTS)
    old_value = ((old or {}).get("metadata", {}).get("annotations") or {}).get(MAX_TOTAL_OBJECTS)
    if new_value == old_value or _CLEARED.intersection(user.groups):
        return
    name = obj["metadata"].get("name", "")
    raise Forbidden(
        f'logicalclusters.core.kcp.io "{name}" is forbidden: modification of admin-reserved annotation: '
        f'"{MAX_TOTAL_OBJECTS}"',
        name=name,
        group="core.kcp.io",
        kind="logicalclusters",
    )


class ObjectLimit:
    """Charges creates and releases deletes against the record of a limited cluster."""

    def __init__(self, storage: Storage, default: int, prefixes: Prefixes) -> None:
        """`prefixes` gives the key prefixes of everything a cluster serves (what a recount counts)."""
        self.storage = storage
        self.default = default
        self.prefixes = prefixes
        self._presence = Presence(storage, (resource_prefix(*COUNTS),), self._group_of)
        self._tasks: list[asyncio.Task[None]] = []
        self._cursor = ""  # the last record the previous round recounted

    def start(self, interval: float) -> None:
        self._presence.start()
        self._tasks.append(asyncio.create_task(self._recount_periodically(interval)))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._presence.close()

    def exempt(self, resource: APIResource, obj: Object) -> bool:
        """Never counted nor refused: events (to debug a full cluster), and what bootstrapping writes."""
        group_resource = (resource.group, resource.resource)
        if group_resource in EXEMPT:
            return True
        return group_resource == ("rbac.authorization.k8s.io", "clusterrolebindings") and (
            obj["metadata"].get("name") == WORKSPACE_ADMIN
        )

    def _by_default(self, cluster: ClusterName) -> bool:
        """Whether the default limit applies to the cluster (unless its annotation says otherwise)."""
        return self.default > 0 and not _spared(cluster)

    def _may_limit(self, cluster: ClusterName) -> bool:
        """A set lookup: whether a create here may have to read a record."""
        return self._by_default(cluster) or self._presence.may_hold(cluster)

    def _group_of(self, key: str) -> str:
        """The clusters whose records are followed: all but those under the default, which read
        theirs anyway (so the set stays as big as the annotated clusters)."""
        cluster = cluster_of_key(key)
        return "" if self._by_default(cluster) else cluster

    async def charge(
        self, resource: APIResource, cluster: ClusterName, obj: Object, n: int, *, dry_run: bool
    ) -> int:
        """Refuse (403) a create of `n` objects that would exceed the limit; unless a dry run, count
        them. Returns how many were counted, what a failed create gives back."""
        if self.exempt(resource, obj) or not self._may_limit(cluster):
            return 0
        key = _record_key(cluster)
        for _ in range(_ATTEMPTS):
            seen = self._presence.changes
            entry = await self.storage.get(key)
            if entry is None:
                if not self._by_default(cluster):
                    self._presence.absent(cluster, seen)
                    return 0
                entry = await self._first_record(cluster)  # no record yet
                if entry is None:
                    return 0
            record = orjson.loads(entry.value)
            count, limit = int(record["count"]), int(record["limit"])
            if count >= limit:
                raise _exceeded(resource, obj, cluster, count, limit)
            if dry_run:
                return 0
            if await _swap(self.storage, entry, {**record, "count": count + n}):
                return n
        name = obj["metadata"].get("name", "")
        raise Conflict.object(resource.resource, resource.group, name, "too many concurrent creates, retry")

    async def release(self, resource: APIResource, cluster: ClusterName, obj: Object, n: int = 1) -> None:
        """Give back `n` slots, after objects left storage (or failed to get there)."""
        if n <= 0 or self.exempt(resource, obj) or not self._may_limit(cluster):
            return
        key = _record_key(cluster)
        for _ in range(_ATTEMPTS):
            entry = await self.storage.get(key)
            if entry is None:
                return
            record = orjson.loads(entry.value)
            moved = {**record, "count": max(int(record["count"]) - n, 0)}
            if await _swap(self.storage, entry, moved):
                return

    async def sync(self, cluster: ClusterName, lc: Object | None) -> None:
        """After a LogicalCluster was written or deleted: a record while a limit applies, none after.
        Must not raise: the write it follows is done, and the recount catches up."""
        if not self._may_limit(cluster) and limit_of(cluster, lc, self.default) <= 0:
            return  # no record to drop: an unlimited cluster's update reads nothing more
        try:
            await self._recount(cluster, lc)
        except Exception:  # logged; the periodic recount retries
            log.exception("object count of %s not synced", cluster)

    async def _first_record(self, cluster: ClusterName) -> Entry | None:
        """Under a default limit, the record of a Ready cluster counted for the first time."""
        lc = await self._logical_cluster(cluster)
        if limit_of(cluster, lc, self.default) <= 0:
            return None
        await self._recount(cluster, lc)
        return await self.storage.get(_record_key(cluster))

    async def _logical_cluster(self, cluster: ClusterName) -> Object | None:
        entry = await self.storage.get(logicalcluster_key(cluster))
        return None if entry is None else dict(orjson.loads(entry.value))

    async def _recount(self, cluster: ClusterName, lc: Object | None) -> None:
        """Write the cluster's record with what it holds now and its limit (or drop it if none).

        A count below what storage holds is raised at once: creates are charged before they are
        stored and deletes released after, so no race makes it look low. A count above may be
        creates and deletes on their way (charged, not yet stored; removed, not yet released): it is
        lowered only by a surplus that two recounts in a row saw, which one left by a crash is."""
        key = _record_key(cluster)
        limit = limit_of(cluster, lc, self.default)
        for _ in range(_ATTEMPTS):
            entry = await self.storage.get(key)
            if limit <= 0:
                if entry is not None:
                    with contextlib.suppress(KeyNotFound, RevisionConflict):
                        await self.storage.delete(key, expect=entry.mod_revision)
                return
            counted = await self._count(cluster)
            record = {"count": counted, "limit": limit, "surplus": 0}
            if entry is not None:
                old = orjson.loads(entry.value)
                surplus = int(old["count"]) - counted
                if surplus > 0:
                    lowered = min(surplus, int(old.get("surplus", 0)))
                    record.update(count=counted + surplus - lowered, surplus=surplus - lowered)
            value = orjson.dumps(record)
            try:
                if entry is None:
                    await self.storage.create(key, value)
                else:
                    await self.storage.update(key, value, expect=entry.mod_revision)
                return
            except (KeyExists, KeyNotFound, RevisionConflict):
                continue  # a create or delete moved it meanwhile: count again

    async def _count(self, cluster: ClusterName) -> int:
        skipped = {resource_prefix(*er) + f"{cluster}/" for er in EXEMPT if er[1] == "events"}
        total = 0
        for prefix in await self.prefixes(cluster):
            if prefix not in skipped:
                total += await self.storage.count(prefix)
        return total

    async def _recount_periodically(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.recount()
            except Exception:  # logged; the next round tries again
                log.exception("object count scan failed")

    async def recount(self, batch: int = RECOUNT_BATCH) -> None:
        """The next `batch` records after the last round's, each recounted with its limit as it is
        now, or dropped: work per round stays bounded however many clusters are limited, and every
        record comes round in turn."""
        page = await self.storage.list(resource_prefix(*COUNTS), start_after=self._cursor, limit=batch)
        for entry in page.entries:
            cluster = cluster_of_key(entry.key)
            await self._recount(cluster, await self._logical_cluster(cluster))
        self._cursor = page.entries[-1].key if page.more else ""


def _spared(cluster: ClusterName) -> bool:
    """Clusters the default limit does not apply to: the shard writes its bootstrap content there."""
    return cluster == ROOT or cluster.startswith("system:")


def _record_key(cluster: ClusterName) -> str:
    return object_key(*COUNTS, cluster, "", "count")


async def _swap(storage: Storage, entry: Entry, record: Object) -> bool:
    """Write the record if nobody did meanwhile; False when the swap is lost."""
    try:
        await storage.update(entry.key, orjson.dumps(record), expect=entry.mod_revision)
    except (RevisionConflict, KeyNotFound):
        return False
    return True


def _exceeded(resource: APIResource, obj: Object, cluster: ClusterName, count: int, limit: int) -> Forbidden:
    name = obj["metadata"].get("name", "")
    qualified = f"{resource.resource}.{resource.group}" if resource.group else resource.resource
    return Forbidden(
        f'{qualified} "{name}" is forbidden: logical cluster "{cluster}" has reached its total object '
        f"count limit ({count}/{limit} objects); delete objects to free up capacity",
        name=name,
        group=resource.group,
        kind=resource.resource,
    )
