"""How one kind differs from the generic Store; the Store does everything else."""

from __future__ import annotations

import contextlib
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from kcp.apimachinery.errors import Cause
from kcp.apimachinery.fields import Extractor, field_extractors
from kcp.apimachinery.resources import APIResource
from kcp.schema.builtin import definition_name
from kcp.schema.compiled import compile_schema
from kcp.schema.gotypes import go_type
from kcp.schema.times import time_paths

if TYPE_CHECKING:
    from kcp.registry.options import RequestScope
    from kcp.registry.store import Store

Object = dict[str, Any]
Companions = list[tuple[str, bytes]]  # (key, value) of new objects written with another


class Strategy:
    """Defaults suit a plain built-in kind; subclasses override what their kind needs."""

    name_rule = "subdomain"  # subdomain | label | path
    has_status_subresource = False
    # subresources that write only .status, each as /status does (a CSR's approval sets its conditions)
    status_writers: tuple[str, ...] = ("status",)
    tracks_generation = False
    allow_unconditional_update = True
    allow_create_on_update = False
    return_deleted_object = False
    strategic_patch = True  # built-in kinds take strategic merge patch; custom resources do not
    # built-in kinds are decoded into Go structs (wrong JSON types refused, timestamps re-encoded);
    # custom resources are unstructured and keep what the schema allows
    go_struct = True
    stored_as: APIResource | None = None  # another version's resource whose keys hold these objects
    # a finalizer the system adds when deletion starts, so a controller cleans up first (CRDs)
    finalizer_on_delete = ""
    # kinds kube validates with core's ObjectMeta rules: a finalizer without a `/` must be a standard
    # one (`kubernetes`, `orphan`, `foregroundDeletion`); other groups check only qualified names
    core_finalizers = True
    # what every request to the resource is warned of (a deprecated CRD version's deprecation)
    request_warnings: tuple[str, ...] = ()

    def __init__(self, resource: APIResource, schema: dict[str, Any] | None = None) -> None:
        self.resource = resource
        self.schema = schema
        # compiled once per strategy: looking it up by content hash on every write costs a full hash
        self.compiled_schema = compile_schema(schema) if schema is not None else None
        typed = schema if self.go_struct else None
        self.time_paths = time_paths(typed) if typed is not None else ()
        model = definition_name(resource.group, resource.version, resource.kind)
        self.go_type = go_type(typed, model) if typed is not None else None
        # what a field selector may name beyond metadata, and how to read it off an object
        self.field_extractors: dict[str, Extractor] = dict(field_extractors(resource.group, resource.kind))

    def to_storage(self, obj: Object) -> Object:
        """The object in the shape `stored_as` keeps; only kinds stored as another version convert."""
        return obj

    def from_storage(self, obj: Object) -> Object:
        """The inverse of `to_storage`, on every read."""
        return obj

    def as_read(self, obj: Object) -> Object:
        """What a read returns of `obj` once stored, for a write's response; kinds whose storage form
        loses fields (custom resources written through another version than the storage one) say so."""
        return obj

    def prepare_for_create(self, obj: Object) -> None:
        """Drop what clients may not set. May mutate; runs before validate."""

    def prepare_for_update(self, new: Object, old: Object, subresource: str = "") -> None:
        """Carry over what an update may not change. May mutate; runs before validate."""

    def default(self, obj: Object) -> None:
        """Fill defaults, on write (and, for CRDs with schema defaults, on read)."""

    def prune(self, obj: Object) -> list[str]:
        """Drop unknown fields; return their paths for fieldValidation=Strict|Warn."""
        return self.compiled_schema.prune(obj) if self.compiled_schema is not None else []

    def validate(self, obj: Object) -> list[Cause]:
        """Must not mutate; errors become one 422 Invalid."""
        return []

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        return self.validate(new)

    def validate_status_update(self, new: Object, old: Object) -> list[Cause]:
        """An update through /status; kinds whose status rules differ from the main resource's
        override it (kube gives such kinds a separate status strategy)."""
        return self.validate_update(new, old)

    def prepare_for_delete(self, obj: Object) -> None:
        """Graceful deletion marks the object (deletionTimestamp set); kinds may add more."""

    async def admit(self, store: Store, scope: RequestScope, obj: Object, old: Object | None) -> None:
        """Checks that need to read other objects (run after validation, before the write)."""

    async def admit_update(
        self, store: Store, scope: RequestScope, new: Object, old: Object, subresource: str
    ) -> None:
        """`admit` for an update, told which subresource it writes (a CSR's approval asks another
        permission than its status)."""
        await self.admit(store, scope, new, old)

    async def admit_delete(self, store: Store, scope: RequestScope, obj: Object) -> None:
        """Checks before `obj` is deleted, once per request (raise to refuse)."""

    def creating(
        self, store: Store, scope: RequestScope, obj: Object
    ) -> AbstractAsyncContextManager[Companions]:
        """Wraps the write of a new object (never a dry run) and yields what is written with it, in the
        same transaction: what comes with the object (a workspace's cluster and content, a namespace's
        default ServiceAccount), as `Store.entry` makes them. Those already there are left alone."""
        return contextlib.nullcontext([])

    async def deleted(self, store: Store, scope: RequestScope, obj: Object) -> None:
        """After `obj` left storage (never on a dry run): a kind may put back what must always exist
        (a namespace's default ServiceAccount). Runs in the deleting request; must not raise."""

    async def updated(self, store: Store, scope: RequestScope, obj: Object) -> None:
        """After an update of `obj` was stored (never on a dry run): a kind may undo changes to what
        the system owns (kube-root-ca.crt's data). Runs in the updating request; must not raise."""

    def printer_columns(self) -> list[dict[str, Any]] | None:
        """CRD additionalPrinterColumns; None means the built-in table for this kind."""
        return None
