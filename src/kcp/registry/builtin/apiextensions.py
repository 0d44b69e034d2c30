"""apiextensions.k8s.io/v1 CustomResourceDefinition: validated, then served at once in its cluster."""

from __future__ import annotations

import re
from typing import Any

from kcp.apimachinery.errors import Cause
from kcp.apimachinery.labels import go_quote
from kcp.apimachinery.meta import dns1123_label_errors, dns1123_subdomain_errors, now_rfc3339, set_condition
from kcp.apimachinery.resources import APIResource
from kcp.registry.strategy import Object, Strategy
from kcp.schema import crd_schema_causes
from kcp.schema.fielderrors import JSONText, invalid
from kcp.schema.selectablefields import selectable_field_causes

G = "apiextensions.k8s.io"
CRDS = APIResource(
    G,
    "v1",
    "customresourcedefinitions",
    "CustomResourceDefinition",
    False,
    "customresourcedefinition",
    ("crd", "crds"),
    ("api-extensions",),
    subresources=("status",),
)
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_VERSION = re.compile(r"v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?|[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def _names_causes(names: Any) -> list[Cause]:
    if not isinstance(names, dict):
        return [Cause("FieldValueRequired", "Required value", "spec.names")]
    causes: list[Cause] = []
    for field in ("plural", "singular", "kind", "listKind"):
        value = names.get(field)
        if field in ("plural", "kind") and not value:
            causes.append(Cause("FieldValueRequired", "Required value", f"spec.names.{field}"))
        elif value and field in ("plural", "singular"):
            causes += [
                Cause("FieldValueInvalid", f'Invalid value: "{value}": {e}', f"spec.names.{field}")
                for e in dns1123_label_errors(value)
            ]
        elif value and not _KIND.fullmatch(value):
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    f'Invalid value: "{value}": may have mixed case, '
                    "but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?",
                    f"spec.names.{field}",
                )
            )
    for i, short in enumerate(names.get("shortNames") or []):
        causes += [
            Cause("FieldValueInvalid", f'Invalid value: "{short}": {e}', f"spec.names.shortNames[{i}]")
            for e in dns1123_label_errors(str(short))
        ]
    return causes


def version_schema(crd: Object, version: str) -> dict[str, Any] | None:
    for v in crd["spec"].get("versions") or []:
        if v.get("name") == version:
            schema = (v.get("schema") or {}).get("openAPIV3Schema")
            return schema if isinstance(schema, dict) else None
    return None


CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
_STORED = "status.storedVersions"


def stored_version_causes(stored: list[Any], versions: list[Any]) -> list[Cause]:
    """kube's ValidateCustomResourceDefinitionStoredVersions, on create and on update of the CRD.

    Objects may still be persisted in any version named in storedVersions: dropping one from
    spec.versions would leave them unreadable, so only a storage migration (which rewrites them and
    then edits storedVersions through /status, where this is not checked) may retire a version.
    """
    if not stored:
        return [invalid(_STORED, JSONText("[]string(nil)"), "must have at least one stored version")]
    left = {str(name): i for i, name in enumerate(stored)}  # a repeated name keeps its last index
    causes: list[Cause] = []
    for v in versions:
        name = str(v.get("name", "")) if isinstance(v, dict) else ""
        if isinstance(v, dict) and v.get("storage") and name not in left:
            shown = JSONText("[]string{" + ", ".join(go_quote(str(s)) for s in stored) + "}")
            causes.append(invalid(_STORED, shown, f"must have the storage version {name}"))
        left.pop(name, None)
    for name, i in sorted(left.items(), key=lambda item: item[1]):
        detail = (
            f"missing from spec.versions; {name} was previously a storage version, and must remain in "
            f"spec.versions until a storage migration ensures no data remains persisted in {name} and "
            f"removes {name} from status.storedVersions"
        )
        causes.append(invalid(f"{_STORED}[{i}]", name, detail))
    return causes


