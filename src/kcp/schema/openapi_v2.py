"""OpenAPI v2 (swagger 2.0), the document kubectl reads for apply, edit and client-side validation.

Also holds `Definitions`, which the v3 publisher shares: it turns inline kind schemas into named,
referenced definitions shaped like kube-apiserver's (built-in nested types factored out, CRD schemas
reduced to their structural parts as kube's CRD OpenAPI builder does).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from typing import Any

import orjson

from kcp.apimachinery.resources import APIResource
from kcp.schema import builtin
from kcp.schema.builtin.fields import Definition, Schema
from kcp.schema.builtin.meta import (
    API_VERSION,
    DELETE_OPTIONS,
    KIND,
    LIST_META,
    OBJECT_META,
    OPERATION_TYPES,
    PARAMETERS,
    PATCH,
    STATUS,
    WATCH_EVENT,
)
from kcp.schema.openapi_routes import GVK, Operation, Route, gvk_of, routes

Resources = Sequence[tuple[APIResource, Schema]]

INFO = {"title": "kcp", "version": "unversioned"}
BEARER = {
    "type": "apiKey",
    "name": "authorization",
    "in": "header",
    "description": "Bearer token authentication.",
}

# Keys of a CRD schema node that survive publishing: the structural schema, as kube's builder keeps it.
_SCHEMA_KEYS = frozenset(
    {
        "description", "type", "format", "title", "default", "nullable", "properties", "items",
        "additionalProperties", "required", "enum", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
        "multipleOf", "maxProperties", "minProperties", "allOf", "oneOf", "anyOf", "not",
    }
)  # fmt: skip
# Not expressible in swagger 2.0 (or not read by kubectl); kube drops them from v2.
_NOT_IN_V2 = ("allOf", "oneOf", "anyOf", "not", "nullable", "default")
_PRESERVE = "x-kubernetes-preserve-unknown-fields"
_GVK_KEY = "x-kubernetes-group-version-kind"


def content_hash(resources: Resources) -> str:
    """A digest of what the documents are built from, independent of order: a cache key and ETag."""
    parts = sorted(
        hashlib.sha256(orjson.dumps([dataclasses.astuple(r), s], option=orjson.OPT_SORT_KEYS)).digest()
        for r, s in resources
    )
    return hashlib.sha256(b"".join(parts)).hexdigest()


def is_builtin(gvk: GVK) -> bool:
    """Built-in kinds get kube's named nested types and strategic merge patch; others are CRD kinds."""
    return builtin.schema_for(*gvk) is not None


