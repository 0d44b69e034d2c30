"""The generic Store: get, list, create, update, patch, delete for any kind over any Storage.

Objects are JSON dicts, so built-in kinds and CRD-backed kinds share this code. resourceVersion is the
storage revision, injected on read and never stored; the logical cluster comes from the key.
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import orjson

from kcp.apimachinery import managedfields
from kcp.apimachinery.errors import (
    AlreadyExists,
    BadRequest,
    Cause,
    Conflict,
    Forbidden,
    Invalid,
    MethodNotAllowed,
    NotFound,
)
from kcp.apimachinery.meta import (
    generate_name,
    new_uid,
    now_rfc3339,
    validate_object_meta,
    validate_object_meta_update,
)
from kcp.apimachinery.patch import apply_patch
from kcp.apimachinery.resources import APIResource
from kcp.apimachinery.serialization import clone, decode_yaml
from kcp.logicalcluster import ClusterName, cluster_of_key, object_key, object_prefix, resource_prefix
from kcp.registry import ownerrefs
from kcp.registry.admission import Attributes, Webhooks
from kcp.registry.namespacelifecycle import NamespaceLifecycle
from kcp.registry.objectlimit import ObjectLimit
from kcp.registry.options import DeleteOptions, RequestScope, WriteOptions
from kcp.registry.quota import QuotaAdmission
from kcp.registry.strategy import Object, Strategy
from kcp.registry.tenancy.admission import TenancyAdmission
from kcp.schema import times
from kcp.schema.fielderrors import go_json, invalid
from kcp.schema.gotypes import type_error, zero_null_items
from kcp.storage import Entry, KeyExists, KeyNotFound, RevisionConflict, Storage

CLUSTER_ANNOTATION = "kcp.io/cluster"
APPLY_PATCH = "application/apply-patch+yaml"


class EscalationCheck(Protocol):
    """RBAC's escalation and bind protections and other permission checks of admission, supplied by
    whoever wires authorization."""

    async def check_role(self, scope: RequestScope, role: Object, old: Object | None) -> None: ...

    async def check_binding(self, scope: RequestScope, binding: Object, old: Object | None) -> None: ...

    async def holds(self, scope: RequestScope, verb: str, group: str, resource: str, name: str) -> bool:
        """Whether the writer may `verb` the cluster-scoped `resource` named `name` (kube's admission
        checks on permissions no request names, such as approving for a CSR signer)."""
        ...


class Store:
    """One resource's CRUD. Cheap to build: it holds no per-cluster state, only its collaborators."""

    def __init__(
        self,
        storage: Storage,
        resource: APIResource,
        strategy: Strategy,
        escalation: EscalationCheck | None = None,
        tenancy: TenancyAdmission | None = None,
        namespaces: NamespaceLifecycle | None = None,
        webhooks: Webhooks | None = None,
        quota: QuotaAdmission | None = None,
        limit: ObjectLimit | None = None,
    ) -> None:
        self.storage = storage
        self.limit = limit
        self.namespaces = namespaces
        self.webhooks = webhooks
        self.quota = quota
        self.resource = resource
        self.strategy = strategy
        self.escalation = escalation
        self.tenancy = tenancy
        self.stored_as = strategy.stored_as or resource  # whose keys hold the objects

    # -- keys and codec ---------------------------------------------------------------------------

    def key(self, cluster: ClusterName, namespace: str, name: str) -> str:
        ns = namespace if self.resource.namespaced else ""
        return object_key(self.stored_as.group, self.stored_as.resource, cluster, ns, name)

    def prefix(self, scope: RequestScope) -> str:
        if scope.cluster == "*":
            return resource_prefix(self.stored_as.group, self.stored_as.resource)
        ns = scope.namespace if self.resource.namespaced else ""
        return object_prefix(self.stored_as.group, self.stored_as.resource, scope.cluster, ns)

    def decode(self, entry: Entry) -> Object:
        obj: Object = self.strategy.from_storage(orjson.loads(entry.value))
        meta = obj["metadata"]
        meta["resourceVersion"] = str(entry.mod_revision)
        meta.setdefault("annotations", {})[CLUSTER_ANNOTATION] = cluster_of_key(entry.key)
        obj["apiVersion"] = self.resource.group_version
        self.strategy.default(obj)
        return obj

    @staticmethod
    def _written(obj: Object, entry: Entry) -> Object:
        """What a read of `entry` would return, from the object just encoded into it: no re-parse."""
        meta = obj["metadata"]
        meta["resourceVersion"] = str(entry.mod_revision)
        meta.setdefault("annotations", {})[CLUSTER_ANNOTATION] = cluster_of_key(entry.key)
        return obj

    def encode(self, obj: Object) -> bytes:
        meta = obj["metadata"]
        rv = meta.pop("resourceVersion", None)
        annotations = meta.get("annotations")
        cluster = annotations.pop(CLUSTER_ANNOTATION, None) if annotations else None
        if annotations == {}:
            del meta["annotations"]
        try:
            return orjson.dumps(self.strategy.to_storage(obj))
        finally:
            if rv is not None:
                meta["resourceVersion"] = rv
            if cluster is not None:
                meta.setdefault("annotations", {})[CLUSTER_ANNOTATION] = cluster

    def not_found(self, name: str) -> NotFound:
        return NotFound.object(self.resource.resource, self.resource.group, name)

    def conflict(self, name: str, why: str) -> Conflict:
        return Conflict.object(self.resource.resource, self.resource.group, name, why)

    def invalid(self, name: str, causes: list[Cause]) -> Invalid:
        return Invalid.object(self.resource.kind, self.resource.group, name, causes)

    # -- reads ------------------------------------------------------------------------------------

    async def get(self, scope: RequestScope, name: str) -> Object:
        entry = await self.storage.get(self.key(_cluster(scope), scope.namespace, name))
        if entry is None:
            raise self.not_found(name)
        return self.decode(entry)

    # -- writes -----------------------------------------------------------------------------------

    def _check_identity(self, scope: RequestScope, obj: Any, name: str | None) -> Object:
        if not isinstance(obj, dict):
            raise BadRequest("the body of the request must be a JSON or YAML object")
        kind, api_version = obj.get("kind"), obj.get("apiVersion")
        if kind not in (None, "", self.resource.kind):
            raise BadRequest(
                f"the kind in the data ({kind}) does not match the expected kind ({self.resource.kind})"
            )
        if api_version not in (None, "", self.resource.group_version):
            raise BadRequest(
                f"the API version in the data ({api_version}) does not match the expected "
                f"API version ({self.resource.group_version})"
            )
        obj["kind"], obj["apiVersion"] = self.resource.kind, self.resource.group_version
        if obj.get("metadata") is None:
            obj["metadata"] = {}
        meta = obj["metadata"]
        if not isinstance(meta, dict):
            raise BadRequest("metadata must be an object")
        for key in [k for k, v in meta.items() if v is None]:
            del meta[key]  # kube decodes into ObjectMeta, where null is unset: `labels: null` has none
        if self.resource.namespaced:
            ns = meta.get("namespace") or scope.namespace
            if ns != scope.namespace:
                raise BadRequest(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        if name is not None and meta.get("name", name) != name:
            raise BadRequest(
                f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})"
            )
        if name is not None:
            meta["name"] = name
        return obj

    def _undecodable(self, why: str) -> BadRequest:
        kind, version = self.resource.kind, self.resource.version
        return BadRequest(f'{kind} in version "{version}" cannot be handled as a {kind}: {why}')

    def _type_error(self, obj: Object) -> str | None:
        """Go's decode error for JSON types the kind's Go struct cannot hold; custom resources: None."""
        return type_error(self.strategy.go_type, obj) if self.strategy.go_type is not None else None

    def _check_types(self, obj: Object) -> None:
        """A body of the wrong JSON types is a 400, as kube's codec answers, before anything reads it;
        a null list or map item becomes its element's zero value, as Go decodes it. Timestamps
        are decoded too, so one the server overwrites anyway (creationTimestamp) still must parse."""
        if err := self._type_error(obj):
            raise self._undecodable(err)
        self._zero_null_items(obj)
        self._normalize_times(obj)

    def _normalize_times(self, obj: Object) -> None:
        if self.strategy.time_paths:
            try:
                times.normalize(obj, self.strategy.time_paths)
            except times.TimeError as e:
                raise self._undecodable(str(e)) from None

    def _zero_null_items(self, obj: Object) -> None:
        """On a well-typed body: a null item of a list or map is its element's zero value, as Go decodes
        it (custom resources: none)."""
        if self.strategy.go_type is not None:
            zero_null_items(self.strategy.go_type, obj)

    def _finish(
        self, obj: Object, old: Object | None, opts: WriteOptions, subresource: str = ""
    ) -> list[str]:
        """Default, prune and validate; returns warnings. Raises Invalid or BadRequest."""
        _drop_empty_metadata(obj["metadata"])
        self._normalize_times(obj)
        self.strategy.default(obj)
        unknown = self.strategy.prune(obj)
        warnings: list[str] = []
        if unknown and opts.field_validation == "Strict":
            fields = ", ".join(f'unknown field "{f}"' for f in unknown)
            raise self._undecodable(f"strict decoding error: {fields}")
        if unknown and opts.field_validation == "Warn":
            warnings = [f'unknown field "{f}"' for f in unknown]
        meta = obj["metadata"]
        causes = validate_object_meta(
            meta,
            namespaced=self.resource.namespaced,
            name_rule=self.strategy.name_rule,
            kube_finalizers=self.strategy.core_finalizers,
        )
        if old is not None:
            causes += validate_object_meta_update(meta, old["metadata"])
        if old is None:
            causes += self.strategy.validate(obj)
        elif subresource in self.strategy.status_writers:
            causes += self.strategy.validate_status_update(obj, old)
        else:
            causes += self.strategy.validate_update(obj, old)
        if causes:
            raise self.invalid(str(meta.get("name", "")), causes)
        return warnings

    async def create(self, scope: RequestScope, obj: Any, opts: WriteOptions) -> tuple[Object, list[str]]:
        obj = self._check_identity(scope, obj, None)
        self._check_types(obj)
        meta = obj["metadata"]
        if not meta.get("name") and isinstance(meta.get("generateName"), str) and meta["generateName"]:
            meta["name"] = generate_name(meta["generateName"])
        if not opts.dry_run and _names_a_revision(meta.get("resourceVersion")):
            # a copied object, most likely. kube's storage refuses it with a reasonless 500; bad input
            # gets a 400 here (reliability 5.5). An unparsable one kube ignores, and so do we.
            raise BadRequest("resourceVersion should not be set on objects to be created")
        for field in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            meta.pop(field, None)
        self.strategy.prepare_for_create(obj)
        review = self._review(scope, "CREATE", obj, None, opts.dry_run, "", opts.field_manager)
        if review is not None:
            obj = await self._mutated(review)
        meta = obj["metadata"]  # what the server sets, after mutating webhooks, as kube's BeforeCreate
        meta["uid"] = new_uid()
        meta["creationTimestamp"] = now_rfc3339()
        if self.strategy.tracks_generation:
            meta["generation"] = 1
        else:
            meta.pop("generation", None)
        warnings = self._finish(obj, None, opts)
        cluster = _cluster(scope)
        if self.resource.namespaced:
            await self._require_active_namespace(cluster, obj)
        await self.strategy.admit(self, scope, obj, None)
        if review is not None:
            await self._validated(review, obj)
            warnings += review.warnings
        obj = self._track(None, obj, opts, "Update")
        if opts.dry_run:
            if self.quota is not None:  # checked, not counted (kube's quota admission on a dry run)
                await self.quota.charge(self.resource, cluster, obj, dry_run=True)
            if self.limit is not None:
                await self.limit.charge(self.resource, cluster, obj, 1, dry_run=True)
            name = obj["metadata"]["name"]
            if await self.storage.get(self.key(cluster, scope.namespace, name)) is not None:
                raise AlreadyExists.object(self.resource.resource, self.resource.group, name)
            return self.strategy.as_read(obj), warnings
        entry = await self._insert(scope, obj)
        return self._written(self.strategy.as_read(obj), entry), warnings

    async def _insert(self, scope: RequestScope, obj: Object) -> Entry:
        """Store a new, admitted object with what its kind writes along with it (`creating`), counted
        by its namespace's quotas first, as kube's last admission plugin does, then by its cluster's
        object limit, with its companions (each refunded if not stored)."""
        name = obj["metadata"]["name"]
        cluster = _cluster(scope)
        if self.quota is not None:
            await self.quota.charge(self.resource, cluster, obj, dry_run=False)
        counted = 0
        try:
            async with self.strategy.creating(self, scope, obj) as companions:
                if self.limit is not None:
                    counted = await self.limit.charge(
                        self.resource, cluster, obj, 1 + len(companions), dry_run=False
                    )
                return (await create_new(self.storage, [self.entry(scope, obj), *companions]))[0]
        except KeyExists:
            await self._released(scope, obj, counted)
            raise AlreadyExists.object(self.resource.resource, self.resource.group, name) from None
        except BaseException:
            await self._released(scope, obj, counted)
            raise

    async def _released(self, scope: RequestScope, obj: Object, counted: int = 1) -> None:
        """After `obj` left storage, or did not get there: its quotas get its slot back, and its
        cluster's object limit the `counted` it took."""
        if self.quota is not None:
            await self.quota.release(self.resource, _cluster(scope), obj)
        if self.limit is not None:
            await self.limit.release(self.resource, _cluster(scope), obj, counted)

    def prepare_new(self, scope: RequestScope, obj: Object, field_manager: str) -> Object:
        """An object the server makes itself (a namespace's ServiceAccount, a workspace's cluster), as
        its create would store it, for `entry` to write along with the object it comes with.

        It is made valid, so the checks a client's object passes (Go types, pruning, validation,
        admission) are skipped; a test holds each such object to what a create through the API stores.
        """
        obj = self._check_identity(scope, obj, None)
        self.strategy.prepare_for_create(obj)
        meta = obj["metadata"]
        meta["uid"] = new_uid()
        meta["creationTimestamp"] = now_rfc3339()
        if self.strategy.tracks_generation:
            meta["generation"] = 1
        self.strategy.default(obj)
        return self._track(None, obj, WriteOptions(field_manager=field_manager), "Update")

    def fixed_entry(
        self, scope: RequestScope, obj: Object, field_manager: str, fills: Mapping[str, str] | None = None
    ) -> tuple[str, bytes]:
        """`entry(prepare_new(...))` for an object the server makes alike each time (a namespace's
        ServiceAccount, a new cluster's namespaces): encoded once with stand-ins for its namespace,
        uid and times, which are all that differ between two preparations of it (its strategy's
        preparation must set nothing else that varies, such as a condition's time), then copied
        with those put in. Objects alike but for some strings hold `stand_in(name)` for each, and
        `fills` maps each name to its string."""
        memo = (self.resource.group_version, self.resource.resource, field_manager, orjson.dumps(obj))
        made = _fixed.get(memo)
        if made is None or made[0] is not self.strategy:
            prepared = self.prepare_new(scope, obj, field_manager)
            tokens = [_token(name) for name in fills or ()]
            template = self._template(prepared, {token: memo[3].count(token) for token in tokens})
            if template is None:
                return self.entry(scope, _filled(prepared, fills or {}))
            made = _fixed[memo] = (self.strategy, template)
            if len(_fixed) > FIXED_OBJECTS:
                _fixed.popitem(last=False)
        else:
            _fixed.move_to_end(memo)
        values = {
            _UID: b'"%s"' % new_uid().encode(),
            _TIME: b'"%s"' % now_rfc3339().encode(),
            _NAMESPACE: orjson.dumps(scope.namespace),
            **{_token(name): orjson.dumps(value) for name, value in (fills or {}).items()},
        }
        value = b"".join([values.get(part, part) for part in made[1]])
        return self.key(_cluster(scope), scope.namespace, obj["metadata"]["name"]), value

    def _template(self, prepared: Object, expected: dict[bytes, int]) -> list[bytes] | None:
        """`prepared` encoded with stand-ins, split around them; None unless each occurs as often as
        it was put (`expected`: the caller's, as often as in what it sent)."""
        meta = {**prepared["metadata"], "uid": orjson.loads(_UID), "creationTimestamp": orjson.loads(_TIME)}
        managed = [{**m, "time": orjson.loads(_TIME)} for m in meta.get("managedFields") or ()]
        if managed:
            meta["managedFields"] = managed
        if self.resource.namespaced:
            meta["namespace"] = orjson.loads(_NAMESPACE)
        value = self.encode({**prepared, "metadata": meta})
        expected = {**expected, _UID: 1, _TIME: 1 + len(managed), _NAMESPACE: int(self.resource.namespaced)}
        if any(value.count(token) != count for token, count in expected.items()):
            return None
        return _STAND_INS.split(value)

    def entry(self, scope: RequestScope, obj: Object) -> tuple[str, bytes]:
        """The key and value a new object is written as."""
        return self.key(_cluster(scope), scope.namespace, obj["metadata"]["name"]), self.encode(obj)

    def _review(
        self,
        scope: RequestScope,
        operation: str,
        obj: Object | None,
        old: Object | None,
        dry_run: bool,
        subresource: str,
        field_manager: str = "",
    ) -> Attributes | None:
        """What admission webhooks are told of this write; None when the cluster registered none."""
        if self.webhooks is None or scope.cluster == "*" or not self.webhooks.registered(scope.cluster):
            return None
        meta = (obj if obj is not None else old or {})["metadata"]
        return Attributes(
            scope.cluster,
            self.resource,
            subresource,
            scope.namespace,
            meta.get("name", ""),
            operation,
            scope.user,
            obj,
            old,
            dry_run,
            _options(operation, field_manager, dry_run),
        )

    async def _mutated(self, review: Attributes) -> Object:
        assert self.webhooks is not None
        await self.webhooks.mutate(review)
        return review.obj or {}

    async def _validated(self, review: Attributes, obj: Object | None) -> None:
        assert self.webhooks is not None
        review.obj = obj
        await self.webhooks.validate(review)

    async def _require_active_namespace(self, cluster: ClusterName, obj: Object) -> None:
        """Namespace lifecycle admission: no new content in a missing or terminating namespace."""
        ns = obj["metadata"]["namespace"]
        key = object_key("", "namespaces", cluster, "", ns)
        if self.namespaces is not None:
            terminating = await self.namespaces.terminating(key)
        else:
            entry = await self.storage.get(key)
            terminating = (
                None
                if entry is None
                else bool(orjson.loads(entry.value)["metadata"].get("deletionTimestamp"))
            )
        if terminating is None:
            raise NotFound(f'namespaces "{ns}" not found', name=ns, kind="namespaces")
        if terminating:
            name = obj["metadata"].get("name", "")
            resource = f"{self.resource.resource}.{self.resource.group}".rstrip(".")
            raise Forbidden(
                f'{resource} "{name}" is forbidden: unable to create new content in namespace {ns} '
                "because it is being terminated",
                name=name,
                group=self.resource.group,
                kind=self.resource.resource,
                causes=[
                    Cause("NamespaceTerminating", f"namespace {ns} is being terminated", "metadata.namespace")
                ],
            )

    def _track(
        self, old: Object | None, new: Object, opts: WriteOptions, operation: str, subresource: str = ""
    ) -> Object:
        return managedfields.track_update(
            old,
            new,
            manager=opts.field_manager or "unknown",
            operation=operation,
            schema=self.strategy.schema,
            api_version=self.resource.group_version,
            now=now_rfc3339(),
            subresource=subresource,
            status_subresource=self.strategy.has_status_subresource,
        )

    async def update(
        self, scope: RequestScope, name: str, obj: Any, opts: WriteOptions, subresource: str = ""
    ) -> tuple[Object, bool, list[str]]:
        """PUT. Returns (object, created, warnings)."""
        obj = self._check_identity(scope, obj, name)
        self._check_types(obj)
        wanted_rv = str(obj["metadata"].get("resourceVersion") or "")

        def mutate(old: Object | None) -> Object:
            if old is None:
                if not self.strategy.allow_create_on_update:
                    raise self.not_found(name)
                return clone(obj)
            uid, live_uid = obj["metadata"].get("uid"), old["metadata"].get("uid")
            if uid and uid != live_uid:  # a PUT's uid is a precondition, as kube's update makes it
                why = f"Precondition failed: UID in precondition: {uid}, UID in object meta: {live_uid}"
                raise self.conflict(name, why)
            if not wanted_rv and not self.strategy.allow_unconditional_update:
                raise self.invalid(
                    name,
                    [
                        Cause(
                            "FieldValueInvalid",
                            "Invalid value: 0x0: must be specified for an update",
                            "metadata.resourceVersion",
                        )
                    ],
                )
            return clone(obj)

        return await self._write(scope, name, mutate, opts, subresource, wanted_rv, "Update")

    async def patch(
        self,
        scope: RequestScope,
        name: str,
        content_type: str,
        body: bytes,
        opts: WriteOptions,
        subresource: str = "",
    ) -> tuple[Object, bool, list[str]]:
        media = content_type.split(";", 1)[0].strip().lower()
        if media == APPLY_PATCH:
            return await self._apply(scope, name, body, opts, subresource)

        def mutate(old: Object | None) -> Object:
            if old is None:
                raise self.not_found(name)
            patched = apply_patch(
                media, old, body, self.strategy.schema, strategic=self.strategy.strategic_patch
            )
            if not isinstance(patched, dict):
                raise BadRequest("the patch did not produce an object")
            if err := self._type_error(patched):
                # kube decodes the patched JSON and reports its type error on the field "patch"
                raise Invalid.object("", "", "", [invalid("patch", go_json(patched), err)])
            self._zero_null_items(patched)
            meta = patched.get("metadata")
            rv = meta.get("resourceVersion") if isinstance(meta, dict) else None
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise self.conflict(
                    name,
                    "the object has been modified; please apply your changes to "
                    "the latest version and try again",
                )
            return self._check_identity(scope, patched, name)

        return await self._write(scope, name, mutate, opts, subresource, "", "Update")

    async def _apply(
        self, scope: RequestScope, name: str, body: bytes, opts: WriteOptions, subresource: str
    ) -> tuple[Object, bool, list[str]]:
        try:
            raw = decode_yaml(body)
        except BadRequest as e:  # kube's apply patcher says what it was doing
            raise BadRequest(f"error decoding YAML: {e.message}") from None
        if isinstance(raw, dict):  # before anything fills them in: kube checks the applied type first
            managedfields.check_type(raw, self.resource.group_version, self.resource.kind)
        applied = self._check_identity(scope, raw, name)
        wanted_rv = str(applied["metadata"].get("resourceVersion") or "")  # a precondition, as in updates
        if err := self._type_error(applied):
            # kube fails to build the typed patch object here (with a 500); the body is at fault
            gvk = managedfields.go_gvk(self.resource.group_version, self.resource.kind)
            raise BadRequest(f"failed to create typed patch object ({scope.namespace}/{name}; {gvk}): {err}")

        def mutate(old: Object | None) -> Object:
            new: Object = managedfields.server_side_apply(
                clone(old) if old is not None else None,
                clone(applied),
                manager=opts.field_manager,
                force=opts.force,
                schema=self.strategy.schema,
                api_version=self.resource.group_version,
                now=now_rfc3339(),
                subresource=subresource,
                kind=self.resource.kind,
                status_subresource=self.strategy.has_status_subresource,
            )
            return new

        return await self._write(scope, name, mutate, opts, subresource, wanted_rv, "Apply")

    async def _write(
        self,
        scope: RequestScope,
        name: str,
        mutate: Callable[[Object | None], Object],
        opts: WriteOptions,
        subresource: str,
        wanted_rv: str,
        operation: str,
    ) -> tuple[Object, bool, list[str]]:
        """Read-modify-write with optimistic concurrency; retries only when the client gave no RV."""
        cluster = _cluster(scope)
        key = self.key(cluster, scope.namespace, name)
        while True:  # each lost race means another write won: kube's GuaranteedUpdate loop
            entry = await self.storage.get(key)
            old = self.decode(entry) if entry is not None else None
            if old is not None and wanted_rv and wanted_rv != old["metadata"]["resourceVersion"]:
                raise self.conflict(
                    name,
                    "the object has been modified; please apply your changes to the "
                    "latest version and try again",
                )
            new = mutate(old)
            if old is None:
                if operation == "Apply":
                    obj, warnings = await self._create_applied(scope, new, opts)
                    return obj, True, warnings
                new["metadata"].pop("resourceVersion", None)
                obj, warnings = await self.create(scope, new, opts)
                return obj, True, warnings
            assert entry is not None
            self._carry_over(new, old, subresource, operation)
            review = self._review(scope, "UPDATE", new, old, opts.dry_run, subresource, opts.field_manager)
            if review is not None:
                new = await self._mutated(review)
            warnings = self._finish(new, old, opts, subresource)
            await self.strategy.admit_update(self, scope, new, old, subresource)
            if review is not None:
                await self._validated(review, new)
                warnings += review.warnings
            if operation != "Apply":
                new = self._track(old, new, opts, operation, subresource)
            if self._unchanged(new, old):
                return old, False, warnings
            self._bump_generation(new, old)
            if opts.dry_run:
                return self.strategy.as_read(new), False, warnings
            meta = new["metadata"]
            if meta.get("deletionTimestamp") and not meta.get("finalizers") and self._finalized(new):
                try:
                    gone = await self.storage.delete(key, expect=entry.mod_revision)
                except RevisionConflict:
                    if wanted_rv:
                        raise self.conflict(name, "the object has been modified") from None
                    continue
                except KeyNotFound:
                    raise self.not_found(name) from None
                removed = self.decode(gone)
                await self._released(scope, removed)
                await self.strategy.deleted(self, scope, removed)
                return removed, False, warnings
            try:
                stored = await self.storage.update(key, self.encode(new), expect=entry.mod_revision)
            except RevisionConflict:
                if wanted_rv:
                    raise self.conflict(
                        name,
                        "the object has been modified; please apply your changes "
                        "to the latest version and try again",
                    ) from None
                continue
            except KeyNotFound:
                raise self.not_found(name) from None
            written = self._written(self.strategy.as_read(new), stored)
            await self.strategy.updated(self, scope, written)
            return written, False, warnings

    async def _create_applied(
        self, scope: RequestScope, new: Object, opts: WriteOptions
    ) -> tuple[Object, list[str]]:
        """Apply on a missing object creates it; its managedFields come from apply itself."""
        fields = new["metadata"].get("managedFields")
        obj, warnings = await self.create(
            scope,
            new,
            WriteOptions(
                dry_run=True, field_manager=opts.field_manager, field_validation=opts.field_validation
            ),
        )
        if fields:
            obj["metadata"]["managedFields"] = fields
        else:  # an apply that owns nothing (a bare name) leaves no entry: kube omits the field then
            obj["metadata"].pop("managedFields", None)
        if opts.dry_run:
            return obj, warnings
        return self.decode(await self._insert(scope, obj)), warnings

    def _carry_over(self, new: Object, old: Object, subresource: str, operation: str) -> None:
        """Server-owned metadata survives every update, as kube's BeforeUpdate keeps it: generation and
        creationTimestamp always, a uid the client left empty, a deletionTimestamp once set, and a grace
        period the client left out; any other change to those is refused (validate_object_meta_update).
        managedFields an update left out are the live ones; an apply has computed them (none left: no
        field). The status split follows the subresource."""
        meta, old_meta = new.setdefault("metadata", {}), old["metadata"]
        kept = {"generation", "creationTimestamp", "deletionTimestamp"}
        if not meta.get("uid"):
            kept.add("uid")
        if meta.get("deletionGracePeriodSeconds") is None:
            kept.add("deletionGracePeriodSeconds")
        for field in kept:
            if field in old_meta:
                meta[field] = old_meta[field]
            elif field != "deletionTimestamp":
                meta.pop(field, None)
        if "managedFields" not in meta and "managedFields" in old_meta and operation != "Apply":
            meta["managedFields"] = old_meta["managedFields"]
        if subresource in self.strategy.status_writers:
            status = new.get("status")
            new.clear()
            new.update(clone(old))
            if status is None:
                new.pop("status", None)
            else:
                new["status"] = status
            new["metadata"]["resourceVersion"] = old_meta["resourceVersion"]
            if "managedFields" in meta:
                new["metadata"]["managedFields"] = meta["managedFields"]
            else:
                new["metadata"].pop("managedFields", None)
        elif self.strategy.has_status_subresource:
            if "status" in old:
                new["status"] = clone(old["status"])
            else:
                new.pop("status", None)
        self.strategy.prepare_for_update(new, old, subresource)

    @staticmethod
    def _unchanged(new: Object, old: Object) -> bool:
        """A write that changes nothing (ownership included) is not stored and keeps its RV."""
        new_meta = {k: v for k, v in new["metadata"].items() if k != "resourceVersion"}
        old_meta = {k: v for k, v in old["metadata"].items() if k != "resourceVersion"}
        return new_meta == old_meta and {k: v for k, v in new.items() if k != "metadata"} == {
            k: v for k, v in old.items() if k != "metadata"
        }

    def _bump_generation(self, new: Object, old: Object) -> None:
        if not self.strategy.tracks_generation:
            return
        body_new = {k: v for k, v in new.items() if k not in ("metadata", "status")}
        body_old = {k: v for k, v in old.items() if k not in ("metadata", "status")}
        gen = int(old["metadata"].get("generation") or 1)
        new["metadata"]["generation"] = gen + 1 if body_new != body_old else gen

    def _finalized(self, obj: Object) -> bool:
        """Namespaces also wait for spec.finalizers; every other kind only for metadata.finalizers."""
        spec = obj.get("spec")
        return not (isinstance(spec, dict) and spec.get("finalizers"))

    async def delete(
        self, scope: RequestScope, name: str, opts: DeleteOptions
    ) -> tuple[Object, bool, list[str]]:
        """Returns (object, deleted_now, warnings). With finalizers, marks the object and leaves it."""
        cluster = _cluster(scope)
        key = self.key(cluster, scope.namespace, name)
        reviewed, warnings = False, []
        while True:  # each lost race means another write won: kube's GuaranteedUpdate loop
            entry = await self.storage.get(key)
            if entry is None:
                raise self.not_found(name)
            obj = self.decode(entry)
            meta = obj["metadata"]
            if opts.precondition_uid and opts.precondition_uid != meta.get("uid"):
                raise self.conflict(
                    name,
                    f"Precondition failed: UID in precondition: "
                    f"{opts.precondition_uid}, UID in object meta: {meta.get('uid')}",
                )
            if (
                opts.precondition_resource_version
                and opts.precondition_resource_version != meta["resourceVersion"]
            ):
                raise self.conflict(
                    name,
                    f"Precondition failed: ResourceVersion in precondition: "
                    f"{opts.precondition_resource_version}, ResourceVersion in object "
                    f"meta: {meta['resourceVersion']}",
                )
            if not reviewed:  # once per request, as kube admits a delete before its retries
                reviewed = True
                await self.strategy.admit_delete(self, scope, obj)
                review = self._review(scope, "DELETE", None, obj, opts.dry_run, "")
                if review is not None:
                    await self._mutated(review)
                    await self._validated(review, None)
                    warnings = review.warnings
            # Orphan/Foreground add `orphan`/`foregroundDeletion`; registry/garbagecollector.py removes them
            gc_changed = ownerrefs.apply_propagation(meta, opts.propagation_policy)
            held = self.strategy.finalizer_on_delete
            if meta.get("finalizers") or held or not self._finalized(obj):
                if meta.get("deletionTimestamp") and not gc_changed:
                    return obj, False, warnings
                if not meta.get("deletionTimestamp"):
                    meta["deletionTimestamp"] = now_rfc3339()
                    meta["deletionGracePeriodSeconds"] = 0
                    if held and held not in meta.setdefault("finalizers", []):
                        meta["finalizers"].append(held)
                self.strategy.prepare_for_delete(obj)
                if opts.dry_run:
                    return obj, False, warnings
                try:
                    stored = await self.storage.update(key, self.encode(obj), expect=entry.mod_revision)
                except (RevisionConflict, KeyNotFound):
                    continue
                return self.decode(stored), False, warnings
            if opts.dry_run:
                return obj, True, warnings
            try:
                gone = await self.storage.delete(key, expect=entry.mod_revision)
            except RevisionConflict:
                continue
            except KeyNotFound:
                raise self.not_found(name) from None
            removed = self.decode(gone)
            await self._released(scope, removed)
            await self.strategy.deleted(self, scope, removed)
            return removed, True, warnings