class CRDStrategy(Strategy):
    has_status_subresource = True
    tracks_generation = True
    finalizer_on_delete = CLEANUP_FINALIZER  # controllers/crdcleanup.py deletes the custom resources
    core_finalizers = False

    def prepare_for_delete(self, obj: Object) -> None:
        status = obj.setdefault("status", {})
        status["conditions"] = set_condition(
            status.get("conditions") or [],
            "Terminating",
            "True",
            "InstanceDeletionPending",
            "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
        )

    def prepare_for_create(self, obj: Object) -> None:
        self._default(obj)
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        names = dict(spec.get("names") or {})
        now = now_rfc3339()
        obj["status"] = {
            "conditions": [
                {
                    "type": "NamesAccepted",
                    "status": "True",
                    "reason": "NoConflicts",
                    "message": "no conflicts found",
                    "lastTransitionTime": now,
                },
                {
                    "type": "Established",
                    "status": "True",
                    "reason": "InitialNamesAccepted",
                    "message": "the initial names have been accepted",
                    "lastTransitionTime": now,
                },
            ],
            "acceptedNames": names,
            # the first storage version only, as kube: a second one is then refused by validation
            "storedVersions": [
                v["name"] for v in spec.get("versions") or [] if isinstance(v, dict) and v.get("storage")
            ][:1],
        }

    def prepare_for_update(self, new: Object, old: Object, subresource: str = "") -> None:
        self._default(new)
        spec = new.get("spec")
        if isinstance(spec, dict) and isinstance(new.get("status"), dict):
            status = new["status"]
            status["acceptedNames"] = dict(spec.get("names") or {})
            stored = list(status.get("storedVersions") or [])
            for v in spec.get("versions") or []:
                if isinstance(v, dict) and v.get("storage") and v.get("name") not in stored:
                    stored.append(v["name"])
            status["storedVersions"] = stored

    @staticmethod
    def _default(obj: Object) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        names = spec.get("names")
        if isinstance(names, dict) and names.get("kind"):
            names.setdefault("singular", str(names["kind"]).lower())
            names.setdefault("listKind", f"{names['kind']}List")
        spec.setdefault("conversion", {"strategy": "None"})
        for v in spec.get("versions") or []:
            if isinstance(v, dict):
                v.setdefault("served", True)
                v.setdefault("storage", False)

    def validate(self, obj: Object) -> list[Cause]:
        return self._spec_causes(obj) + self._stored_version_causes(obj)

    def _spec_causes(self, obj: Object) -> list[Cause]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [Cause("FieldValueRequired", "Required value", "spec")]
        causes: list[Cause] = []
        group = spec.get("group") or ""
        if not group:
            causes.append(Cause("FieldValueRequired", "Required value", "spec.group"))
        else:
            causes += [
                Cause("FieldValueInvalid", f'Invalid value: "{group}": {e}', "spec.group")
                for e in dns1123_subdomain_errors(group)
            ]
            if "." not in group:
                causes.append(
                    Cause(
                        "FieldValueInvalid",
                        f'Invalid value: "{group}": should be a domain with at least one dot',
                        "spec.group",
                    )
                )
        causes += _names_causes(spec.get("names"))
        names: dict[str, Any] = spec["names"] if isinstance(spec.get("names"), dict) else {}
        expected = f"{names.get('plural', '')}.{group}"
        name = obj["metadata"].get("name", "")
        if name != expected:
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
                    "metadata.name",
                )
            )
        if spec.get("scope") not in ("Namespaced", "Cluster"):
            causes.append(
                Cause(
                    "FieldValueNotSupported",
                    f'Unsupported value: "{spec.get("scope")}": supported values: "Cluster", "Namespaced"',
                    "spec.scope",
                )
            )
        versions = spec.get("versions")
        if not isinstance(versions, list) or not versions:
            causes.append(
                Cause(
                    "FieldValueRequired",
                    "Required value: must have exactly one version marked as storage version",
                    "spec.versions",
                )
            )
            return causes
        seen: set[str] = set()
        for i, v in enumerate(versions):
            if not isinstance(v, dict):
                causes.append(
                    Cause("FieldValueInvalid", "Invalid value: must be an object", f"spec.versions[{i}]")
                )
                continue
            vname = str(v.get("name", ""))
            if not _VERSION.fullmatch(vname):
                causes.append(
                    Cause(
                        "FieldValueInvalid",
                        f'Invalid value: "{vname}": a DNS-1035 label',
                        f"spec.versions[{i}].name",
                    )
                )
            if vname in seen:
                causes.append(
                    Cause(
                        "FieldValueInvalid",
                        f'Invalid value: "{vname}": must be unique',
                        f"spec.versions[{i}].name",
                    )
                )
            seen.add(vname)
            schema = (
                (v.get("schema") or {}).get("openAPIV3Schema") if isinstance(v.get("schema"), dict) else None
            )
            if schema is None:
                causes.append(
                    Cause(
                        "FieldValueRequired",
                        "Required value: schemas are required",
                        f"spec.versions[{i}].schema.openAPIV3Schema",
                    )
                )
            else:
                causes += crd_schema_causes(schema, f"spec.versions[{i}].schema.openAPIV3Schema")
            fields = v.get("selectableFields")
            causes += selectable_field_causes(fields, schema, f"spec.versions[{i}].selectableFields")
        storage = [v for v in versions if isinstance(v, dict) and v.get("storage")]
        if len(storage) != 1:
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    "Invalid value: must have exactly one version marked as storage version",
                    "spec.versions",
                )
            )
        if not any(isinstance(v, dict) and v.get("served") for v in versions):
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    "Invalid value: must have at least one version served",
                    "spec.versions",
                )
            )
        return causes

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        return self.validate_status_update(new, old) + self._stored_version_causes(new)

    def validate_status_update(self, new: Object, old: Object) -> list[Cause]:
        """Without the storedVersions check: a storage migration retires versions through /status."""
        causes = self._spec_causes(new)
        for field in ("group", "scope"):
            if new.get("spec", {}).get(field) != old.get("spec", {}).get(field):
                causes.append(
                    Cause("FieldValueInvalid", "Invalid value: field is immutable", f"spec.{field}")
                )
        return causes

    @staticmethod
    def _stored_version_causes(obj: Object) -> list[Cause]:
        spec, status = obj.get("spec"), obj.get("status")
        versions = spec.get("versions") if isinstance(spec, dict) else None
        if not isinstance(versions, list) or not versions:
            return []  # already refused: spec.versions is required
        stored = status.get("storedVersions") if isinstance(status, dict) else None
        return stored_version_causes(stored if isinstance(stored, list) else [], versions)
