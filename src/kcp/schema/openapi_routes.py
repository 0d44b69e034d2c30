"""The paths and operations kube-apiserver publishes for a resource, shared by both OpenAPI versions.

Operations name their bodies and responses symbolically ("object", "list", ...); each publisher turns
those into references of its own form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kcp.apimachinery.resources import APIResource

GVK = tuple[str, str, str]


def gvk_of(resource: APIResource) -> GVK:
    return (resource.group, resource.version, resource.kind)


_LIST = (
    "allowWatchBookmarks",
    "continue",
    "fieldSelector",
    "labelSelector",
    "limit",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
    "watch",
)
_WRITE = ("dryRun", "fieldManager", "fieldValidation")
_PATCH = (*_WRITE, "force")
_DELETE = (
    "dryRun",
    "gracePeriodSeconds",
    "ignoreStoreReadErrorWithClusterBreakingPotential",
    "orphanDependents",
    "propagationPolicy",
)
_DELETE_COLLECTION = tuple(sorted({*_DELETE, *_LIST} - {"allowWatchBookmarks", "watch"}))
_JSON_YAML = ("application/json", "application/yaml")
_STREAM = (*_JSON_YAML, "application/json;stream=watch")
_PATCHES = ("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")
_STRATEGIC = "application/strategic-merge-patch+json"
_OK, _CREATED, _ACCEPTED = (200, "OK"), (201, "Created"), (202, "Accepted")

Body = Literal["", "object", "patch", "delete"]
Response = Literal["object", "list", "status", "watch"]


@dataclass(frozen=True, slots=True)
class Operation:
    """One HTTP operation on a path, in terms both OpenAPI versions render."""

    method: str  # get, put, post, patch, delete
    action: str  # x-kubernetes-action: get, list, watch(list), post, put, patch, delete(collection)
    operation_id: str
    description: str
    tag: str
    gvk: GVK  # kind of the object the operation works on (Scale for /scale, TokenRequest for /token)
    query: tuple[str, ...]
    body: Body
    response: Response
    codes: tuple[tuple[int, str], ...]
    consumes: tuple[str, ...]
    produces: tuple[str, ...]

    @property
    def body_required(self) -> bool:
        return self.body in ("object", "patch")


@dataclass(frozen=True, slots=True)
class Route:
    path: str
    operations: tuple[Operation, ...]

    @property
    def parameters(self) -> tuple[str, ...]:
        """Path-level parameters: the path's placeholders, then pretty."""
        return (*(p for p in ("name", "namespace") if f"{{{p}}}" in self.path), "pretty")


@dataclass(frozen=True, slots=True)
class _Spec:
    """An operation kube publishes for a resource that has `verb`, at the path named `where`."""

    where: str
    verb: str
    method: str
    action: str
    name: str  # operation id; {id} is the group-version, {scope} Namespaced or empty
    description: str
    query: tuple[str, ...]
    body: Body
    response: Response
    codes: tuple[tuple[int, str], ...]


def _spec(how: str, name: str, description: str, query: tuple[str, ...], body: Body, response: Response,
          codes: tuple[tuple[int, str], ...]) -> _Spec:  # fmt: skip
    """`how` is "where verb method action", space-separated; verb is "-" for subresources."""
    where, verb, method, action = how.split()
    return _Spec(where, verb, method, action, name, description, query, body, response, codes)


_WATCH_NOTE = "deprecated, use a list with watch=true"
_SPECS = (
    _spec("coll list get list", "list{id}{scope}{kind}", "List or watch {kind} objects.", _LIST, "", "list",
          (_OK,)),
    _spec("coll create post post", "create{id}{scope}{kind}", "Create a {kind}.", _WRITE, "object", "object",
          (_OK, _CREATED, _ACCEPTED)),
    _spec("coll deletecollection delete deletecollection", "delete{id}Collection{scope}{kind}",
          "Delete a collection of {kind} objects.", _DELETE_COLLECTION, "delete", "status", (_OK,)),
    _spec("item get get get", "read{id}{scope}{kind}", "Read the named {kind}.", (), "", "object", (_OK,)),
    _spec("item update put put", "replace{id}{scope}{kind}", "Replace the named {kind}.", _WRITE, "object",
          "object", (_OK, _CREATED)),
    _spec("item patch patch patch", "patch{id}{scope}{kind}", "Partially update the named {kind}.", _PATCH,
          "patch", "object", (_OK, _CREATED)),
    _spec("item delete delete delete", "delete{id}{scope}{kind}", "Delete the named {kind}.", _DELETE,
          "delete", "status", (_OK, _ACCEPTED)),
    _spec("all list get list", "list{id}{kind}ForAllNamespaces",
          "List or watch {kind} objects across namespaces.", _LIST, "", "list", (_OK,)),
    _spec("watch-coll watch get watchlist", "watch{id}{scope}{kind}List",
          f"Watch {{kind}} objects; {_WATCH_NOTE}.", _LIST, "", "watch", (_OK,)),
    _spec("watch-item watch get watch", "watch{id}{scope}{kind}",
          f"Watch the named {{kind}}; {_WATCH_NOTE} and a fieldSelector.", _LIST, "", "watch", (_OK,)),
    _spec("watch-all watch get watchlist", "watch{id}{kind}ListForAllNamespaces",
          f"Watch {{kind}} objects across namespaces; {_WATCH_NOTE}.", _LIST, "", "watch", (_OK,)),
)  # fmt: skip
_READ = _spec("sub - get get", "read{id}{scope}{kind}{sub}", "Read the {sub} of the named {kind}.", (), "",
              "object", (_OK,))  # fmt: skip