# ObjectMeta's omitempty fields that a client (or a patch removing the last entry) may leave empty;
# kube's round trip through the Go struct drops them, for custom resources too (objectmeta.Coerce)
_OMITTED_WHEN_EMPTY = ("generateName", "labels", "annotations", "finalizers", "ownerReferences")


FIXED_OBJECTS = 256  # fixed_entry's memo: a few kinds, and a binding per workspace owner
_NONCE = os.urandom(8).hex()  # in every stand-in, so no one can send a string that looks like one


def stand_in(name: str) -> str:
    """A string fixed_entry fills in (`name`: lowercase letters and dashes)."""
    return f"<{_NONCE}:{name}>"


def _token(name: str) -> bytes:
    """A stand-in as it is encoded."""
    return orjson.dumps(stand_in(name))


def _filled(obj: Any, fills: Mapping[str, str]) -> Any:
    """`obj` with every stand-in value replaced by its fill."""
    if isinstance(obj, dict):
        return {k: _filled(v, fills) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_filled(v, fills) for v in obj]
    if isinstance(obj, str) and obj.startswith(f"<{_NONCE}:"):
        return fills.get(obj[len(_NONCE) + 2 : -1], obj)
    return obj


_UID, _TIME, _NAMESPACE = (_token(name) for name in ("uid", "time", "namespace"))
_STAND_INS = re.compile(b'("<%s:[a-z-]+>")' % _NONCE.encode())
_fixed: OrderedDict[tuple[str, str, str, bytes], tuple[Strategy, list[bytes]]] = OrderedDict()


