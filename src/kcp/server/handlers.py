"""Resource handlers: turn one resource request into a Store call and the Store's answer into JSON."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from kcp.apimachinery.errors import (
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    StatusError,
    UnsupportedMediaType,
)
from kcp.apimachinery.patch import patch_types
from kcp.apimachinery.resources import subresource_verbs
from kcp.apimachinery.serialization import decode_object
from kcp.registry import reads
from kcp.registry.options import RequestScope
from kcp.registry.store import APPLY_PATCH, Store
from kcp.registry.tables import META_V1, partial_metadata, to_table
from kcp.server.negotiation import PARTIAL_LIST, TABLE, representation
from kcp.server.rendering import prefers_yaml
from kcp.server.requestinfo import RequestInfo
from kcp.server.requestoptions import delete_options, list_options, named, write_options
from kcp.storage import failpoints

JSON_TYPE = "application/json"
# set when the server begins to shut down: open watches end their streams cleanly, as kube's do
STOPPING = web.AppKey("stopping", asyncio.Event)
Predicate = Callable[[dict[str, Any]], bool]
# whether the resource is still served (its CRD still there): kube tears a deleted CRD's storage
# down, which ends every watch on it, so a client learns the resource is gone
StillServed = Callable[[], Awaitable[bool]]
MIN_WATCH_TIMEOUT = 1800.0
BOOKMARK_INTERVAL = 30.0
LIVENESS_CHECK = 5.0  # seconds between looks at an idle watch's connection
NOT_ALLOWED = "the server does not allow this method on the requested resource"


def check_patch_type(request: web.Request, store: Store) -> str:
    """The patch's media type, if this kind takes it (custom resources take no strategic merge);
    checked before anything is read, as kube does."""
    media = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    accepted = (*patch_types(strategic=store.strategy.strategic_patch), APPLY_PATCH)
    if media not in accepted:
        raise UnsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types include: "
            + ", ".join(accepted)
        )
    return media


def json_response(body: Any, status: int = 200, warnings: list[str] | None = None) -> web.Response:
    headers = {"Content-Type": JSON_TYPE}
    resp = web.Response(body=orjson.dumps(body), status=status, headers=headers)
    for w in warnings or []:
        resp.headers.add("Warning", warning_header(w))
    return resp


# warnings for this request that do not come with its answer (kube's warning recorder in the context)
WARNINGS = web.RequestKey("warnings", list[str])


def add_warning(request: web.Request, text: str) -> None:
    """Warn the client whatever the answer, an error or a watch included; empty texts are dropped."""
    if text:
        request.setdefault(WARNINGS, []).append(text)


async def send_warnings(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: recorded warnings go out before the answer's own, each text once, as
    kube writes them (it records a deprecation before the handler runs)."""
    recorded = request.get(WARNINGS)
    if not recorded:
        return
    own = response.headers.getall("Warning", [])
    response.headers.popall("Warning", None)
    for value in dict.fromkeys([*(warning_header(t) for t in recorded), *own]):
        response.headers.add("Warning", value)


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def warning_header(text: str) -> str:
    """RFC 7234 warn-text as kube writes it: quoted, inner quotes and backslashes escaped, one line.
    Control characters (a field name from the body may hold any) become spaces: a header cannot carry
    them, and aiohttp would fail the whole response."""
    text = _CONTROL.sub(" ", text)
    return '299 - "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _table(
    store: Store, objects: list[dict[str, Any]], list_meta: dict[str, Any], request: web.Request
) -> dict[str, Any]:
    include = request.query.get("includeObject") or "Metadata"
    return to_table(
        (store.resource.group, store.resource.kind),
        objects,
        list_meta=list_meta,
        include_object=include,
        now=datetime.now(UTC),
        printer_columns=store.strategy.printer_columns(),
    )


async def read_body(request: web.Request) -> bytes:
    return await request.read()


