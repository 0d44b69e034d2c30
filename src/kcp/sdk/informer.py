"""One informer per resource across every logical cluster: list, then watch, resume or relist.

Keys are (cluster, namespace, name). A `keep` predicate bounds the cache to the objects a controller
cares about (e.g. terminating namespaces), so memory does not grow with idle workspaces.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kcp.apimachinery.errors import Expired, StatusError
from kcp.sdk.client import GVR, ClusterClient

log = logging.getLogger("kcp.sdk.informer")
CLUSTER_ANNOTATION = "kcp.io/cluster"


@dataclass(frozen=True, slots=True)
class ObjectKey:
    cluster: str
    namespace: str  # "" if cluster-scoped
    name: str


def key_of(obj: dict[str, Any]) -> ObjectKey:
    meta = obj["metadata"]
    return ObjectKey(
        (meta.get("annotations") or {}).get(CLUSTER_ANNOTATION, ""), meta.get("namespace", ""), meta["name"]
    )


Handler = Callable[[ObjectKey], None]


def drop_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """A cache transform for controllers that never read field ownership (most of them)."""
    obj["metadata"].pop("managedFields", None)
    return obj


class Informer:
    def __init__(
        self,
        client: ClusterClient,
        gvr: GVR,
        keep: Callable[[dict[str, Any]], bool] = lambda _: True,
        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        label_selector: str = "",
        field_selector: str = "",
    ) -> None:
        """`keep` decides what is cached; `transform` trims what is (client-go's TransformFunc);
        `label_selector` and `field_selector` have the server send only what matches (an object that
        stops matching comes as DELETED), so what the informer never needs costs it nothing."""
        self.client = client
        self.gvr = gvr
        self.keep = keep
        self.transform = transform
        selectors = {"labelSelector": label_selector, "fieldSelector": field_selector}
        self._selected = {k: v for k, v in selectors.items() if v}
        self.cache: dict[ObjectKey, dict[str, Any]] = {}
        self.handlers: list[Handler] = []
        self.synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def add_handler(self, handler: Handler) -> None:
        self.handlers.append(handler)

    def get(self, key: ObjectKey) -> dict[str, Any] | None:
        return self.cache.get(key)

    def start(self) -> None:
        if self._task is None:  # an informer shared by several controllers runs once
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _apply(self, kind: str, obj: dict[str, Any]) -> None:
        key = key_of(obj)
        if kind == "DELETED" or not self.keep(obj):
            self.cache.pop(key, None)
            self._notify(key)  # handlers hear of every change, cached or not
            return
        self.cache[key] = self.transform(obj) if self.transform is not None else obj
        self._notify(key)

    def _notify(self, key: ObjectKey) -> None:
        for handler in self.handlers:
            handler(key)

    async def _list(self) -> str:
        listing = await self.client.list(self.gvr, **self._selected)
        transform = self.transform or (lambda o: o)
        fresh = {key_of(o): transform(o) for o in listing["items"] if self.keep(o)}
        for key in set(self.cache) - set(fresh):
            del self.cache[key]
            self._notify(key)
        for key, obj in fresh.items():
            self.cache[key] = obj
            self._notify(key)
        self.synced.set()
        return str(listing["metadata"]["resourceVersion"])

    async def _run(self) -> None:
        rv = ""
        while True:
            try:
                if not rv:
                    rv = await self._list()
                async for event in self.client.watch(
                    self.gvr, resourceVersion=rv, allowWatchBookmarks="true", **self._selected
                ):
                    kind, obj = event["type"], event["object"]
                    if kind == "ERROR":
                        if obj.get("code") == 410:
                            rv = ""
                        break
                    rv = obj["metadata"].get("resourceVersion", rv)
                    if kind != "BOOKMARK":
                        self._apply(kind, obj)
            except Expired:
                rv = ""
            except asyncio.CancelledError:
                raise
            except (TimeoutError, StatusError, OSError, ValueError) as e:
                log.warning("informer %s: %s; retrying", self.gvr.resource, e)
                await asyncio.sleep(1.0)
            except Exception:
                log.exception("informer %s failed; retrying", self.gvr.resource)
                await asyncio.sleep(1.0)