def _drop_empty_metadata(meta: Object) -> None:
    for key in _OMITTED_WHEN_EMPTY:
        if key in meta and meta[key] in ("", {}, []):
            del meta[key]


def _options(operation: str, field_manager: str, dry_run: bool) -> Object:
    """The `options` of an AdmissionReview: the request's Create/Update/DeleteOptions."""
    out: Object = {"apiVersion": "meta.k8s.io/v1", "kind": f"{operation.capitalize()}Options"}
    if field_manager:
        out["fieldManager"] = field_manager
    if dry_run:
        out["dryRun"] = ["All"]
    return out


def _cluster(scope: RequestScope) -> ClusterName:
    if scope.cluster == "*":
        raise MethodNotAllowed("only list and watch are allowed across all logical clusters")
    return scope.cluster


def _names_a_revision(rv: object) -> bool:
    """Whether `rv` reads as a revision other than 0, as Go's ParseUint reads it."""
    return isinstance(rv, str) and rv.isascii() and rv.isdigit() and 0 < int(rv) < 2**64


async def create_new(storage: Storage, items: list[tuple[str, bytes]]) -> list[Entry]:
    """`items[0]` with whichever of the rest are not there yet, in one transaction (what exists is left
    as it is). Raises KeyExists only for `items[0]`; returns the entries written."""
    while len(items) > 1:
        try:
            return await storage.create_all(items)
        except KeyExists as e:
            if e.key == items[0][0]:
                raise
            items = [item for item in items if item[0] != e.key]
    return [await storage.create(*items[0])]
