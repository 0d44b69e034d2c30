"""Endpoints beyond plain CRUD: OpenAPI, access and token reviews, and special subresources."""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from kcp.apimachinery.errors import BadRequest, Cause, Conflict, Invalid, MethodNotAllowed, NotFound
from kcp.apimachinery.labels import go_quote
from kcp.apimachinery.meta import now_rfc3339
from kcp.apimachinery.resources import APIResource
from kcp.apimachinery.serialization import decode_body
from kcp.apimachinery.user import UserInfo
from kcp.auth.attributes import Attributes
from kcp.auth.tokens import BoundObject
from kcp.logicalcluster import ClusterName
from kcp.registry.builtin.apiextensions import version_schema
from kcp.registry.catalog import Catalog
from kcp.registry.options import RequestScope
from kcp.registry.store import Store
from kcp.schema.builtin import definition_name, schema_for
from kcp.schema.fielderrors import JSONText, invalid
from kcp.schema.gotypes import GoType, go_type, type_error
from kcp.schema.openapi_proto import CONTENT_TYPE as PROTOBUF_CONTENT_TYPE
from kcp.schema.openapi_proto import encode_v2_protobuf
from kcp.schema.openapi_v2 import build_v2
from kcp.schema.openapi_v3 import build_v3_gv, build_v3_index
from kcp.server.authn import BINDABLE
from kcp.server.handlers import NOT_ALLOWED, json_response
from kcp.server.requestinfo import RequestInfo
from kcp.server.requestoptions import write_options
from kcp.server.scale import serve_scale

PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"  # what kubectl accepts
_DOC_CACHE = 256
SubresourceHandler = Callable[[web.Request, RequestInfo, Store, RequestScope], Awaitable[web.StreamResponse]]


