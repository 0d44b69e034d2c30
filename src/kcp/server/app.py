"""The aiohttp application: one catch-all route, then filters in kube-apiserver's order.

authn → cluster path & request info → in-flight limit → impersonation → authz → endpoint.
Every failure leaves as a Kubernetes Status; a bare exception is logged and answered with a 500
Status that carries no traceback.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import platform
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from kcp import __version__
from kcp.apimachinery.duration import parse_go_duration
from kcp.apimachinery.errors import (
    BadRequest,
    InternalError,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    StatusError,
    TooManyRequests,
    Unauthorized,
)
from kcp.apimachinery.resources import APIResource
from kcp.apimachinery.user import UserInfo
from kcp.logicalcluster import ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.options import RequestScope
from kcp.registry.tenancy.kinds import LOGICALCLUSTERS, WORKSPACETYPES
from kcp.server import discovery, handlers, health, metrics, rendering
from kcp.server.authn import Authenticator, localize
from kcp.server.authz import Authorizer
from kcp.server.clusters import ClusterResolver, UnknownPath
from kcp.server.deadlines import Deadlines
from kcp.server.endpoints import Endpoints
from kcp.server.handlers import STOPPING, StillServed, add_warning, json_response, send_warnings
from kcp.server.home import HomeWorkspaces, serve_home, wants_home
from kcp.server.negotiation import aggregated_discovery, check_json_acceptable
from kcp.server.requestinfo import RequestInfo, parse
from kcp.storage import Storage
from kcp.virtual.initializingworkspaces import INITIALIZING
from kcp.virtual.lifecycle import LifecycleView
from kcp.virtual.terminatingworkspaces import TERMINATING

log = logging.getLogger("kcp.server")

MAX_BODY_BYTES = 3 * 1024 * 1024
GZIP_MIN_BYTES = 128 * 1024
MUTATING_VERBS = {"create", "update", "patch", "delete", "deletecollection"}


@dataclass
class ServerState:
    """Everything a request needs; one per server process, never per workspace."""

    storage: Storage
    catalog: Catalog
    authenticator: Authenticator
    authorizer: Authorizer
    resolver: ClusterResolver
    endpoints: Endpoints
    max_in_flight: int = 400
    max_mutating_in_flight: int = 200
    request_timeout: float = 60.0  # seconds a request other than a watch may take (--request-timeout)
    ready: bool = False
    in_flight: int = 0
    mutating_in_flight: int = 0
    active: int = 0  # every request being served, watches and exempt ones included: shutdown drains it
    lifecycle_views: dict[str, LifecycleView] = field(default_factory=dict)  # by service name
    home: HomeWorkspaces | None = None  # None: --enable-home-workspaces=false
    stopping: asyncio.Event = field(default_factory=asyncio.Event)  # set on SIGTERM: drain, refuse new
    watches: dict[str, int] = field(default_factory=dict)  # open watches by user; users with none absent
    deadlines: Deadlines = field(default_factory=Deadlines)  # started by run(); unstarted, none fire


MAX_WATCHES_PER_USER = 500


def status_response(err: StatusError) -> web.Response:
    resp = json_response(err.to_status(), err.code)
    if err.retry_after is not None:
        resp.headers["Retry-After"] = str(err.retry_after)
    return resp


def build_app(state: ServerState) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app["state"] = state
    app[STOPPING] = state.stopping
    state.lifecycle_views = {
        lifecycle.service: LifecycleView(
            lifecycle,
            state.catalog.store(LOGICALCLUSTERS.group, LOGICALCLUSTERS.version, LOGICALCLUSTERS.resource),
            state.catalog.store(WORKSPACETYPES.group, WORKSPACETYPES.version, WORKSPACETYPES.resource),
            state.resolver.paths.resolve,
            state.authorizer.allowed,
            functools.partial(_in_cluster, state),
        )
        for lifecycle in (INITIALIZING, TERMINATING)
    }

    async def dispatch(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        info: RequestInfo | None = None
        code = 500
        state.active += 1
        try:
            resp, info = await _serve(state, request)
            code = resp.status
            rendering.as_asked(request, resp)
            _compress_large(request, resp)
            return resp
        except StatusError as e:
            code = e.code
            resp = status_response(e)
            rendering.as_asked(request, resp)
            if state.stopping.is_set():
                resp.force_close()  # send the client to another server (kube adds Connection: close)
            return resp
        except web.HTTPRequestEntityTooLarge:
            code = 413
            return status_response(
                RequestEntityTooLarge(f"Request entity too large: limit is {MAX_BODY_BYTES}")
            )
        except (ConnectionResetError, asyncio.CancelledError):
            code = 499
            raise
        except Exception:
            log.exception("internal error serving %s %s", request.method, request.path)
            return status_response(InternalError("an internal error occurred while serving the request"))
        finally:
            state.active -= 1
            metrics.observe(request.method, info, code, time.perf_counter() - started)
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "%s",
                    {
                        "verb": info.verb if info else request.method,
                        "path": request.path,
                        "code": code,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )

    app.router.add_route("*", r"/{tail:[\s\S]*}", dispatch)  # every path, newlines included
    app.on_response_prepare.append(send_warnings)
    return app


def _compress_large(request: web.Request, response: web.StreamResponse) -> None:
    """kube gzips a whole response of 128 KiB or more for a client that takes gzip (kubectl does),
    never a stream: a big list costs the network a fraction of its size."""
    if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
        return
    if len(response.body) < GZIP_MIN_BYTES or "Content-Encoding" in response.headers:
        return
    accepted = request.headers.get("Accept-Encoding", "")
    if any(coding.split(";", 1)[0].strip().lower() == "gzip" for coding in accepted.split(",")):
        response.enable_compression(web.ContentCoding.gzip)


async def _serve(state: ServerState, request: web.Request) -> tuple[web.StreamResponse, RequestInfo | None]:
    path = request.path
    if checked := _health_path(path):
        return _health(state, request, checked), None
    if state.stopping.is_set():
        raise TooManyRequests("The apiserver is shutting down, please try again later.", retry_after=5)
    user = await state.authenticator.authenticate(request)
    if user is None:
        raise Unauthorized("Unauthorized")
    info = parse(request.method, path, request.query.get("watch"))
    if info.verb == "watch" and not user.is_master:
        return await _capped_watch(state, request, info, user), info
    if info.long_running:
        user = await state.authorizer.impersonate(request, user, info)
        return await _authorized(state, request, info, user), info
    async with state.deadlines.within(_deadline(state, request)):
        return await _limited(state, request, info, user), info


def _health_path(path: str) -> str | None:
    """The health path asked for, also under a cluster's prefix, which kcp strips: public either way."""
    if health.serves(path):
        return path
    cluster, sep, rest = path.removeprefix("/clusters/").partition("/")
    if path.startswith("/clusters/") and cluster and sep and health.serves("/" + rest):
        return "/" + rest
    return None


