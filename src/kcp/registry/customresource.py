"""Custom resources: a strategy built from one CRD version, schema compiled once per distinct schema."""

from __future__ import annotations

from typing import Any

from kcp.apimachinery.errors import Cause, MethodNotAllowed
from kcp.apimachinery.fields import json_path_extractor
from kcp.apimachinery.resources import STANDARD_VERBS, APIResource
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


class CustomResourceStrategy(Strategy):
    tracks_generation = True
    allow_unconditional_update = False
    return_deleted_object = True
    strategic_patch = False
    go_struct = False
    core_finalizers = False

    def __init__(self, resource: APIResource, version: dict[str, Any], terminating: bool = False) -> None:
        schema = (version.get("schema") or {}).get("openAPIV3Schema") or {}
        super().__init__(resource, schema)
        self.compiled: CompiledSchema = self.compiled_schema or compile_schema(schema)
        self.version = version
        self.has_status_subresource = "status" in (version.get("subresources") or {})
        self.terminating = terminating  # the CRD is being deleted: what exists may change, nothing new
        paths = [f.get("jsonPath") for f in version.get("selectableFields") or [] if isinstance(f, dict)]
        self.field_extractors = {  # spec.versions[].selectableFields, named without the leading dot
            p.removeprefix("."): json_path_extractor(p) for p in paths if isinstance(p, str)
        }

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