class Endpoints:
    def __init__(self, catalog: Catalog, authorizer: Any, authenticator: Any) -> None:
        self.catalog = catalog
        self.authorizer = authorizer
        self.authenticator = authenticator
        self._docs: OrderedDict[tuple[str, str], Any] = OrderedDict()

    # -- OpenAPI ----------------------------------------------------------------------------------

    async def _resources(self, cluster: ClusterName) -> tuple[str, list[tuple[APIResource, dict[str, Any]]]]:
        """Served resources with their schemas, and a hash naming that set (shared across clusters)."""
        out: list[tuple[APIResource, dict[str, Any]]] = []
        for res in self.catalog.builtin_resources():
            schema = schema_for(res.group, res.version, res.kind)
            if schema is not None:
                out.append((res, schema))
        crds = await self.catalog.crds(cluster)
        from kcp.registry.customresource import resource_for

        for crd in crds:
            for v in crd["spec"].get("versions") or []:
                if v.get("served"):
                    out.append((resource_for(crd, v), version_schema(crd, v["name"]) or {}))
        digest = hashlib.sha256(
            orjson.dumps(sorted((c["metadata"]["name"], orjson.dumps(c["spec"]).decode()) for c in crds))
        ).hexdigest()
        return digest, out

    def _cached(self, key: tuple[str, str], build: Callable[[], Any]) -> Any:
        if key in self._docs:
            self._docs.move_to_end(key)
            return self._docs[key]
        value = build()
        self._docs[key] = value
        if len(self._docs) > _DOC_CACHE:
            self._docs.popitem(last=False)
        return value

    async def openapi(self, request: web.Request, path: str, cluster: ClusterName | str) -> web.Response:
        if cluster == "*":
            raise NotFound("the server could not find the requested resource")
        digest, resources = await self._resources(ClusterName(cluster))
        if path == "/openapi/v2":
            if PROTOBUF_V2 in request.headers.get("Accept", ""):
                body = self._cached(
                    (digest, "v2pb"),
                    lambda: encode_v2_protobuf(self._cached((digest, "v2"), lambda: build_v2(resources))),
                )
                return web.Response(body=body, headers={"Content-Type": PROTOBUF_CONTENT_TYPE})
            return json_response(self._cached((digest, "v2"), lambda: build_v2(resources)))
        if path == "/openapi/v3":
            gvs = sorted({r.group_version for r, _ in resources})
            hashes = {gv: hashlib.sha256(f"{digest}/{gv}".encode()).hexdigest()[:32] for gv in gvs}
            return json_response(self._cached((digest, "v3"), lambda: build_v3_index(gvs, hashes)))
        prefix = "/openapi/v3/"
        if path.startswith(prefix):
            gv_path = path[len(prefix) :]
            parts = gv_path.split("/")
            if parts[0] == "api" and len(parts) == 2:
                group, version = "", parts[1]
            elif parts[0] == "apis" and len(parts) == 3:
                group, version = parts[1], parts[2]
            else:
                raise NotFound("the server could not find the requested resource")
            selected = [(r, s) for r, s in resources if r.group == group and r.version == version]
            if not selected:
                raise NotFound("the server could not find the requested resource")
            return json_response(self._cached((digest, gv_path), lambda: build_v3_gv(selected)))
        raise NotFound("the server could not find the requested resource")

    # -- reviews ----------------------------------------------------------------------------------

    async def review(
        self, request: web.Request, info: RequestInfo, user: UserInfo, cluster: ClusterName | str
    ) -> web.Response:
        """Access and token reviews: answered in one create, never stored, checked as kube's REST
        handlers check them (decoding, then the kind's validation)."""
        kind = _REVIEW_KINDS[info.resource]
        body = await _decoded(request, info.group, info.version, kind)
        spec: dict[str, Any] = body.get("spec") or {}
        status: dict[str, Any]
        if kind == "SelfSubjectReview":
            status = {"userInfo": user.to_dict()}
        elif kind == "TokenReview":
            token = spec.get("token") or ""
            if not token:
                raise BadRequest("token is required for TokenReview in authentication")
            found, audiences, error = await self.authenticator.review_token(
                token, spec.get("audiences") or []
            )
            status = {"authenticated": found is not None}
            if found is not None:
                status["user"] = found.to_dict()
                status["audiences"] = audiences
            else:
                status["error"] = error
        elif kind == "SelfSubjectRulesReview":
            ns = spec.get("namespace") or ""
            if not ns:
                raise BadRequest("no namespace on request")
            snap = await self.authorizer.snapshot(str(cluster))
            resource_rules, non_resource_rules = snap.rules_for(user, ns)
            status = {
                "resourceRules": resource_rules,
                "nonResourceRules": non_resource_rules,
                "incomplete": False,
            }
        else:
            causes = _access_review_causes(kind, spec, info.namespace)
            if causes:
                raise Invalid.object("", info.group, "", causes)  # kube's internal object has no kind
            subject = user if kind == "SelfSubjectAccessReview" else _subject(spec)
            allowed, reason = await self.authorizer.allowed(_access_attributes(spec, subject, str(cluster)))
            status = {"allowed": allowed}
            if reason:
                status["reason"] = reason
        meta = dict(body.get("metadata") or {})
        meta["creationTimestamp"] = None
        return json_response(
            {
                "kind": kind,
                "apiVersion": f"{info.group}/{info.version}",
                "metadata": meta,
                "spec": spec,
                "status": status,
            },
            201,
        )

    # -- subresources -----------------------------------------------------------------------------

    def subresource(self, info: RequestInfo, store: Store) -> SubresourceHandler | None:
        key = (store.resource.group, store.resource.resource, info.subresource)
        if key == ("", "serviceaccounts", "token"):
            return self.token_request
        if key == ("", "namespaces", "finalize"):
            return self.finalize_namespace
        if info.subresource == "scale" and "scale" in store.resource.subresources:
            return serve_scale
        return None

    async def token_request(
        self, request: web.Request, info: RequestInfo, store: Store, scope: RequestScope
    ) -> web.StreamResponse:
        if info.verb != "create":
            raise MethodNotAllowed(NOT_ALLOWED)  # kube serves only POST on serviceaccounts/token
        body = await _decoded(request, "authentication.k8s.io", "v1", "TokenRequest")
        spec: dict[str, Any] = body.get("spec") or {}
        sa = await store.get(scope, info.name)
        expiration = spec.get("expirationSeconds")
        expiration = 3600 if expiration is None else expiration  # the v1 default
        limit = (
            "may not specify a duration less than 10 minutes"
            if expiration < 600
            else "may not specify a duration larger than 2^32 seconds"
            if expiration > 2**32
            else ""
        )
        if limit:
            cause = invalid("spec.expirationSeconds", expiration, limit)
            raise Invalid.object("TokenRequest", "authentication.k8s.io", "", [cause])
        bound = await self._bound_object(scope, spec.get("boundObjectRef"))
        audiences = list(spec.get("audiences") or []) or list(self.authenticator.issuer.api_audiences)
        token, expires = self.authenticator.issue_token(
            str(scope.cluster),
            scope.namespace,
            info.name,
            sa["metadata"]["uid"],
            audiences,
            expiration,
            bound,
        )
        return json_response(
            {
                "kind": "TokenRequest",
                "apiVersion": "authentication.k8s.io/v1",
                "metadata": {
                    "name": info.name,
                    "namespace": scope.namespace,
                    "creationTimestamp": now_rfc3339(),
                },
                "spec": {**spec, "audiences": audiences, "expirationSeconds": expiration},
                "status": {"token": token, "expirationTimestamp": expires},
            },
            201,
        )

    async def _bound_object(self, scope: RequestScope, ref: Any) -> BoundObject | None:
        """The object a TokenRequest binds its token to, as stored: it must exist (404), and have
        the uid the reference names, if any (409). kube also binds to Pods and Nodes, which are not
        served here: like any kind kube cannot bind, they are a 400."""
        if ref is None:
            return None
        if not isinstance(ref, dict):
            raise BadRequest("spec.boundObjectRef must be an object")
        kind, api_version = str(ref.get("kind") or ""), str(ref.get("apiVersion") or "")
        # apimachinery's ParseGroupVersion: more than one slash names no group version at all
        group, _, version = api_version.rpartition("/") if api_version.count("/") < 2 else ("", "", "")
        if kind not in BINDABLE or group != BINDABLE[kind][0]:
            raise BadRequest(f"cannot bind token to object of type {group}/{version}, Kind={kind}")
        name, wanted_uid = str(ref.get("name") or ""), str(ref.get("uid") or "")
        if not name:
            raise BadRequest("Name parameter required.")
        store = self.catalog.store(group, "v1", BINDABLE[kind][1])
        uid = (await store.get(scope, name))["metadata"]["uid"]
        if wanted_uid and wanted_uid != uid:
            why = (
                f"the UID in the bound object reference ({wanted_uid}) does not match the UID in record. "
                "The object might have been deleted and then recreated"
            )
            raise Conflict.object(kind, group, name, why)
        return BoundObject(kind, name, uid)

    async def finalize_namespace(
        self, request: web.Request, info: RequestInfo, store: Store, scope: RequestScope
    ) -> web.StreamResponse:
        if info.verb != "update":
            raise MethodNotAllowed(NOT_ALLOWED)  # kube serves only PUT on namespaces/finalize
        body = await _decoded(request, "", "v1", "Namespace")
        finalizers = (body.get("spec") or {}).get("finalizers")
        current = await store.get(scope, info.name)
        current.setdefault("spec", {})["finalizers"] = list(finalizers or [])
        obj, _, warnings = await store.update(
            scope, info.name, current, write_options(request), subresource="finalize"
        )
        return json_response(obj, 200, warnings)


