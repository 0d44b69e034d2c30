"""Strategies for Workspace, WorkspaceType and LogicalCluster: what users and the system may set."""

from __future__ import annotations

import contextlib
import re
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, ClassVar

from kcp.apimachinery.errors import Cause, Forbidden
from kcp.apimachinery.labels import label_key_errors, label_value_errors
from kcp.apimachinery.resources import APIResource
from kcp.registry.objectlimit import check_annotation
from kcp.registry.strategy import Companions, Object, Strategy
from kcp.registry.tenancy.kinds import (
    INITIALIZER_LABEL_PREFIX,
    LOGICALCLUSTER_NAME,
    PHASE_LABEL,
    RESERVED_TYPE_NAMES,
    TERMINATOR_LABEL_PREFIX,
    TERMINATORS_FINALIZER,
    lifecycle_label,
)
from kcp.schema.compiled import compile_schema

if TYPE_CHECKING:
    from kcp.registry.options import RequestScope
    from kcp.registry.store import Store

WORKSPACE_COLUMNS = [
    {"name": "Type", "type": "string", "jsonPath": ".spec.type.name", "description": "Type of the workspace"},
    {
        "name": "Region",
        "type": "string",
        "jsonPath": ".metadata.labels['region']",
        "description": "The region this workspace is in",
    },
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase", "description": "The current phase"},
    {"name": "URL", "type": "string", "jsonPath": ".spec.URL", "description": "URL to access the workspace"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


_NAME = {"type": "string", "maxLength": 63, "minLength": 1, "pattern": "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"}


def _kcp_schema(name: dict[str, Any]) -> dict[str, Any]:
    """What kcp's CRD schema says of a kind's name."""
    return {"type": "object", "properties": {"metadata": {"type": "object", "properties": {"name": name}}}}


class KcpKindStrategy(Strategy):
    """kcp serves its own kinds from APIResourceSchemas, as custom resources: no strategic merge
    patch (a plain `kubectl patch` is a 415), field selectors on name alone, finalizers unchecked,
    and names are custom resource names (DNS subdomains) that the schema narrows."""

    core_finalizers = False
    strategic_patch = False
    name_rule = "subdomain"
    kcp_schema: ClassVar[dict[str, Any]] = _kcp_schema({"type": "string"})  # what we enforce of kcp's

    def __init__(self, resource: APIResource, schema: dict[str, Any] | None = None) -> None:
        super().__init__(resource, schema)
        self.kcp_checks = compile_schema(self.kcp_schema)
        name = self.kcp_schema["properties"]["metadata"]["properties"]["name"]
        self._name_pattern = re.compile(name["pattern"]) if "pattern" in name else None
        self._name_enum: list[str] | None = name.get("enum")
        self._name_lengths = (name.get("minLength", 0), name.get("maxLength", 2**31))

    def schema_causes(self, obj: Object) -> list[Cause]:
        """The schema's word, in kube-openapi's, after ObjectMeta's (the Store checks that first).

        The schema speaks of the name alone, and its patterns are plain (no backtracking to fear): a
        name that fits, as nearly all do, is not walked through the generic validator, which is there
        for kube-openapi's words when it does not fit."""
        name = obj["metadata"].get("name")
        if (
            isinstance(name, str)
            and self._name_lengths[0] <= len(name) <= self._name_lengths[1]
            and (self._name_enum is None or name in self._name_enum)
            and (self._name_pattern is None or self._name_pattern.fullmatch(name))
        ):
            return []
        return self.kcp_checks.validate(obj)


class WorkspaceStrategy(KcpKindStrategy):
    # spec.type is not checked against kcp's patterns here: kcp's admission resolves it first (403)
    kcp_schema: ClassVar[dict[str, Any]] = _kcp_schema(_NAME)
    has_status_subresource = True
    tracks_generation = True

    def prepare_for_create(self, obj: Object) -> None:
        obj["status"] = {"phase": "Scheduling"}
        self.default(obj)

    def prepare_for_delete(self, obj: Object) -> None:
        """kcp's Terminating (terminators still due) or Deleting phase from the moment deletion starts,
        label included: informers selecting on the label (ours skip Ready workspaces) see the
        workspace as soon as it is marked."""
        status = obj.setdefault("status", {})
        status["phase"] = "Terminating" if status.get("terminators") else "Deleting"
        self.default(obj)

    def default(self, obj: Object) -> None:
        obj.setdefault("spec", {})
        phase = (obj.get("status") or {}).get("phase")
        if phase:
            obj["metadata"].setdefault("labels", {})[PHASE_LABEL] = phase

    def validate(self, obj: Object) -> list[Cause]:
        """spec.type is left to admission, which runs first in kcp: one without a name takes the
        default, one that names no existing type is refused (403) before any pattern is checked."""
        if not isinstance(obj.get("spec"), dict):
            return [Cause("FieldValueInvalid", "Invalid value: must be an object", "spec")]
        return self.schema_causes(obj)

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        """kcp's CEL transition rules, in its words; removing spec.type is left to admission, as there."""
        causes = self.validate(new)
        old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
        for field in ("URL", "cluster"):
            if old_spec.get(field) and not new_spec.get(field):
                causes.append(_rule_broken("spec", "object", f"{field} cannot be unset"))
        if old_spec.get("cluster") and new_spec.get("cluster") not in (None, "", old_spec["cluster"]):
            # `self == oldSelf`; cached path resolutions rely on it (paths.resolves_through)
            causes.append(_rule_broken("spec.cluster", "string", "cluster is immutable"))
        old_type, new_type = old_spec.get("type"), new_spec.get("type")
        if isinstance(old_type, dict) and isinstance(new_type, dict):
            if new_type.get("name") != old_type.get("name"):
                causes.append(_rule_broken("spec.type", "object", "name is immutable"))
            if ("path" in old_type, old_type.get("path")) != ("path" in new_type, new_type.get("path")):
                causes.append(_rule_broken("spec.type", "object", "path is immutable"))
        return causes

    async def admit(self, store: Store, scope: RequestScope, obj: Object, old: Object | None) -> None:
        if store.tenancy is not None:
            await store.tenancy.admit_workspace(scope, obj, old)

    def creating(
        self, store: Store, scope: RequestScope, obj: Object
    ) -> AbstractAsyncContextManager[Companions]:
        if store.tenancy is None or store.tenancy.scheduler is None:
            return contextlib.nullcontext([])
        return store.tenancy.scheduler.schedule(scope, obj)

    def printer_columns(self) -> list[dict[str, Any]] | None:
        return WORKSPACE_COLUMNS


class WorkspaceTypeStrategy(KcpKindStrategy):
    # the CRD also says `not: {enum: [any, system]}`; kcp's reserved-names admission refuses those first
    kcp_schema: ClassVar[dict[str, Any]] = _kcp_schema(_NAME)
    has_status_subresource = True
    tracks_generation = True

    def default(self, obj: Object) -> None:
        """kcp's schema default: children of a type that names no default child are root:universal.
        Like any CRD default it applies inside a spec that is there, not to a type without spec."""
        spec = obj.get("spec")
        if isinstance(spec, dict) and spec.get("defaultChildWorkspaceType") is None:
            spec["defaultChildWorkspaceType"] = {"name": "universal", "path": "root"}

    def prepare_for_create(self, obj: Object) -> None:
        """kcp's reserved-names admission, a mutating one: it answers before any validation."""
        name = obj["metadata"].get("name")
        if name in RESERVED_TYPE_NAMES:
            raise Forbidden(
                f'workspacetypes.{self.resource.group} "{name}" is forbidden: '
                f'metadata.name: Invalid value: "{name}": name is reserved',
                name=str(name),
                group=self.resource.group,
                kind=self.resource.resource,
            )

    def validate(self, obj: Object) -> list[Cause]:
        return self._validate(obj, None)

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        return self._validate(new, old)

    def _validate(self, obj: Object, old: Object | None) -> list[Cause]:
        """kcp's schema checks (name and type name patterns, exactly one of none/types, no empty types
        list), ratcheting on update as kube does: a spec stored before may keep what it had."""
        spec = obj.get("spec")
        if spec is not None and not isinstance(spec, dict):
            return [Cause("FieldValueInvalid", "Invalid value: must be an object", "spec")]
        assert self.compiled_schema is not None  # built-in kinds all have one
        previous = None if old is None else {"spec": old.get("spec")}
        causes = self.compiled_schema.validate({"spec": spec}, previous) if spec else []
        labels = _label_causes((spec or {}).get("additionalWorkspaceLabels") or {})
        return self.schema_causes(obj) + causes + labels


def _rule_broken(path: str, schema_type: str, message: str) -> Cause:
    """A failed CEL rule as the apiserver words it: the value shown is the schema type."""
    return Cause("FieldValueInvalid", f'Invalid value: "{schema_type}": {message}', path)


def _label_causes(labels: dict[str, Any]) -> list[Cause]:
    """Labels a type stamps on its workspaces must be valid labels: admission adds them after the
    workspace itself was validated."""
    path = "spec.additionalWorkspaceLabels"
    causes = [
        Cause("FieldValueInvalid", f'Invalid value: "{k}": {e}', path)
        for k in labels
        for e in label_key_errors(k)
    ]
    return causes + [
        Cause("FieldValueInvalid", f'Invalid value: "{v}": {e}', f"{path}[{k}]")
        for k, v in labels.items()
        for e in label_value_errors(str(v))
    ]


class LogicalClusterStrategy(KcpKindStrategy):
    kcp_schema: ClassVar[dict[str, Any]] = _kcp_schema({"type": "string", "enum": [LOGICALCLUSTER_NAME]})
    has_status_subresource = True

    def default(self, obj: Object) -> None:
        """What kcp's LogicalCluster reconciler keeps in step with the status, kept here on each write
        so no write can leave them apart: once marked for deletion the phase is Terminating while
        terminators remain, then Deleting; the phase label; a hashed label per initializer and
        terminator still due (what the lifecycle views select on); and the `kcp.io/has-terminators`
        finalizer, which holds the cluster while any terminator remains."""
        meta, status = obj["metadata"], obj.get("status") or {}
        terminators = list(status.get("terminators") or [])
        if meta.get("deletionTimestamp") and status:
            status["phase"] = "Terminating" if terminators else "Deleting"
        labels = {
            k: v
            for k, v in (meta.get("labels") or {}).items()
            if not k.startswith((INITIALIZER_LABEL_PREFIX, TERMINATOR_LABEL_PREFIX))
        }
        labels.update(lifecycle_label(INITIALIZER_LABEL_PREFIX, i) for i in status.get("initializers") or [])
        labels.update(lifecycle_label(TERMINATOR_LABEL_PREFIX, t) for t in terminators)
        if status.get("phase"):
            labels[PHASE_LABEL] = status["phase"]
        if labels or "labels" in meta:
            meta["labels"] = labels
        finalizers = list(meta.get("finalizers") or [])
        if terminators and TERMINATORS_FINALIZER not in finalizers:
            meta["finalizers"] = [*finalizers, TERMINATORS_FINALIZER]
        elif not terminators and TERMINATORS_FINALIZER in finalizers:
            meta["finalizers"] = [f for f in finalizers if f != TERMINATORS_FINALIZER]

    def prepare_for_delete(self, obj: Object) -> None:
        self.default(obj)

    def validate(self, obj: Object) -> list[Cause]:
        return self.schema_causes(obj)

    async def admit(self, store: Store, scope: RequestScope, obj: Object, old: Object | None) -> None:
        check_annotation(scope.user, obj, old)
        if store.tenancy is not None:
            await store.tenancy.admit_logical_cluster(scope, obj, old)

    async def updated(self, store: Store, scope: RequestScope, obj: Object) -> None:
        """The object limit follows the annotation and the phase: its count kept while one applies."""
        if store.limit is not None and scope.cluster != "*":
            await store.limit.sync(scope.cluster, obj)

    async def deleted(self, store: Store, scope: RequestScope, obj: Object) -> None:
        if store.limit is not None and scope.cluster != "*":
            await store.limit.sync(scope.cluster, None)

    async def admit_delete(self, store: Store, scope: RequestScope, obj: Object) -> None:
        if store.tenancy is not None:
            await store.tenancy.admit_logical_cluster_delete(scope, obj)

    def printer_columns(self) -> list[dict[str, Any]] | None:
        return [
            {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
            {"name": "URL", "type": "string", "jsonPath": ".status.URL"},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
        ]
