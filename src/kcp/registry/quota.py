"""ResourceQuota admission for object counts: a create is charged to its namespace's quotas, a
delete gives its slot back.

As kube's quota admission, a create raises `status.used` of every quota that limits it before the
object is stored, with a compare-and-swap on the quota's revision: of two creates racing for the last
slot, one loses the swap, re-reads the quota and is refused. The quotas are rewritten in storage
directly (kube goes through its own status update), so a configmap create never calls webhooks on
resourcequotas. A create that fails after its charge is refunded; a crash in between leaves the count
high until the quota controller recounts. Deletes, whichever path they take through the Store (API,
garbage collector, namespace and workspace deletion), give the slot back at once, where kube waits
for its controller's replenishment.

Which namespaces hold quotas is followed from storage (their key prefixes: a set as big as the
number of such namespaces, nothing per workspace), so a write in a namespace without one reads
nothing more. A quota's own create counts what is there already, so an object created while its
event is on the way is counted by that, or by the controller's next recount.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from kcp.apimachinery import quantity
from kcp.apimachinery.errors import Conflict, Forbidden
from kcp.apimachinery.quotanames import counted, scoped, usage_names
from kcp.apimachinery.resources import APIResource
from kcp.logicalcluster import ClusterName, object_prefix, resource_prefix
from kcp.storage import Entry, KeyNotFound, RevisionConflict, Storage
from kcp.storage.presence import Presence

Object = dict[str, Any]
QUOTAS = ("", "resourcequotas")
_ATTEMPTS = 16  # swaps lost in a row before giving up with kube's 409


class QuotaAdmission:
    """Holds which namespaces have quotas; reads their quotas from storage on each charge."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._presence = Presence(storage, (resource_prefix(*QUOTAS),), _namespace_of)

    def start(self) -> None:
        self._presence.start()

    async def close(self) -> None:
        await self._presence.close()

    async def charge(
        self, resource: APIResource, cluster: ClusterName, obj: Object, *, dry_run: bool
    ) -> None:
        """Refuse (403) a create that would exceed a quota; unless a dry run, count it."""
        names = _names(resource)
        if names:
            await self._adjust(resource, cluster, obj, names, 1, write=not dry_run)

    async def release(self, resource: APIResource, cluster: ClusterName, obj: Object) -> None:
        """Give back what `obj` counted for, after it left storage (or failed to get there)."""
        names = _names(resource)
        if names:
            await self._adjust(resource, cluster, obj, names, -1, write=True)

    async def usage(self, cluster: ClusterName, namespace: str, quota: Object) -> dict[str, str]:
        """What each name of a quota's spec.hard counts now: the used a new or changed quota starts
        with. Names not counted here (cpu, pods…) use 0, as kube reports them without pods."""
        hard = (quota.get("spec") or {}).get("hard") or {}
        used: dict[str, str] = {}
        for name in hard:
            target = None if scoped(quota) else counted(name)
            n = 0
            if target is not None:
                n = await self.storage.count(object_prefix(target[0], target[1], cluster, namespace))
            used[name] = str(quantity.count(n))
        return used

    async def _adjust(
        self,
        resource: APIResource,
        cluster: ClusterName,
        obj: Object,
        names: tuple[str, ...],
        delta: int,
        *,
        write: bool,
        only: set[str] | None = None,
    ) -> None:
        """Move every quota limiting `names` (those keyed in `only`, if given) by `delta`, each with
        its own swap; a lost swap re-reads and retries only the quotas not yet moved."""
        namespace = obj["metadata"].get("namespace", "")
        prefix = object_prefix(QUOTAS[0], QUOTAS[1], cluster, namespace)
        if not self._presence.may_hold(prefix):
            return
        done: set[str] = set()
        lost = ""
        try:
            for _ in range(_ATTEMPTS):
                seen = self._presence.changes
                page = await self.storage.list(prefix)
                if not page.entries:
                    self._presence.absent(prefix, seen)  # its last quota is gone
                changes = [
                    (entry, new)
                    for entry in page.entries
                    if entry.key not in done
                    and (only is None or entry.key in only)
                    and (new := _adjusted(resource, obj, orjson.loads(entry.value), names, delta)) is not None
                ]
                if not write:
                    return
                lost = ""
                for entry, new in changes:
                    if await _swap(self.storage, entry, new):
                        done.add(entry.key)
                    else:
                        lost = new["metadata"]["name"]
                if not lost:
                    return
        except Forbidden:
            if done:  # refused by a quota read again after others took the charge: give theirs back
                await self._adjust(resource, cluster, obj, names, -delta, write=True, only=done)
            raise
        if delta > 0:
            await self._adjust(resource, cluster, obj, names, -delta, write=True, only=done)
            raise Conflict.object(
                "resourcequotas",
                "",
                lost,
                "the object has been modified; please apply your changes to the latest version and try again",
            )


