"""Custom resources: a strategy built from one CRD version, schema compiled once per distinct schema.

Every version of a CRD shares one storage key; objects are stored in the storage version. Conversion
is kube's None strategy followed by its schema coercion: only apiVersion changes, then the target
version's schema prunes what it does not specify, so a field one version keeps and the other lacks
never reaches storage through the first, nor a client of the second.
"""

from __future__ import annotations

from typing import Any

from kcp.apimachinery.errors import Cause, MethodNotAllowed
from kcp.apimachinery.fields import json_path_extractor
from kcp.apimachinery.gonumbers import integral_floats_as_ints
from kcp.apimachinery.resources import STANDARD_VERBS, APIResource
from kcp.apimachinery.serialization import clone
from kcp.apimachinery.versions import compare_versions, newest
from kcp.registry.strategy import Object, Strategy
from kcp.schema.compiled import CompiledSchema, compile_schema


def resource_for(crd: Object, version: dict[str, Any]) -> APIResource:
    spec = crd["spec"]
    names = spec["names"]
    subresources = version.get("subresources") or {}
    return APIResource(
        group=spec["group"],
        version=version["name"],
        resource=names["plural"],
        kind=names["kind"],
        namespaced=spec.get("scope") == "Namespaced",
        singular=names.get("singular", ""),
        short_names=tuple(names.get("shortNames") or ()),
        categories=tuple(names.get("categories") or ()),
        verbs=STANDARD_VERBS,
        subresources=tuple(s for s in ("status", "scale") if s in subresources),
    )


def deprecation_warning(crd: Object, version: dict[str, Any]) -> str:
    """What kube's CRD handler warns of on every request to a deprecated version ("" if it is not):
    the version's deprecationWarning, or by default `<group>/<version> <Kind> is deprecated`, naming
    the newest newer version that is served and not deprecated, if there is one."""
    if not version.get("deprecated"):
        return ""
    if version.get("deprecationWarning") is not None:
        return str(version["deprecationWarning"])
    spec = crd["spec"]
    group, kind, name = spec["group"], spec["names"]["kind"], str(version.get("name", ""))
    text = f"{group}/{name} {kind} is deprecated"
    newer = [
        str(v["name"])
        for v in spec.get("versions") or []
        if v.get("served") and not v.get("deprecated") and compare_versions(name, str(v["name"])) < 0
    ]
    return f"{text}; use {group}/{newest(newer)} {kind}" if newer else text


class CustomResourceStrategy(Strategy):
    tracks_generation = True
    allow_unconditional_update = False
    return_deleted_object = True
    strategic_patch = False
    go_struct = False
    core_finalizers = False

    def __init__(
        self,
        resource: APIResource,
        version: dict[str, Any],
        terminating: bool = False,
        storage: dict[str, Any] | None = None,
        warning: str = "",
    ) -> None:
        """`storage`: the CRD's storage version; `warning`: what each request to this version is told."""
        schema = _schema(version)
        super().__init__(resource, schema)
        self.compiled: CompiledSchema = self.compiled_schema or compile_schema(schema)
        self.version = version
        # the storage version's apiVersion and schema; None when objects are stored as this version
        # holds them, so the common case costs nothing
        self.storage_version: tuple[str, CompiledSchema] | None = None
        if storage is not None and storage.get("name") != version.get("name"):
            self.storage_version = (f"{resource.group}/{storage['name']}", compile_schema(_schema(storage)))
        self.request_warnings = (warning,) if warning else ()
        self.has_status_subresource = "status" in (version.get("subresources") or {})
        self.terminating = terminating  # the CRD is being deleted: what exists may change, nothing new
        paths = [f.get("jsonPath") for f in version.get("selectableFields") or [] if isinstance(f, dict)]
        self.field_extractors = {  # spec.versions[].selectableFields, named without the leading dot
            p.removeprefix("."): json_path_extractor(p) for p in paths if isinstance(p, str)
        }

    @classmethod
    def serving(cls, crd: Object, version: dict[str, Any]) -> CustomResourceStrategy:
        """The strategy of one served version of `crd`."""
        versions = crd["spec"].get("versions") or []
        return cls(
            resource_for(crd, version),
            version,
            terminating=bool(crd["metadata"].get("deletionTimestamp")),
            storage=next((v for v in versions if v.get("storage")), None),
            warning=deprecation_warning(crd, version),
        )

    def to_storage(self, obj: Object) -> Object:
        """Into the storage version, pruned by its schema (a copy: `obj` is still the response).
        Numbers are written as kube's encoder writes them: an integral float, sent or defaulted,
        is stored (and answered) as an integer; admission saw it as sent, as in kube."""
        if self.storage_version is None:
            return integral_floats_as_ints(obj)
        api_version, schema = self.storage_version
        return _converted(integral_floats_as_ints(clone(obj)), api_version, schema)

    def from_storage(self, obj: Object) -> Object:
        """Into this version, pruned by its schema, when stored in another (freshly decoded: in place)."""
        if obj.get("apiVersion") == self.resource.group_version:
            return obj
        return _converted(obj, self.resource.group_version, self.compiled)

    def as_read(self, obj: Object) -> Object:
        """Stored in another version, what was written comes back as a read would return it."""
        if self.storage_version is None:
            return integral_floats_as_ints(obj)
        read = self.from_storage(self.to_storage(obj))
        self.compiled.default(read)
        return read

    def prepare_for_create(self, obj: Object) -> None:
        if self.terminating:
            raise MethodNotAllowed("create not allowed while custom resource definition is terminating")

    def default(self, obj: Object) -> None:
        self.compiled.default(obj)

    def prune(self, obj: Object) -> list[str]:
        return self.compiled.prune(obj)

    def validate(self, obj: Object) -> list[Cause]:
        return self.compiled.validate(obj)

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        return self.compiled.validate(new, old)

    def printer_columns(self) -> list[dict[str, Any]] | None:
        columns = self.version.get("additionalPrinterColumns")
        return list(columns) if columns else None


def _schema(version: dict[str, Any]) -> dict[str, Any]:
    schema = (version.get("schema") or {}).get("openAPIV3Schema")
    return schema if isinstance(schema, dict) else {}


def _converted(obj: Object, api_version: str, schema: CompiledSchema) -> Object:
    """kube's None conversion, then its schema coercion with the target version's schema."""
    obj["apiVersion"] = api_version
    schema.prune(obj)
    return obj