def _health(state: ServerState, request: web.Request, path: str) -> web.Response:
    verbose, stopping = "verbose" in request.query, state.stopping.is_set()
    return health.respond(path, verbose, state.ready, stopping, state.storage.healthy())


def _deadline(state: ServerState, request: web.Request) -> float:
    """The server's --request-timeout, or the request's own `timeout` when that is shorter (kube's
    WithRequestDeadline: 0 or a longer one leaves the server's)."""
    asked = request.query.get("timeout")
    if asked is None:
        return state.request_timeout
    try:
        seconds = parse_go_duration(asked)
    except ValueError as exc:
        raise BadRequest(f"invalid timeout specified in the request URL - {exc}") from None
    return seconds if 0 < seconds < state.request_timeout else state.request_timeout


async def _limited(
    state: ServerState, request: web.Request, info: RequestInfo, user: UserInfo
) -> web.StreamResponse:
    """A request other than a watch, within the in-flight limits (which masters bypass)."""
    if user.is_master:
        return await _authorized(
            state, request, info, await state.authorizer.impersonate(request, user, info)
        )
    mutating = info.verb in MUTATING_VERBS
    if (mutating and state.mutating_in_flight >= state.max_mutating_in_flight) or (
        not mutating and state.in_flight >= state.max_in_flight
    ):
        raise TooManyRequests("Too many requests, please try again later.", retry_after=1)
    if mutating:
        state.mutating_in_flight += 1
    else:
        state.in_flight += 1
    try:
        user = await state.authorizer.impersonate(request, user, info)
        return await _authorized(state, request, info, user)
    finally:
        if mutating:
            state.mutating_in_flight -= 1
        else:
            state.in_flight -= 1


