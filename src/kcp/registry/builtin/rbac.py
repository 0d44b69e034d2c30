"""rbac.authorization.k8s.io/v1: roles and bindings, with kube's escalation protections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kcp.apimachinery.errors import Cause
from kcp.apimachinery.meta import dns1123_subdomain_errors
from kcp.apimachinery.resources import APIResource
from kcp.registry.strategy import Object, Strategy
from kcp.schema.fielderrors import invalid, not_supported, required

if TYPE_CHECKING:
    from kcp.registry.options import RequestScope
    from kcp.registry.store import Store

G = "rbac.authorization.k8s.io"
ROLES = APIResource(G, "v1", "roles", "Role", True, "role")
CLUSTERROLES = APIResource(G, "v1", "clusterroles", "ClusterRole", False, "clusterrole")
ROLEBINDINGS = APIResource(G, "v1", "rolebindings", "RoleBinding", True, "rolebinding")
CLUSTERROLEBINDINGS = APIResource(
    G, "v1", "clusterrolebindings", "ClusterRoleBinding", False, "clusterrolebinding"
)


def _rule_causes(obj: Object) -> list[Cause]:
    causes: list[Cause] = []
    rules = obj.get("rules")
    if rules is None:
        return causes
    if not isinstance(rules, list):
        return [Cause("FieldValueInvalid", "Invalid value: must be a list", "rules")]
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            causes.append(Cause("FieldValueInvalid", "Invalid value: must be an object", f"rules[{i}]"))
            continue
        if not rule.get("verbs"):
            causes.append(
                Cause(
                    "FieldValueRequired",
                    "Required value: verbs must contain at least one value",
                    f"rules[{i}].verbs",
                )
            )
        if rule.get("nonResourceURLs") and (rule.get("resources") or rule.get("apiGroups")):
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    "Invalid value: rules cannot apply to both regular resources and non-resource URLs",
                    f"rules[{i}].nonResourceURLs",
                )
            )
        elif not rule.get("nonResourceURLs") and not rule.get("resources"):
            causes.append(
                Cause(
                    "FieldValueRequired",
                    "Required value: resource rules must supply at least one resource",
                    f"rules[{i}].resources",
                )
            )
    return causes


def _subject_causes(subject: Object, path: str, namespaced: bool) -> list[Cause]:
    """kube's ValidateRoleBindingSubject: a ServiceAccount needs a valid name (and, bound cluster-wide,
    a namespace) and no apiGroup; Users and Groups are in rbac's group."""
    causes: list[Cause] = []
    name, kind, group = subject.get("name") or "", subject.get("kind") or "", subject.get("apiGroup") or ""
    if not name:
        causes.append(required(f"{path}.name", ""))
    if kind == "ServiceAccount":
        if name:
            causes += [invalid(f"{path}.name", name, e) for e in dns1123_subdomain_errors(name)]
        if group:
            causes.append(not_supported(f"{path}.apiGroup", group, [""]))
        if not namespaced and not subject.get("namespace"):
            causes.append(required(f"{path}.namespace", ""))
    elif kind in ("User", "Group"):
        if group != G:
            causes.append(not_supported(f"{path}.apiGroup", group, [G]))
    else:
        causes.append(not_supported(f"{path}.kind", kind, ["ServiceAccount", "User", "Group"]))
    return causes


class RoleStrategy(Strategy):
    name_rule = "path"

    def validate(self, obj: Object) -> list[Cause]:
        return _rule_causes(obj)

    async def admit(self, store: Store, scope: RequestScope, obj: Object, old: Object | None) -> None:
        if store.escalation is not None:
            await store.escalation.check_role(scope, obj, old)


class BindingStrategy(Strategy):
    name_rule = "path"

    def validate(self, obj: Object) -> list[Cause]:
        causes: list[Cause] = []
        ref = obj.get("roleRef")
        if not isinstance(ref, dict):
            return [Cause("FieldValueRequired", "Required value", "roleRef")]
        if ref.get("apiGroup") != G:
            causes.append(
                Cause(
                    "FieldValueNotSupported",
                    f'Unsupported value: "{ref.get("apiGroup")}": supported values: "{G}"',
                    "roleRef.apiGroup",
                )
            )
        kinds = ("Role", "ClusterRole") if self.resource.namespaced else ("ClusterRole",)
        if ref.get("kind") not in kinds:
            supported = ", ".join(f'"{k}"' for k in kinds)
            causes.append(
                Cause(
                    "FieldValueNotSupported",
                    f'Unsupported value: "{ref.get("kind")}": supported values: {supported}',
                    "roleRef.kind",
                )
            )
        if not ref.get("name"):
            causes.append(Cause("FieldValueRequired", "Required value", "roleRef.name"))
        for i, subject in enumerate(obj.get("subjects") or []):
            if isinstance(subject, dict):
                causes += _subject_causes(subject, f"subjects[{i}]", self.resource.namespaced)
        return causes

    def default(self, obj: Object) -> None:
        """kube's v1 defaults: a User or Group subject without an apiGroup is in rbac's."""
        for subject in obj.get("subjects") or []:
            if (
                isinstance(subject, dict)
                and subject.get("kind") in ("User", "Group")
                and not subject.get("apiGroup")
            ):
                subject["apiGroup"] = G

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        causes = self.validate(new)
        if new.get("roleRef") != old.get("roleRef"):
            causes.append(Cause("FieldValueInvalid", "Invalid value: cannot change roleRef", "roleRef"))
        return causes

    async def admit(self, store: Store, scope: RequestScope, obj: Object, old: Object | None) -> None:
        if store.escalation is not None:
            await store.escalation.check_binding(scope, obj, old)
