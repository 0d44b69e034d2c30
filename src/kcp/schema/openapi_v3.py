"""OpenAPI v3, one document per group-version: what `kubectl explain` reads, and where kubectl learns
that the server validates fields itself.

kubectl's explain finds a resource's kind through the `x-kubernetes-group-version-kind` of an operation
on the resource's path, then the schema in `components.schemas` listing that kind. Its field-validation
check (cli-runtime `query_param_verifier_v3.go`) looks for a PATCH operation carrying the kind and a
`fieldValidation` parameter; without one kubectl falls back to validating on the client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kcp.schema.builtin.meta import PARAMETERS
from kcp.schema.openapi_routes import Operation, Route
from kcp.schema.openapi_v2 import BEARER, INFO, Definitions, Resources, gvk_map, register


def gv_path(group_version: str) -> str:
    """The index key of a group-version: `api/v1` for the core group, `apis/<group>/<version>` otherwise."""
    return f"apis/{group_version}" if "/" in group_version else f"api/{group_version}"


def build_v3_index(group_versions: Iterable[str], hashes: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The `/openapi/v3` body: where each group-version's document is.

    `hashes` maps a group-version to a digest of its document (such as `content_hash` of its resources);
    clients cache a URL carrying one for as long as it is listed, so it must change with the content.
    Group-versions without one are listed by plain URL, which clients fetch again each time.
    """
    paths: dict[str, Any] = {}
    for gv in sorted(set(group_versions)):
        url = f"/openapi/v3/{gv_path(gv)}"
        if hashes and (digest := hashes.get(gv)):
            url += f"?hash={digest}"
        paths[gv_path(gv)] = {"serverRelativeURL": url}
    return {"paths": paths}


def build_v3_gv(resources: Resources) -> dict[str, Any]:
    """The OpenAPI 3.0 document of one group-version's resources."""
    defs = Definitions(v3=True)
    paths = {route.path: _path_item(route, defs) for route in register(defs, resources)}
    return {
        "openapi": "3.0.0",
        "info": INFO,
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(defs.schemas.items())),
            "securitySchemes": {"BearerToken": BEARER},
        },
        "security": [{"BearerToken": []}],
    }


def _path_item(route: Route, defs: Definitions) -> dict[str, Any]:
    item: dict[str, Any] = {op.method: _operation(op, defs) for op in route.operations}
    item["parameters"] = [_parameter(name) for name in route.parameters]
    return item


def _operation(op: Operation, defs: Definitions) -> dict[str, Any]:
    response = defs.ref(defs.response(op))
    responses: dict[str, Any] = {
        str(code): {"description": text, "content": {media: {"schema": response} for media in op.produces}}
        for code, text in op.codes
    }
    responses["401"] = {"description": "Unauthorized"}
    out: dict[str, Any] = {
        "tags": [op.tag],
        "description": op.description,
        "operationId": op.operation_id,
        "parameters": [_parameter(name) for name in op.query],
        "responses": responses,
        "x-kubernetes-action": op.action,
        "x-kubernetes-group-version-kind": gvk_map(op.gvk),
    }
    if (body := defs.body(op)) is not None:
        content = {media: {"schema": defs.ref(body)} for media in op.consumes}
        out["requestBody"] = (
            {"content": content, "required": True} if op.body_required else {"content": content}
        )
    if not out["parameters"]:
        del out["parameters"]
    return out


def _parameter(name: str) -> dict[str, Any]:
    where, kind, description = PARAMETERS[name]
    out: dict[str, Any] = {
        "name": name,
        "in": where,
        "description": description,
        "schema": {"type": kind, "uniqueItems": True},
    }
    if where == "path":
        out["required"] = True
    return out