_REVIEW_KINDS = {
    "selfsubjectaccessreviews": "SelfSubjectAccessReview",
    "subjectaccessreviews": "SubjectAccessReview",
    "localsubjectaccessreviews": "LocalSubjectAccessReview",
    "selfsubjectrulesreviews": "SelfSubjectRulesReview",
    "tokenreviews": "TokenReview",
    "selfsubjectreviews": "SelfSubjectReview",
}


@functools.cache
def _go_type(group: str, version: str, kind: str) -> GoType | None:
    schema = schema_for(group, version, kind)
    return go_type(schema, definition_name(group, version, kind)) if schema is not None else None


async def _decoded(request: web.Request, group: str, version: str, kind: str) -> dict[str, Any]:
    """The body as kube's decoder takes it: an object whose JSON types fit the kind's Go struct, or a
    400 in the codec's words; nothing reads a wrongly typed field after this."""
    body = decode_body(request.headers.get("Content-Type", ""), await request.read())
    if not isinstance(body, dict):
        raise BadRequest("the body of the request must be an object")
    t = _go_type(group, version, kind)
    if t is not None and (err := type_error(t, body)) is not None:
        raise BadRequest(f'{kind} in version "{version}" cannot be handled as a {kind}: {err}')
    return body


def _access_review_causes(kind: str, spec: dict[str, Any], namespace: str) -> list[Cause]:
    """kube's ValidateSubjectAccessReviewSpec (and the Self and Local variants)."""
    ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    causes: list[Cause] = []
    if ra is not None and nra is not None:
        detail = "cannot be specified in combination with resourceAttributes"
        causes.append(invalid("spec.nonResourceAttributes", JSONText(_go_struct(nra)), detail))
    if ra is None and nra is None:
        detail = "exactly one of nonResourceAttributes or resourceAttributes must be specified"
        causes.append(invalid("spec.resourceAttributes", "null", detail))
    if kind != "SelfSubjectAccessReview" and not spec.get("user") and not spec.get("groups"):
        causes.append(invalid("spec.user", "", "at least one of user or group must be specified"))
    if kind == "LocalSubjectAccessReview":
        if ra is not None and (ra.get("namespace") or "") != namespace:
            causes.append(
                invalid(
                    "spec.resourceAttributes.namespace",
                    ra.get("namespace") or "",
                    "must match metadata.namespace",
                )
            )
        if nra is not None:
            detail = "disallowed on this kind of request"
            causes.append(invalid("spec.nonResourceAttributes", JSONText(_go_struct(nra)), detail))
    return causes