async def _capped_watch(
    state: ServerState, request: web.Request, info: RequestInfo, user: UserInfo
) -> web.StreamResponse:
    """Watches outlive the in-flight limits, so each user (as authenticated, before impersonation)
    may hold only so many at once: one client cannot take every connection (reliability TH8)."""
    held = state.watches.get(user.name, 0)
    if held >= MAX_WATCHES_PER_USER:
        raise TooManyRequests(
            f"too many watches: user {user.name!r} already has {held} open, please try again later",
            retry_after=1,
        )
    state.watches[user.name] = held + 1
    try:
        return await _authorized(
            state, request, info, await state.authorizer.impersonate(request, user, info)
        )
    finally:
        left = state.watches[user.name] - 1
        if left:
            state.watches[user.name] = left
        else:
            del state.watches[user.name]


async def _authorized(
    state: ServerState, request: web.Request, info: RequestInfo, user: UserInfo
) -> web.StreamResponse:
    if info.virtual:
        return await state.lifecycle_views[info.virtual].serve(request, info, user)  # set by build_app
    try:
        cluster = await state.resolver.resolve(info.cluster, user)
    except UnknownPath as unknown:
        await state.authorizer.check_may_know(unknown, user, info)
        raise
    if state.home is not None and wants_home(info):
        return await serve_home(state.home, state.catalog, request, user)
    user = localize(user, str(cluster))
    await state.authorizer.authorize(user, info, cluster)
    return await _in_cluster(state, request, info, user, cluster)


async def _in_cluster(
    state: ServerState, request: web.Request, info: RequestInfo, user: UserInfo, cluster: ClusterName | str
) -> web.StreamResponse:
    """The request once its cluster is known and the caller authorized."""
    if info.is_resource_request:
        check_json_acceptable(request.headers.get("Accept", ""))
        return await _resource(state, request, info, user, cluster)
    return await _non_resource(state, request, info, cluster)


async def _resource(
    state: ServerState, request: web.Request, info: RequestInfo, user: UserInfo, cluster: ClusterName | str
) -> web.StreamResponse:
    review = state.catalog.reviews.get((info.group, info.version, info.resource))
    if review is not None:
        # kube routes only POST on the review's collection: another path is a 404, another method a 405
        if info.name or info.subresource or review.namespaced != bool(info.namespace):
            raise NotFound("the server could not find the requested resource")
        if info.verb != "create":
            raise MethodNotAllowed(handlers.NOT_ALLOWED)
        return await state.endpoints.review(request, info, user, cluster)
    store = await state.catalog.lookup(cluster, info.group, info.version, info.resource)
    if store is None:
        raise NotFound("the server could not find the requested resource")
    if store.resource.namespaced and not info.namespace and info.verb not in ("list", "watch"):
        if not info.name:  # kube's route across namespaces serves GET alone
            raise MethodNotAllowed(handlers.NOT_ALLOWED)
        raise NotFound("the server could not find the requested resource")
    if not store.resource.namespaced and info.namespace and info.resource != "namespaces":
        raise NotFound("the server could not find the requested resource")
    for text in store.strategy.request_warnings:  # a deprecated CRD version's, on every request
        add_warning(request, text)
    scope = RequestScope(cluster, info.namespace if store.resource.namespaced else "", user)  # type: ignore[arg-type]
    special = state.endpoints.subresource(info, store)
    if special is not None:
        return await special(request, info, store, scope)
    return await handlers.handle(request, info, store, scope, served=_still_served(state, info, cluster))