class Definitions:
    """The named schemas of one document, referenced as its OpenAPI version wants.

    Built-in kinds get their nested types (`builtin.DEFINITIONS`) factored out into definitions of
    their own; CRD kinds keep their schema inline, reduced to its structural parts. Both get kube's
    type meta and an ObjectMeta reference on top, and the v2 form loses what swagger 2.0 cannot say.
    """

    def __init__(self, *, v3: bool) -> None:
        self.v3 = v3
        self.schemas: dict[str, Schema] = {}

    def ref(self, name: str, description: str | None = None) -> Schema:
        """A reference to a definition; v3 wraps it in allOf when a description goes alongside."""
        if not self.v3:
            target: Schema = {"$ref": f"#/definitions/{name}"}
            return target | {"description": description} if description else target
        target = {"$ref": f"#/components/schemas/{name}"}
        return {"description": description, "allOf": [target]} if description else target

    def add_kind(self, gvk: GVK, schema: Schema) -> str:
        """Add a kind's schema under its model name; a kind already added keeps its first schema."""
        name = builtin.definition_name(*gvk)
        if name in self.schemas:
            return name
        if is_builtin(gvk):
            body = self._factor(schema, name.rsplit(".", 1)[0], root=True)
        elif schema.get(_PRESERVE) and not self.v3:
            # Free-form kinds go out untyped, as kube's CRD builder has them: kubectl cannot walk them.
            self.schemas[name] = {"type": "object", _GVK_KEY: [gvk_map(gvk)]}
            return name
        else:
            body = self._structural(schema)
        body = self._with_type_meta(body, OBJECT_META, "Standard object metadata.")
        self.schemas[name] = self._finish(body) | {_GVK_KEY: [gvk_map(gvk)]}
        return name

    def require(self, gvk: GVK) -> str:
        """The model name of a kind, adding a built-in kind (Scale, TokenRequest) on first use."""
        name = builtin.definition_name(*gvk)
        schema = builtin.schema_for(*gvk)
        if name not in self.schemas and schema is not None:
            self.add_kind(gvk, schema)
        return name

    def body(self, op: Operation) -> str | None:
        """The model name of an operation's request body, if it has one."""
        if op.body == "object":
            return self.require(op.gvk)
        return {"patch": PATCH.name, "delete": DELETE_OPTIONS.name}.get(op.body)

    def response(self, op: Operation) -> str:
        """The model name of an operation's successful response."""
        if op.response == "object":
            return self.require(op.gvk)
        if op.response == "list":
            return builtin.definition_name(op.gvk[0], op.gvk[1], f"{op.gvk[2]}List")
        return STATUS.name if op.response == "status" else WATCH_EVENT.name

    def add_list(self, gvk: GVK) -> str:
        """Add the `<Kind>List` definition of a listable kind."""
        group, version, kind = gvk
        item = self.require(gvk)
        body: Schema = {
            "description": f"A list of {kind} objects.",
            "type": "object",
            "properties": {
                "items": {"description": "The objects.", "type": "array", "items": self.ref(item)}
            },
            "required": ["items"],
        }
        name = builtin.definition_name(group, version, f"{kind}List")
        list_body = self._with_type_meta(body, LIST_META, "Standard list metadata.")
        self.schemas[name] = list_body | {_GVK_KEY: [gvk_map((group, version, f"{kind}List"))]}
        return name

    def add_shared(self, d: Definition) -> str:
        """Add a named nested type (and the types nested in it) once; return its model name."""
        if d.name not in self.schemas:
            self.schemas[d.name] = self._finish(self._factor(d.schema, d.name.rsplit(".", 1)[0], root=True))
        return d.name

    def add_operation_types(self) -> None:
        for d in OPERATION_TYPES:
            self.add_shared(d)

    def _with_type_meta(self, body: Schema, meta: Definition, description: str) -> Schema:
        props = dict(body.get("properties", {}))
        props.update(apiVersion=API_VERSION, kind=KIND, metadata=self.ref(self.add_shared(meta), description))
        return body | {"properties": props}

    def _factor(self, node: Schema, package: str, *, root: bool = False) -> Schema:
        """Replace inline copies of named types by references, depth first from the top."""
        if not root and (d := builtin.definition_of(node, package)) is not None:
            description = node.get("description")  # a field's own; the type's stays in the definition
            return self.ref(
                self.add_shared(d), None if description == d.schema.get("description") else description
            )
        out = dict(node)
        if isinstance(props := node.get("properties"), dict):
            out["properties"] = {k: self._factor(v, package) for k, v in props.items()}
        for key in ("items", "additionalProperties"):
            if isinstance(sub := node.get(key), dict):
                out[key] = self._factor(sub, package)
        return out

    def _structural(self, node: Schema) -> Schema:
        """A CRD schema node as kube publishes it: structural keys and x-kubernetes-* extensions only,
        and embedded resources given their type meta and ObjectMeta."""
        out: Schema = {k: v for k, v in node.items() if k in _SCHEMA_KEYS or k.startswith("x-kubernetes-")}
        if isinstance(props := out.get("properties"), dict):
            out["properties"] = {k: self._structural(v) for k, v in props.items()}
        for key in ("items", "additionalProperties", "not"):
            if isinstance(sub := out.get(key), dict):
                out[key] = self._structural(sub)
        for key in ("allOf", "oneOf", "anyOf"):
            if isinstance(subs := out.get(key), list):
                out[key] = [self._structural(s) for s in subs]
        if out.get("x-kubernetes-embedded-resource") and (self.v3 or not out.get(_PRESERVE)):
            out = self._with_type_meta(out, OBJECT_META, "Standard object metadata.")
            required = out.get("required", [])
            out["required"] = required + [k for k in ("kind", "apiVersion") if k not in required]
        return out

    def _finish(self, node: Schema) -> Schema:
        return node if self.v3 else to_v2(node)


