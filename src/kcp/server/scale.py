"""The `scale` subresource of custom resources: an autoscaling/v1 Scale over the CRD's replica paths.

A CRD version's `subresources.scale` names where replicas live in its objects. Reads build a Scale from
the stored object; writes change only the spec replicas field and go through the Store like any update,
so pruning, validation, admission, managedFields and resourceVersion preconditions all still apply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from kcp.apimachinery.errors import (
    BadRequest,
    Conflict,
    InternalError,
    MethodNotAllowed,
    NotFound,
)
from kcp.apimachinery.patch import apply_patch
from kcp.apimachinery.serialization import clone, decode_object, decode_yaml
from kcp.registry.customresource import CustomResourceStrategy
from kcp.registry.options import RequestScope, WriteOptions
from kcp.registry.store import APPLY_PATCH, Store
from kcp.registry.strategy import Object
from kcp.schema.builtin import schema_for
from kcp.server.handlers import JSON_TYPE, NOT_ALLOWED, check_patch_type, json_response
from kcp.server.requestinfo import RequestInfo
from kcp.server.requestoptions import write_options

API_VERSION, KIND = "autoscaling/v1", "Scale"
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
# What a patch sees as spec.replicas when the object has none: kube's marker, so a patch that leaves it
# alone is told the field cannot be empty, and one that removes it scales to 0, as in kube.
_UNSET = _INT32_MIN
_MODIFIED = "the object has been modified; please apply your changes to the latest version and try again"


@dataclass(frozen=True, slots=True)
class ScalePaths:
    """Where a CRD version keeps replicas: `.spec.replicas`-style paths, as the CRD declares them."""

    spec_replicas: str
    status_replicas: str
    label_selector: str

    @classmethod
    def of(cls, store: Store) -> ScalePaths:
        strategy = store.strategy
        scale = (
            (strategy.version.get("subresources") or {}).get("scale")
            if isinstance(strategy, CustomResourceStrategy)
            else None
        )
        if not isinstance(scale, dict):
            raise NotFound("the server could not find the requested resource")
        return cls(
            str(scale.get("specReplicasPath") or ""),
            str(scale.get("statusReplicasPath") or ""),
            str(scale.get("labelSelectorPath") or ""),
        )


async def serve_scale(
    request: web.Request, info: RequestInfo, store: Store, scope: RequestScope
) -> web.StreamResponse:
    """GET, PUT and PATCH on `<resource>/<name>/scale`."""
    paths = ScalePaths.of(store)
    if info.verb == "get":
        obj = await store.get(scope, info.name)
        if _lookup(obj, paths.spec_replicas) is None:
            raise InternalError(
                f'Internal error occurred: the spec replicas field "{paths.spec_replicas}" does not exist'
            )
        return json_response(scale_of(obj, paths))
    if info.verb not in ("update", "patch"):
        raise MethodNotAllowed(NOT_ALLOWED)
    content_type = request.headers.get("Content-Type", JSON_TYPE)
    media = check_patch_type(request, store) if info.verb == "patch" else ""
    body = await request.read()
    sent = decode_object(content_type, body, "Scale") if info.verb == "update" else None
    applied = decode_yaml(body) if media == APPLY_PATCH else None

    def change(old: Object) -> Any:
        """PUT replaces the Scale whatever it was; PATCH applies to the Scale as it is now; apply
        sets what the applied Scale names (its replicas), the one field a Scale lets anyone own."""
        if info.verb == "update":
            return sent
        if applied is not None:
            return _applied_scale(old, applied)
        return apply_patch(content_type, old, body, schema_for("autoscaling", "v1", KIND))

    obj, warnings = await _scale_to(store, scope, info.name, paths, change, write_options(request))
    return json_response(scale_of(obj, paths), 200, warnings)


def _applied_scale(old: Object, applied: Any) -> Object:
    if not isinstance(applied, dict) or (applied.get("apiVersion"), applied.get("kind")) != (
        API_VERSION,
        KIND,
    ):
        raise BadRequest(f"an applied scale must be {API_VERSION}, Kind={KIND}")
    scale = clone(old)
    spec = applied.get("spec") or {}
    if not isinstance(spec, dict):
        raise BadRequest("spec must be an object")
    replicas = spec.get("replicas")
    if replicas is not None:
        scale.setdefault("spec", {})["replicas"] = replicas
    return scale


def scale_of(obj: Object, paths: ScalePaths, unset: int = 0) -> Object:
    """The Scale view of a custom resource; `unset` stands for spec replicas the object lacks."""
    spec_replicas = _integer(obj, paths.spec_replicas)
    replicas = unset if spec_replicas is None else spec_replicas
    selector = _lookup(obj, paths.label_selector) if paths.label_selector else None
    if selector is not None and not isinstance(selector, str):
        raise InternalError(f'the field "{paths.label_selector}" is not a string')
    meta = obj["metadata"]
    scale_meta: Object = {"name": meta["name"]}
    for field in ("namespace", "uid", "resourceVersion"):
        if meta.get(field):
            scale_meta[field] = meta[field]
    scale_meta["creationTimestamp"] = meta.get("creationTimestamp")
    status: Object = {"replicas": _integer(obj, paths.status_replicas) or 0}
    if selector:
        status["selector"] = selector
    return {
        "kind": KIND,
        "apiVersion": API_VERSION,
        "metadata": scale_meta,
        "spec": {"replicas": replicas} if replicas else {},  # replicas is omitempty in the Go type
        "status": status,
    }


async def _scale_to(
    store: Store,
    scope: RequestScope,
    name: str,
    paths: ScalePaths,
    change: Callable[[Object], Any],
    opts: WriteOptions,
) -> tuple[Object, list[str]]:
    """Read, derive the new Scale, write spec replicas back conditioned on the version read.

    A Scale that names a resourceVersion must match the object; without one, a concurrent write only
    means reading again and reapplying the change, as kube's update loop does. The replicas are checked
    only by the CRD's schema (a `minimum`), as kube checks no Scale of a custom resource.
    """
    while True:  # until the write lands or the request's deadline passes
        obj = await store.get(scope, name)
        scale = _checked(change(scale_of(obj, paths, unset=_UNSET)), name, scope.namespace)
        replicas = _desired_replicas(scale, paths)
        meta = obj["metadata"]
        wanted = scale["metadata"].get("resourceVersion")
        if wanted and wanted != meta["resourceVersion"]:
            raise store.conflict(name, _MODIFIED)
        _assign(obj, paths.spec_replicas, replicas)
        try:
            written, _, warnings = await store.update(scope, name, obj, opts, subresource="scale")
        except Conflict:
            continue
        return written, warnings


def _checked(scale: Any, name: str, namespace: str) -> Object:
    """The Scale a client sent (or a patch made): its identity must be this object's."""
    if not isinstance(scale, dict):
        raise BadRequest("the body of the request must be a Scale object")
    if scale.get("kind") not in (None, "", KIND) or scale.get("apiVersion") not in (None, "", API_VERSION):
        raise BadRequest(
            f"the kind in the data ({scale.get('apiVersion')}, {scale.get('kind')}) does not match "
            f"the expected kind ({API_VERSION}, {KIND})"
        )
    meta = scale.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise BadRequest("metadata must be an object")
    if meta.get("name", name) != name:
        raise BadRequest(
            f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})"
        )
    if namespace and meta.get("namespace", namespace) not in (namespace, ""):
        raise BadRequest(
            f"the namespace of the object ({meta.get('namespace')}) does not match the namespace "
            f"on the URL ({namespace})"
        )
    if not isinstance(meta.get("resourceVersion", ""), str):
        raise BadRequest("metadata.resourceVersion must be a string")
    return scale


