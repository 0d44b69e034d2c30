"""Parse a request path into what it addresses, the way kube-apiserver's RequestInfo factory does.

aiohttp routes before any middleware runs, so the server has one catch-all route and this module
reads `/clusters/<cluster>/api...`, `/services/...` and bare `/api` (the default cluster) itself.
Filters annotate; they never rewrite the URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from kcp.apimachinery.errors import BadRequest, NotFound
from kcp.logicalcluster import ROOT, WILDCARD, is_valid_path

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
LONG_RUNNING_VERBS = {"watch"}
NAMESPACE_SUBRESOURCES = {"status", "finalize"}


def parse_bool(value: str | None, name: str = "") -> bool:
    """Every spelling Go's strconv.ParseBool accepts; empty means false."""
    if value is None or value == "":
        return False
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise BadRequest(f'invalid boolean value "{value}" for parameter {name}')


@dataclass(slots=True)
class RequestInfo:
    cluster: str  # a workspace path, a logical cluster name, or "*"
    path: str  # the path inside the cluster, e.g. /api/v1/namespaces
    is_resource_request: bool = False
    verb: str = ""
    api_prefix: str = ""
    group: str = ""
    version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    virtual: str = ""  # a virtual workspace (`initializingworkspaces`, ...) when under /services/
    virtual_arg: str = ""  # its argument, e.g. the initializer name

    @property
    def long_running(self) -> bool:
        return self.verb in LONG_RUNNING_VERBS


def _segments(path: str) -> list[str]:
    """`path` is decoded once already (aiohttp's, as Go's URL.Path): decoding again would make
    `%252A` a `*` (reliability TH9), so segments are taken as they are."""
    parts = []
    for seg in path.strip("/").split("/"):
        if seg == "":
            continue
        if seg in (".", ".."):
            raise BadRequest(f"invalid path segment {seg!r}")
        parts.append(seg)
    return parts


VIRTUAL_WORKSPACES = ("initializingworkspaces", "terminatingworkspaces")


def parse(method: str, raw_path: str, query_watch: str | None) -> RequestInfo:
    """`/services/<vw>/<arg>/clusters/...` is parsed like `/clusters/...` with the service noted."""
    if raw_path.startswith("/services/"):
        parts = raw_path.split("/", 5)
        if len(parts) < 6 or parts[2] not in VIRTUAL_WORKSPACES or parts[4] != "clusters":
            raise NotFound("the server could not find the requested resource")
        info = parse(method, "/clusters/" + parts[5], query_watch)
        info.virtual, info.virtual_arg = parts[2], parts[3]
        return info
    cluster = str(ROOT)
    path = raw_path
    if raw_path.startswith("/clusters/") or raw_path == "/clusters":
        rest = raw_path[len("/clusters/") :]
        cluster, _, tail = rest.partition("/")
        if cluster != WILDCARD and not is_valid_path(cluster):
            raise BadRequest(
                f"invalid cluster: {cluster!r} does not match the regex "
                "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
            )
        path = "/" + tail
    info = RequestInfo(cluster=cluster, path=path)
    parts = _segments(path)
    if not parts or parts[0] not in ("api", "apis"):
        info.verb = method.lower()
        return info
    info.api_prefix = parts[0]
    parts = parts[1:]
    if info.api_prefix == "api":
        if not parts:
            info.verb = method.lower()
            return info
        info.version, parts = parts[0], parts[1:]
    else:
        if len(parts) < 2:
            info.group = parts[0] if parts else ""
            info.verb = method.lower()
            return info
        info.group, info.version, parts = parts[0], parts[1], parts[2:]
    if not parts:
        info.verb = method.lower()
        return info
    info.is_resource_request = True
    watch_prefix = False
    if parts[0] == "watch":
        watch_prefix, parts = True, parts[1:]
        if not parts:
            raise NotFound("the server could not find the requested resource")
    if parts[0] == "namespaces" and len(parts) >= 3 and parts[2] not in NAMESPACE_SUBRESOURCES:
        info.namespace = parts[1]
        parts = parts[2:]
    info.resource = parts[0]
    if len(parts) >= 2:
        info.name = parts[1]
    if len(parts) >= 3:
        info.subresource = parts[2]
    if len(parts) > 3:
        raise NotFound("the server could not find the requested resource")
    if info.resource == "namespaces":  # as kube: a namespace object is addressed within itself
        info.namespace = info.name
    # as kube: `?watch` makes a collection's GET a watch; an object's GET ignores it (only the
    # `/watch/` prefix watches one object)
    watching = watch_prefix or (parse_bool(query_watch, "watch") and not info.name)
    match method:
        case "GET" | "HEAD":
            info.verb = "watch" if watching else ("get" if info.name else "list")
        case "POST":
            info.verb = "create"
        case "PUT":
            info.verb = "update"
        case "PATCH":
            info.verb = "patch"
        case "DELETE":
            info.verb = "delete" if info.name else "deletecollection"
        case _:
            info.verb = method.lower()
    return info