def to_v2(node: Schema) -> Schema:
    """Drop what swagger 2.0 cannot say, as kube's CRD v2 conversion does: junctors, nullable (and the
    type of nullable nodes), defaults, and the structure of free-form nodes kubectl cannot walk."""
    out = {k: v for k, v in node.items() if k not in _NOT_IN_V2}
    if node.get("nullable") or node.get(_PRESERVE):
        out.pop("items", None)
        out.pop("properties", None)
        if node.get("nullable") or out.get("type") == "object":
            out.pop("type", None)
    if out.get("type") == "array" and "items" not in out:
        out.pop("type")
    if isinstance(props := out.get("properties"), dict):
        out["properties"] = {k: to_v2(v) for k, v in props.items()}
        nullable = {k for k, v in props.items() if v.get("nullable")}
        if nullable and "required" in out:
            out["required"] = [k for k in out["required"] if k not in nullable]
    for key in ("items", "additionalProperties"):
        if isinstance(sub := out.get(key), dict):
            out[key] = to_v2(sub)
            if key == "additionalProperties" and sub.get("nullable"):
                out.pop("required", None)
    if out.get("required") == []:
        del out["required"]
    return out


def gvk_map(gvk: GVK) -> dict[str, str]:
    """The x-kubernetes-group-version-kind value: on definitions in a list, on operations alone."""
    return {"group": gvk[0], "kind": gvk[2], "version": gvk[1]}


def register(defs: Definitions, resources: Resources) -> list[Route]:
    """Add every resource's kind (and list kind) to `defs`; return the routes to publish."""
    out: list[Route] = []
    for resource, schema in resources:
        defs.add_kind(gvk_of(resource), schema)
        if "list" in resource.verbs:
            defs.add_list(gvk_of(resource))
        # kcp's own kinds are custom resources there: their PATCH takes no strategic merge patch,
        # which is how kubectl's client-side apply decides to send a merge patch instead
        out += routes(resource, strategic=gvk_of(resource) in builtin.index())
    if out:
        defs.add_operation_types()
    return out


def build_v2(resources: Resources) -> dict[str, Any]:
    """The swagger 2.0 document of these resources (all group-versions of one logical cluster)."""
    defs = Definitions(v3=False)
    paths = {route.path: _path_item(route, defs) for route in register(defs, resources)}
    return {
        "swagger": "2.0",
        "info": INFO,
        "paths": dict(sorted(paths.items())),
        "definitions": dict(sorted(defs.schemas.items())),
        "securityDefinitions": {"BearerToken": BEARER},
        "security": [{"BearerToken": []}],
    }


def _path_item(route: Route, defs: Definitions) -> dict[str, Any]:
    item: dict[str, Any] = {op.method: _operation(op, defs) for op in route.operations}
    item["parameters"] = [_parameter(name) for name in route.parameters]
    return item


def _operation(op: Operation, defs: Definitions) -> dict[str, Any]:
    body = defs.body(op)
    params = [_parameter(name) for name in op.query]
    if body is not None:
        param = {"name": "body", "in": "body", "schema": defs.ref(body)}
        params.insert(0, param | {"required": True} if op.body_required else param)
    response = defs.ref(defs.response(op))
    responses: dict[str, Any] = {
        str(code): {"description": text, "schema": response} for code, text in op.codes
    }
    responses["401"] = {"description": "Unauthorized"}
    out: dict[str, Any] = {
        "description": op.description,
        "consumes": list(op.consumes),
        "produces": list(op.produces),
        "schemes": ["https"],
        "tags": [op.tag],
        "operationId": op.operation_id,
        "parameters": params,
        "responses": responses,
        "x-kubernetes-action": op.action,
        "x-kubernetes-group-version-kind": gvk_map(op.gvk),
    }
    if not params:
        del out["parameters"]
    return out


def _parameter(name: str) -> dict[str, Any]:
    where, kind, description = PARAMETERS[name]
    out: dict[str, Any] = {
        "name": name,
        "in": where,
        "type": kind,
        "uniqueItems": True,
        "description": description,
    }
    if where == "path":
        out["required"] = True
    return out