def _go_struct(nra: dict[str, Any]) -> str:
    """Go's %#v of the internal NonResourceAttributes, as kube's field error shows it."""
    path, verb = go_quote(nra.get("path") or ""), go_quote(nra.get("verb") or "")
    return f"authorization.NonResourceAttributes{{Path:{path}, Verb:{verb}}}"


def _subject(spec: dict[str, Any]) -> UserInfo:
    extra = {k: tuple(v) for k, v in (spec.get("extra") or {}).items() if isinstance(v, list)}
    return UserInfo(
        str(spec.get("user") or ""), str(spec.get("uid") or ""), tuple(spec.get("groups") or ()), extra
    )


def _access_attributes(spec: dict[str, Any], user: UserInfo, cluster: str) -> Attributes:
    ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if isinstance(ra, dict):
        return Attributes(
            user=user,
            verb=str(ra.get("verb") or ""),
            namespace=str(ra.get("namespace") or ""),
            api_group=str(ra.get("group") or ""),
            api_version=str(ra.get("version") or ""),
            resource=str(ra.get("resource") or ""),
            subresource=str(ra.get("subresource") or ""),
            name=str(ra.get("name") or ""),
            resource_request=True,
            path="",
            cluster=cluster,
        )
    nra = nra or {}  # validated: exactly one of the two is set
    return Attributes(
        user=user,
        verb=str(nra.get("verb") or ""),
        namespace="",
        api_group="",
        api_version="",
        resource="",
        subresource="",
        name="",
        resource_request=False,
        path=str(nra.get("path") or ""),
        cluster=cluster,
    )