async def handle(
    request: web.Request,
    info: RequestInfo,
    store: Store,
    scope: RequestScope,
    predicate: Predicate | None = None,
    served: StillServed | None = None,
) -> web.StreamResponse:
    """Dispatch one resource request by verb and subresource."""
    verb, sub = info.verb, info.subresource
    if scope.cluster == "*" and verb not in ("list", "watch"):  # kcp's guard runs before any route
        res = store.resource
        raise MethodNotAllowed(
            f'{verb} is not supported on resources of kind "{res.group_resource}" in the `*` logical cluster',
            group=res.group,
            kind=res.resource,
        )
    if sub and sub not in store.resource.subresources:
        raise NotFound("the server could not find the requested resource")
    if not sub and verb not in store.resource.verbs:  # e.g. deletecollection of namespaces: no route
        raise MethodNotAllowed(NOT_ALLOWED)
    if sub and verb == "watch":  # kube routes `/watch/` on collections and objects, never below
        raise NotFound("the server could not find the requested resource")
    if sub and verb not in subresource_verbs(sub):
        raise MethodNotAllowed(NOT_ALLOWED)  # e.g. DELETE on `<name>/status`: no route, the object stays
    if (verb in ("update", "patch") and not info.name) or (verb == "create" and info.name and not sub):
        # kube serves PUT and PATCH only on an object's path and POST only on its collection's
        raise MethodNotAllowed(NOT_ALLOWED)
    if verb == "get":
        view = representation(request.headers.get("Accept", ""))
        if rv := request.query.get("resourceVersion"):
            reads.parse_rv(rv)  # any revision is served at its newest, but it must be one
        obj = await store.get(scope, info.name)
        if view == TABLE:
            return json_response(
                _table(store, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]}, request)
            )
        return json_response(partial_metadata(obj) if view else obj)
    if verb == "list":
        view = representation(request.headers.get("Accept", ""))
        listing = await reads.list_objects(store, scope, list_options(request.query, store, predicate))
        if view == TABLE:
            return json_response(_table(store, listing["items"], listing["metadata"], request))
        if view:
            return json_response(
                {
                    "kind": PARTIAL_LIST,
                    "apiVersion": META_V1,
                    "metadata": listing["metadata"],
                    "items": [partial_metadata(i) for i in listing["items"]],
                }
            )
        return json_response(listing)
    if verb == "watch":
        return await watch(request, store, scope, predicate, served, info.name)
    if verb == "create":
        content_type, kind = request.headers.get("Content-Type", JSON_TYPE), store.resource.kind
        body = decode_object(content_type, await read_body(request), kind)
        obj, warnings = await store.create(scope, body, write_options(request))
        return json_response(obj, 201, warnings)
    if verb == "update":
        content_type, kind = request.headers.get("Content-Type", JSON_TYPE), store.resource.kind
        body = decode_object(content_type, await read_body(request), kind)
        obj, created, warnings = await store.update(scope, info.name, body, write_options(request), sub)
        return json_response(obj, 201 if created else 200, warnings)
    if verb == "patch":
        media = check_patch_type(request, store)
        obj, created, warnings = await store.patch(
            scope, info.name, media, await read_body(request), write_options(request), sub
        )
        return json_response(obj, 201 if created else 200, warnings)
    if verb == "delete":
        opts = delete_options(request, await read_body(request))
        obj, deleted, warnings = await store.delete(scope, info.name, opts)
        if deleted and not store.strategy.return_deleted_object:
            meta = obj["metadata"]
            return json_response(
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Success",
                    "details": {
                        "name": meta["name"],
                        "group": store.resource.group,
                        "kind": store.resource.resource,
                        "uid": meta.get("uid", ""),
                    },
                },
                warnings=warnings,
            )
        # kube answers 202 for an object left waiting only when cascading was asked for the old way
        code = 202 if not deleted and opts.orphan_dependents is False else 200
        return json_response(obj, code, warnings)
    if verb == "deletecollection":
        opts = delete_options(request, await read_body(request))
        listing = await reads.list_objects(store, scope, list_options(request.query, store, predicate))
        removed: list[dict[str, Any]] = []
        for item in listing["items"]:
            item_scope = RequestScope(scope.cluster, item["metadata"].get("namespace", ""), scope.user)
            try:
                obj, _, _ = await store.delete(item_scope, item["metadata"]["name"], opts)
            except NotFound:
                continue
            removed.append(obj)
        listing["items"] = removed
        return json_response(listing)
    raise MethodNotAllowed(NOT_ALLOWED)