_REPLACE = _spec("sub - put put", "replace{id}{scope}{kind}{sub}", "Replace the {sub} of the named {kind}.",
                 _WRITE, "object", "object", (_OK, _CREATED))  # fmt: skip
_UPDATE = _spec("sub - patch patch", "patch{id}{scope}{kind}{sub}",
                "Partially update the {sub} of the named {kind}.", _PATCH, "patch", "object",
                (_OK, _CREATED))  # fmt: skip
_CREATE = _spec("sub - post post", "create{id}{scope}{kind}{sub}", "Request a {sub} for the named {kind}.",
                _WRITE, "object", "object", (_OK, _CREATED, _ACCEPTED))  # fmt: skip
# Subresources with a schema: their operations, and the kind they serve when it is not the parent's.
_SUBRESOURCES: dict[str, tuple[tuple[_Spec, ...], GVK | None]] = {
    "status": ((_READ, _REPLACE, _UPDATE), None),
    "approval": ((_READ, _REPLACE, _UPDATE), None),
    "scale": ((_READ, _REPLACE, _UPDATE), ("autoscaling", "v1", "Scale")),
    "token": ((_CREATE,), ("authentication.k8s.io", "v1", "TokenRequest")),
    "finalize": ((_REPLACE,), None),
}


def _camel(group: str) -> str:
    """kube's operation-id spelling of a group: rbac.authorization.k8s.io -> rbacAuthorization."""
    words = [w for part in (group.removesuffix(".k8s.io") or "core").split(".") for w in part.split("-")]
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def routes(r: APIResource, *, strategic: bool) -> list[Route]:
    """The paths and operations kube-apiserver publishes for a resource, given its verbs; subresources
    without a schema (connect-style ones) are left out."""
    group = _camel(r.group)
    ident = group[:1].upper() + group[1:] + r.version[:1].upper() + r.version[1:]
    prefix = f"/apis/{r.group}/{r.version}" if r.group else f"/api/{r.version}"
    ns = "namespaces/{namespace}/" if r.namespaced else ""
    paths = {
        "coll": f"{prefix}/{ns}{r.resource}",
        "item": f"{prefix}/{ns}{r.resource}/{{name}}",
        "watch-coll": f"{prefix}/watch/{ns}{r.resource}",
        "watch-item": f"{prefix}/watch/{ns}{r.resource}/{{name}}",
    }
    if r.namespaced:
        paths.update({"all": f"{prefix}/{r.resource}", "watch-all": f"{prefix}/watch/{r.resource}"})
    patches = (_STRATEGIC, *_PATCHES) if strategic else _PATCHES

    def operation(spec: _Spec, gvk: GVK, sub: str = "") -> Operation:
        names = {"id": ident, "scope": "Namespaced" if r.namespaced else "", "kind": r.kind}
        return Operation(
            spec.method,
            spec.action,
            spec.name.format(**names, sub=sub[:1].upper() + sub[1:]),
            spec.description.format(**names, sub=sub),
            f"{group}_{r.version}",
            gvk,
            spec.query,
            spec.body,
            spec.response,
            spec.codes,
            patches if spec.method == "patch" else ("*/*",),
            _STREAM if spec.action in ("list", "watch", "watchlist") else _JSON_YAML,
        )

    by_path: dict[str, list[Operation]] = {}
    for spec in _SPECS:
        if spec.verb in r.verbs and spec.where in paths:
            by_path.setdefault(paths[spec.where], []).append(operation(spec, gvk_of(r)))
    for sub in r.subresources:
        specs, served = _SUBRESOURCES.get(sub, ((), None))
        for spec in specs:
            by_path.setdefault(f"{paths['item']}/{sub}", []).append(operation(spec, served or gvk_of(r), sub))
    return [Route(path, tuple(ops)) for path, ops in by_path.items()]
