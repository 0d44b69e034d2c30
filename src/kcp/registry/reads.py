"""List and watch: consistent pages with continue tokens, and watches that resume exactly or say 410."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncGenerator
from typing import Any

import orjson

from kcp.apimachinery.errors import BadRequest, Cause, Expired, Timeout
from kcp.apimachinery.fields import object_fields
from kcp.registry.options import ListOptions, RequestScope
from kcp.registry.store import Store
from kcp.registry.strategy import Object
from kcp.storage import Compacted, Entry, Event
from kcp.storage.interface import FutureRevision, Watch

TOO_LARGE_WAIT = 3.0
_CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new "
    "list without the continue parameter, or use the continue token in this response to retrieve the "
    "remainder of the results. Continuing with the provided token results in an inconsistent list - "
    "objects that were created, modified, or deleted between the time the first chunk was returned and "
    "now may show up in the list."
)


LATEST = -1  # a continue token's revision when its list goes on at the newest one (kube's too)


def encode_continue(revision: int, start_after: str) -> str:
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": start_after})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int | None, str]:
    """The revision a list goes on at (None: the newest) and the key it goes on after."""
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        rv, start = int(data["rv"]), str(data["start"])
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise BadRequest(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
        ) from None
    if rv <= 0 and rv != LATEST:  # the start key is only ever used under the request's own prefix
        raise BadRequest("continue key is not valid: invalid start resourceVersion")
    return (None if rv == LATEST else rv), start


def parse_rv(value: str) -> int:
    try:
        rv = int(value)
    except ValueError:
        raise BadRequest(f'Invalid value: "{value}": resourceVersion must be an integer') from None
    if rv < 0:
        raise BadRequest(f'Invalid value: "{value}": resourceVersion must be non-negative')
    return rv


def matches(store: Store, obj: Object, opts: ListOptions) -> bool:
    if opts.predicate is not None and not opts.predicate(obj):
        return False
    if opts.label_selector is not None and not opts.label_selector.empty:
        labels = obj["metadata"].get("labels") or {}
        if not opts.label_selector.matches(labels):
            return False
    if opts.field_selector is not None:
        fields = object_fields(obj, store.strategy.field_extractors)
        if not opts.field_selector.matches(fields):
            return False
    return True


async def _await_revision(store: Store, wanted: int) -> None:
    """NotOlderThan semantics: wait a little for the store to reach `wanted`, then 504 as kube does."""
    deadline = asyncio.get_running_loop().time() + TOO_LARGE_WAIT
    while True:
        current = await store.storage.current_revision()
        if current >= wanted:
            return
        if asyncio.get_running_loop().time() >= deadline:
            raise Timeout(
                f"Too large resource version: {wanted}, current: {current}",
                retry_after=1,
                causes=[Cause("ResourceVersionTooLarge", "Too large resource version")],
            )
        await asyncio.sleep(0.05)


async def list_objects(store: Store, scope: RequestScope, opts: ListOptions) -> Object:
    prefix = store.prefix(scope)
    revision: int | None = None
    start_after = ""
    if opts.continue_token:
        revision, start = decode_continue(opts.continue_token)
        start_after = prefix + start
    elif opts.resource_version and opts.resource_version != "0":
        rv = parse_rv(opts.resource_version)
        # a first page at a given revision is that revision's snapshot unless asked otherwise (kube)
        if opts.resource_version_match == "Exact" or (opts.limit and not opts.resource_version_match):
            revision = rv
        else:
            await _await_revision(store, rv)
    filtering = (opts.label_selector is not None and not opts.label_selector.empty) or (
        opts.field_selector is not None or opts.predicate is not None
    )
    items: list[Object] = []
    more, remaining = False, 0
    while True:
        want = opts.limit - len(items) if opts.limit else 0
        try:
            page = await store.storage.list(
                prefix,
                revision=revision,
                start_after=start_after,
                limit=max(want, 100) if filtering and want else want,
            )
        except Compacted:
            if opts.continue_token:
                raise Expired(
                    _CONTINUE_EXPIRED, continue_token=encode_continue(LATEST, start_after[len(prefix) :])
                ) from None
            raise Expired("The resourceVersion for the provided list is too old.") from None
        except FutureRevision as e:
            raise Timeout(
                f"Too large resource version: {e.requested}, current: {e.current}",
                retry_after=1,
                causes=[Cause("ResourceVersionTooLarge", "Too large resource version")],
            ) from None
        revision = page.revision
        consumed = 0
        for entry in page.entries:
            consumed += 1
            start_after = entry.key
            obj = store.decode(entry)
            if matches(store, obj, opts):
                items.append(obj)
                if opts.limit and len(items) >= opts.limit:
                    break
        full = bool(opts.limit) and len(items) >= opts.limit
        if page.more and not full:
            continue
        more = page.more or consumed < len(page.entries)
        remaining = page.remaining + len(page.entries) - consumed
        break
    meta: dict[str, Any] = {"resourceVersion": str(revision)}
    if more:
        meta["continue"] = encode_continue(revision, start_after[len(prefix) :])
        if not filtering and remaining:
            meta["remainingItemCount"] = remaining
    return {
        "kind": store.resource.list_kind,
        "apiVersion": store.resource.group_version,
        "metadata": meta,
        "items": items,
    }


INITIAL_EVENTS_PER_BATCH = 500  # initial ADDED events written at once


class WatchProgress:
    """How far a watch of objects has come, for bookmarks sent while no event matches."""

    def __init__(self) -> None:
        self.watch: Watch | None = None
        self.listed = 0  # the revision of the initial list, when there was one

    def revision(self) -> int:
        return max(self.listed, self.watch.progress if self.watch is not None else 0)


async def watch_objects(
    store: Store, scope: RequestScope, opts: ListOptions, progress: WatchProgress | None = None
) -> AsyncGenerator[list[tuple[str, Object]], None]:
    """Yields non-empty lists of (type, object): ADDED for the initial state when asked, then the
    changes of each committed batch in revision order, so a busy watch costs one wake-up per batch."""
    rv = opts.resource_version
    initial = opts.send_initial_events if opts.send_initial_events is not None else rv in ("", "0")
    if initial:
        if opts.send_initial_events and rv not in ("", "0"):
            await _await_revision(store, parse_rv(rv))  # NotOlderThan: at least as fresh as asked
        listing = await list_objects(  # the same filters as the events that follow: all three
            store,
            scope,
            ListOptions(
                label_selector=opts.label_selector,
                field_selector=opts.field_selector,
                predicate=opts.predicate,
            ),
        )
        after = int(listing["metadata"]["resourceVersion"])
        if progress is not None:
            progress.listed = after
        items = listing["items"]
        for start in range(0, len(items), INITIAL_EVENTS_PER_BATCH):
            yield [("ADDED", obj) for obj in items[start : start + INITIAL_EVENTS_PER_BATCH]]
        if opts.send_initial_events:
            yield [("BOOKMARK", _bookmark(store, after, initial_end=True))]
    else:
        after = parse_rv(rv)
    try:
        watch = await store.storage.watch(store.prefix(scope), after=after)
    except Compacted as e:
        raise Expired(f"too old resource version: {e.requested} ({e.compacted + 1})") from None
    except FutureRevision as e:
        # kube opens such a watch and lets the client wait: what comes after the asked revision
        watch = await store.storage.watch(store.prefix(scope), after=e.current)
    if progress is not None:
        progress.watch = watch
    try:
        async for batch in watch:
            changes = [
                change
                for event in batch
                if event.revision > after and (change := _convert(store, event, opts)) is not None
            ]
            if changes:
                yield changes
    finally:
        watch.close()


def _convert(store: Store, event: Event, opts: ListOptions) -> tuple[str, Object] | None:
    entry = Entry(event.key, event.value, event.revision, event.create_revision)
    obj = store.decode(entry)
    now_matches = matches(store, obj, opts)
    if event.type == "DELETE":
        return ("DELETED", obj) if now_matches else None
    if event.created or event.prev_value is None:
        return ("ADDED", obj) if now_matches else None
    if opts.label_selector is None and opts.field_selector is None and opts.predicate is None:
        return "MODIFIED", obj
    prev = store.decode(Entry(event.key, event.prev_value, event.revision, event.create_revision))
    was = matches(store, prev, opts)
    if was and now_matches:
        return "MODIFIED", obj
    if now_matches:
        return "ADDED", obj
    if was:
        return "DELETED", obj
    return None


def _bookmark(store: Store, revision: int, initial_end: bool = False) -> Object:
    meta: dict[str, Any] = {"resourceVersion": str(revision)}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    return {"kind": store.resource.kind, "apiVersion": store.resource.group_version, "metadata": meta}


def bookmark(store: Store, revision: int) -> Object:
    return _bookmark(store, revision)