_WATCH_MEDIA = ("application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch")


async def watch(
    request: web.Request,
    store: Store,
    scope: RequestScope,
    predicate: Predicate | None = None,
    served: StillServed | None = None,
    name: str = "",
) -> web.StreamResponse:
    """Stream watch events as newline-delimited JSON; errors after the start become ERROR events.
    An idle watch ends once `served` says the resource is gone. A `name` (kube's `/watch/.../<name>`)
    watches that one object."""
    opts = named(list_options(request.query, store, predicate, watch=True), name)
    if prefers_yaml(request.headers.get("Accept", "")):  # kube streams no YAML, nor falls back to JSON
        streams = _WATCH_MEDIA if store.strategy.go_struct else _WATCH_MEDIA[:1]
        raise NotAcceptable(f"only the following media types are accepted: {', '.join(streams)}")
    timeout_raw = request.query.get("timeoutSeconds")  # an integer: list_options checked it
    timeout = float(timeout_raw) if timeout_raw else MIN_WATCH_TIMEOUT * (1 + random.random())
    progress = reads.WatchProgress()
    events = reads.watch_objects(store, scope, opts, progress)
    resp = web.StreamResponse(
        headers={
            "Content-Type": JSON_TYPE,
            "Transfer-Encoding": "chunked",
            "Cache-Control": "no-cache, private",
        }
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last_rv = opts.resource_version if opts.resource_version not in ("", "0") else ""
    # once the request parses, kube reports every failure (410 Expired, 504 too large) as an ERROR
    # event in a 200 stream: clients such as kopf restart on that event, not on an HTTP error
    pending: asyncio.Future[list[tuple[str, dict[str, Any]]]] = asyncio.ensure_future(anext(events))
    stopping: asyncio.Future[Any] = asyncio.ensure_future(request.app[STOPPING].wait())
    view, headers_sent = representation(request.headers.get("Accept", "")), False
    try:
        await resp.prepare(request)
        last_sent = loop.time()
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            waiting: set[asyncio.Future[Any]] = {pending, stopping}
            done, _ = await asyncio.wait(
                waiting, timeout=min(remaining, LIVENESS_CHECK), return_when=asyncio.FIRST_COMPLETED
            )
            if stopping in done:
                break
            if not done:
                if request.transport is None or request.transport.is_closing():
                    break  # the client left; with nothing to write, nothing else would notice
                if served is not None and not await served():
                    break
                closing = loop.time() >= deadline  # a last bookmark tells where to resume from
                if opts.allow_bookmarks and (closing or loop.time() - last_sent >= BOOKMARK_INTERVAL):
                    rv = max(progress.revision(), int(last_rv or 0))  # progress, or the last event sent
                    if rv:
                        await resp.write(_frame("BOOKMARK", reads.bookmark(store, rv)))
                        last_sent = loop.time()
                continue
            try:
                changes = pending.result()
            except StopAsyncIteration:
                break
            frames = []
            for kind, obj in changes:
                last_rv = obj["metadata"].get("resourceVersion", last_rv)
                if view == TABLE:
                    if kind != "BOOKMARK":
                        obj = _table(store, [obj], {"resourceVersion": last_rv}, request)
                        if headers_sent:  # kube prints headers with the first event only
                            obj["columnDefinitions"] = None
                        headers_sent = True
                elif view:
                    obj = partial_metadata(obj)
                frames.append(_frame(kind, obj))
            failpoints.hit(failpoints.WATCH_SEND)
            await resp.write(b"".join(frames))  # one write for a whole committed batch
            last_sent = loop.time()
            pending = asyncio.ensure_future(anext(events))
    except StatusError as e:
        await resp.write(_frame("ERROR", e.to_status()))
    except ConnectionError:
        pass
    finally:
        stopping.cancel()
        pending.cancel()
        with contextlib.suppress(BaseException):
            await pending
        await events.aclose()
    return resp


def _frame(kind: str, obj: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": kind, "object": obj}) + b"\n"