def _namespace_of(key: str) -> str:
    """The prefix of a quota's namespace: what a write there looks up."""
    return key.rsplit("/", 1)[0] + "/"


async def _swap(storage: Storage, entry: Entry, quota: Object) -> bool:
    """Write the quota if nobody did meanwhile; False when the swap is lost (or it is gone: done)."""
    try:
        await storage.update(entry.key, orjson.dumps(quota), expect=entry.mod_revision)
    except RevisionConflict:
        return False
    except KeyNotFound:
        return True
    return True


def _names(resource: APIResource) -> tuple[str, ...]:
    return usage_names(resource.group, resource.resource) if resource.namespaced else ()


def _adjusted(
    resource: APIResource, obj: Object, quota: Object, names: tuple[str, ...], delta: int
) -> Object | None:
    """The quota with `names` moved by `delta` where it limits them; None if it limits none.
    A charge over a hard limit, or against a quota not yet counted, is kube's 403."""
    status = quota.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    limited = sorted(n for n in names if n in hard)
    if not limited or scoped(quota):
        return None
    quota_name = quota["metadata"]["name"]
    if delta > 0 and any(n not in used for n in limited):
        raise _forbidden(
            resource, obj, f"status unknown for quota: {quota_name}, resources: {','.join(limited)}"
        )
    new_used = dict(used)
    step = quantity.count(abs(delta))
    exceeded = []
    for name in limited:
        current = _parsed(used.get(name))
        moved = current + step if delta > 0 else current - step
        if moved.value < 0:  # a count the controller has not caught up with yet
            moved = quantity.ZERO
        if delta > 0 and moved.value > _parsed(hard[name]).value:
            exceeded.append(name)
        new_used[name] = str(moved)
    if exceeded:
        raise _forbidden(
            resource,
            obj,
            f"exceeded quota: {quota_name}, requested: {_listed(exceeded, {n: '1' for n in exceeded})}, "
            f"used: {_listed(exceeded, used)}, limited: {_listed(exceeded, hard)}",
        )
    return {**quota, "status": {**status, "used": new_used}}


def _parsed(value: Any) -> quantity.Quantity:
    """A stored quantity (validated on write); what cannot be read counts as zero."""
    try:
        return quantity.from_json(value)
    except quantity.QuantityError:
        return quantity.ZERO


def _listed(names: Iterable[str], values: dict[str, Any]) -> str:
    """kube's prettyPrint of a ResourceList: `name=value` sorted by name, comma-separated."""
    return ",".join(f"{n}={_parsed(values.get(n))}" for n in sorted(names))


def _forbidden(resource: APIResource, obj: Object, why: str) -> Forbidden:
    name = obj["metadata"].get("name", "")
    qualified = f"{resource.resource}.{resource.group}" if resource.group else resource.resource
    return Forbidden(
        f'{qualified} "{name}" is forbidden: {why}', name=name, group=resource.group, kind=resource.resource
    )