def _desired_replicas(scale: Object, paths: ScalePaths) -> int:
    spec = scale.get("spec") or {}
    if not isinstance(spec, dict):
        raise BadRequest("spec must be an object")
    replicas = spec.get("replicas")
    if replicas is None:  # absent or null: Go's zero value, as kube decodes it
        replicas = 0
    if (
        isinstance(replicas, bool)
        or not isinstance(replicas, int)
        or not _INT32_MIN <= replicas <= _INT32_MAX
    ):
        raise BadRequest(f"spec.replicas: {replicas!r} is not a 32-bit integer")
    if replicas == _UNSET:
        raise BadRequest(f'the spec replicas field "{paths.spec_replicas}" cannot be empty')
    return replicas


def _fields(path: str) -> list[str]:
    return path.removeprefix(".").split(".")


def _lookup(obj: Object, path: str) -> Any:
    """The value at a dotted path; None when absent. A non-object on the way is the server's 500."""
    value: Any = obj
    for field in _fields(path):
        if not isinstance(value, dict):
            raise InternalError(f'cannot read "{path}": a value on the way is not an object')
        if field not in value:
            return None
        value = value[field]
    return value


def _integer(obj: Object, path: str) -> int | None:
    value = _lookup(obj, path)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InternalError(f'the field "{path}" is not an integer')
    return value


def _assign(obj: Object, path: str, value: int) -> None:
    *parents, last = _fields(path)
    target = obj
    for field in parents:
        target = target.setdefault(field, {})
        if not isinstance(target, dict):
            raise InternalError(f'cannot set "{path}": a value on the way is not an object')
    target[last] = value