def _still_served(state: ServerState, info: RequestInfo, cluster: ClusterName | str) -> StillServed | None:
    """For a watch on a CRD's resource in one cluster: whether a CRD still serves it."""
    if info.verb != "watch" or cluster == "*" or info.group in state.catalog.builtin_groups:
        return None

    async def served() -> bool:
        return await state.catalog.lookup(cluster, info.group, info.version, info.resource) is not None

    return served


async def _non_resource(
    state: ServerState, request: web.Request, info: RequestInfo, cluster: ClusterName | str
) -> web.StreamResponse:
    path = info.path.rstrip("/") or "/"
    if path.startswith("/openapi/"):  # negotiates JSON or protobuf itself
        return await state.endpoints.openapi(request, path, cluster)
    accept = request.headers.get("Accept", "")
    if path == "/metrics" and info.cluster == "root" and not request.path.startswith("/clusters/"):
        return metrics.response(accept)  # Prometheus' own formats, negotiated by its library
    check_json_acceptable(accept)
    if path == "/version":
        return rendering.raw_json(version_info())
    # across clusters, discovery lists the built-ins: what a wildcard list (kubectl get -A) needs
    served = (
        state.catalog.builtin_resources()
        if cluster == "*"
        else await state.catalog.served(ClusterName(cluster))
    )
    if path == "/":
        top_level = not request.path.startswith("/clusters")
        return json_response({"paths": _root_paths(served, top_level)})
    if path == "/api":
        agg = aggregated_discovery(accept)
        if agg:
            return _aggregated(discovery.aggregated(served, True, agg), agg)
        return json_response(discovery.api_versions())
    if path == "/apis":
        agg = aggregated_discovery(accept)
        if agg:
            return _aggregated(discovery.aggregated(served, False, agg), agg)
        return json_response(discovery.api_group_list(served))
    doc: dict[str, Any] | None = None
    if info.api_prefix == "api" and info.version:
        doc = discovery.resource_list(served, "", info.version)
    elif info.api_prefix == "apis" and info.group and info.version:
        doc = discovery.resource_list(served, info.group, info.version)
    elif info.api_prefix == "apis" and info.group:
        doc = discovery.api_group(served, info.group)
    if doc is None:
        raise NotFound("the server could not find the requested resource")
    return json_response(doc)


def _root_paths(served: list[APIResource], top_level: bool) -> list[str]:
    """kube's index at `/`: every path served here. Health and metrics answer only outside any
    workspace (`/`, not `/clusters/<path>/`)."""
    found = {"/api", "/api/v1", "/apis", "/apis/", "/openapi/v2", "/openapi/v3", "/openapi/v3/", "/version"}
    for r in served:
        if r.group:
            found |= {f"/apis/{r.group}", f"/apis/{r.group}/{r.version}"}
    if top_level:
        found |= {"/metrics", *health.paths()}
    return sorted(found)


def _aggregated(doc: dict[str, Any], version: str) -> web.Response:
    resp = json_response(doc)
    resp.headers["Content-Type"] = (
        f"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
    )
    return resp


_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"}


def version_info() -> dict[str, str]:
    """kube's version.Info; `platform` in Go's GOOS/GOARCH words, which tools match on."""
    machine = platform.machine()
    return {
        "major": "1",
        "minor": "32",
        "gitVersion": f"v1.32.0+kcp-python-{__version__}",
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "",
        "goVersion": "",
        "compiler": "cpython",
        "platform": f"{platform.system().lower()}/{_GOARCH.get(machine, machine.lower())}",
    }
