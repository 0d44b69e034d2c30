"""core/v1 resourcequotas: kube's validation, canonical quantities, and a status filled on write.

Every name kube accepts in `spec.hard` is accepted, and scopes too, but only object counts are
enforced (`count/<resource>[.<group>]`, and `configmaps`, `secrets`, `resourcequotas`; see
`registry/quota.py`): without pods there is no cpu or memory to measure, and a scoped quota selects
pods, so it limits nothing here. Unlike kube, which leaves a new quota's status empty until its
controller counts, the create (and a change of spec.hard) counts at once, so the first create after
`kubectl create quota` is already checked.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from kcp.apimachinery import quantity
from kcp.apimachinery.errors import BadRequest, Cause
from kcp.apimachinery.labels import go_quote, label_key_errors
from kcp.apimachinery.quotanames import counted
from kcp.apimachinery.resources import APIResource
from kcp.logicalcluster import ClusterName
from kcp.registry.strategy import Object, Strategy
from kcp.schema.fielderrors import JSONText, invalid, required

if TYPE_CHECKING:
    from kcp.registry.options import RequestScope
    from kcp.registry.quota import QuotaAdmission
    from kcp.registry.store import Store

RESOURCEQUOTAS = APIResource(
    "", "v1", "resourcequotas", "ResourceQuota", True, "resourcequota", ("quota",), subresources=("status",)
)

_STANDARD = frozenset(
    {
        "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
        "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas", "services",
        "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "storage",
        "requests.storage", "services.nodeports", "services.loadbalancers",
    }
)  # fmt: skip
# kube's standard quota names are its standard names less the bare `storage`
_STANDARD_QUOTA = _STANDARD - {"storage"}
_INTEGER = frozenset(
    {"pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps"}
    | {"persistentvolumeclaims", "services.nodeports", "services.loadbalancers"}
)
_HUGEPAGES = ("hugepages-", "requests.hugepages-")
_EXISTS_ONLY = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "CrossNamespacePodAffinity")
_SCOPES = (*_EXISTS_ONLY, "PriorityClass")
_POD_COUNT = frozenset({"pods"})
_POD_COMPUTE = frozenset({"cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu", "requests.memory"})
_CONFLICTING = (("BestEffort", "NotBestEffort"), ("Terminating", "NotTerminating"))
_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_LISTS = (("spec", "hard"), ("status", "hard"), ("status", "used"))


class ResourceQuotaStrategy(Strategy):
    has_status_subresource = True
    quota: QuotaAdmission | None = None  # counts what a new or changed quota starts with (set by the catalog)

    def prepare_for_create(self, obj: Object) -> None:
        obj.pop("status", None)  # kube's PrepareForCreate: status is the server's
        self._canonical(obj)

    def prepare_for_update(self, new: Object, old: Object, subresource: str = "") -> None:
        self._canonical(new)

    def _canonical(self, obj: Object) -> None:
        """Quantities as kube stores them (`1000` becomes `1k`); a value that is none is a decode
        error, as kube's codec reports it."""
        for part, field in _LISTS:
            values = (obj.get(part) or {}).get(field)
            if not isinstance(values, dict):
                continue
            try:
                obj[part][field] = {k: str(quantity.from_json(v)) for k, v in values.items()}
            except quantity.QuantityError as e:
                raise BadRequest(
                    f'ResourceQuota in version "v1" cannot be handled as a ResourceQuota: {e}'
                ) from None

    async def admit(self, store: Store, scope: RequestScope, obj: Object, old: Object | None) -> None:
        """A new quota, or one whose spec.hard changed, gets status.hard and a counted status.used
        (names it already counted keep their count, which admission keeps exact)."""
        hard = (obj.get("spec") or {}).get("hard") or {}
        if self.quota is None or (old is not None and hard == ((old.get("spec") or {}).get("hard") or {})):
            return
        counts = await self.quota.usage(ClusterName(str(scope.cluster)), scope.namespace, obj)
        if old is None:  # it counts itself among the namespace's quotas once stored
            for name in counts:
                if counted(name) == ("", "resourcequotas"):
                    counts[name] = str(quantity.parse(counts[name]) + quantity.count(1))
        kept = ((old or {}).get("status") or {}).get("used") or {}
        used = {name: kept.get(name, n) for name, n in counts.items()}
        obj["status"] = {"hard": dict(hard), "used": used}

    def validate(self, obj: Object) -> list[Cause]:
        return _spec_causes(obj.get("spec") or {}) + _status_causes(obj.get("status") or {})

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        causes = _spec_causes(new.get("spec") or {})
        scopes = (new.get("spec") or {}).get("scopes") or []
        if set(scopes) != set((old.get("spec") or {}).get("scopes") or []):
            causes.append(
                invalid(
                    "spec.scopes", _go_scopes((new.get("spec") or {}).get("scopes")), "field is immutable"
                )
            )
        return causes

    def validate_status_update(self, new: Object, old: Object) -> list[Cause]:
        return _status_causes(new.get("status") or {})


def _spec_causes(spec: dict[str, Any]) -> list[Cause]:
    hard = spec.get("hard") or {}
    causes = _list_causes(hard, "spec.hard")
    scopes = spec.get("scopes") or []
    if scopes:
        causes += _scope_causes(scopes, hard, "spec.scopes", _go_scopes(spec.get("scopes")))
    selector = spec.get("scopeSelector")
    if isinstance(selector, dict):
        causes += _selector_causes(selector, hard, _go_scopes(spec.get("scopes")))
    return causes


def _status_causes(status: dict[str, Any]) -> list[Cause]:
    return _list_causes(status.get("hard") or {}, "status.hard") + _list_causes(
        status.get("used") or {}, "status.used"
    )


def _list_causes(values: dict[str, Any], path: str) -> list[Cause]:
    """ValidateResourceQuotaResourceName and ValidateResourceQuantityValue for each entry."""
    causes: list[Cause] = []
    for name, text in values.items():
        field = f"{path}[{name}]"
        causes += _name_causes(name, field)
        value = quantity.parse(text)  # canonical by now (prepare)
        if value.value < 0:
            causes.append(invalid(field, str(value), "must be greater than or equal to 0"))
        if _integer(name) and math.ceil(value.value * 1000) % 1000:
            causes.append(invalid(field, JSONText(value.go_repr), "must be an integer"))
    return causes


def _name_causes(name: str, field: str) -> list[Cause]:
    causes = [invalid(field, name, msg) for msg in label_key_errors(name)]
    if causes or "/" in name:
        return causes
    if name not in _STANDARD and not name.startswith(_HUGEPAGES):
        causes.append(invalid(field, name, "must be a standard resource type or fully qualified"))
    if name not in _STANDARD_QUOTA and not name.startswith(_HUGEPAGES):
        causes.append(invalid(field, name, "must be a standard resource for quota"))
    return causes


def _integer(name: str) -> bool:
    """IsIntegerResourceName: kube's object counts, and extended resources (`count/…` among them)."""
    if name in _INTEGER:
        return True
    native = "/" not in name or "kubernetes.io/" in name
    return not native and not name.startswith("requests.") and not label_key_errors("requests." + name)


def _scope_valid_for(scope: str, name: str) -> bool:
    if scope == "BestEffort":
        return name in _POD_COUNT
    if scope in _SCOPES:
        return name in _POD_COUNT or name in _POD_COMPUTE
    return True


def _scope_causes(scopes: list[str], hard: dict[str, Any], path: str, shown: JSONText) -> list[Cause]:
    causes: list[Cause] = []
    for scope in scopes:
        if scope not in _SCOPES:
            causes.append(invalid(path, shown, "unsupported scope"))
        for name in sorted(hard):
            if name in _STANDARD_QUOTA and not _scope_valid_for(scope, name):
                causes.append(invalid(path, shown, "unsupported scope applied to resource"))
    for pair in _CONFLICTING:
        if set(pair) <= set(scopes):
            causes.append(invalid(path, shown, "conflicting scopes"))
    return causes


def _selector_causes(selector: dict[str, Any], hard: dict[str, Any], spec_scopes: JSONText) -> list[Cause]:
    path = "spec.scopeSelector.matchExpressions"
    causes: list[Cause] = []
    scopes = []
    for req in selector.get("matchExpressions") or []:
        scope, operator, values = req.get("scopeName", ""), req.get("operator", ""), req.get("values") or []
        scopes.append(scope)
        if scope not in _SCOPES:
            causes.append(invalid(f"{path}.scopeName", scope, "unsupported scope"))
        for name in sorted(hard):
            if name in _STANDARD_QUOTA and not _scope_valid_for(scope, name):
                causes.append(invalid(path, _go_selector(selector), "unsupported scope applied to resource"))
        if scope in _EXISTS_ONLY and operator != "Exists":
            causes.append(
                invalid(
                    f"{path}.operator",
                    operator,
                    "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, "
                    "ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, "
                    "ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
                )
            )
        if operator in ("In", "NotIn") and not values:
            causes.append(
                required(
                    f"{path}.values",
                    "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
                )
            )
        elif operator in ("Exists", "DoesNotExist") and values:
            causes.append(
                invalid(
                    f"{path}.values",
                    JSONText(_go_strings(values)),
                    "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
                )
            )
        elif operator not in _OPERATORS:
            causes.append(invalid(f"{path}.operator", operator, "not a valid selector operator"))
    for pair in _CONFLICTING:
        if set(pair) <= set(scopes):
            causes.append(invalid(path, spec_scopes, "conflicting scopes"))
    return causes


def _go_strings(values: list[Any] | None, type_: str = "string") -> str:
    """%#v of a Go slice of strings: nil, or its quoted items."""
    if values is None:
        return f"[]{type_}(nil)"
    return f"[]{type_}{{" + ", ".join(go_quote(str(v)) for v in values) + "}"


def _go_scopes(scopes: list[Any] | None) -> JSONText:
    """%#v of spec.scopes, a []core.ResourceQuotaScope, as kube's field errors print a slice."""
    return JSONText(_go_strings(scopes, "core.ResourceQuotaScope"))


def _go_selector(selector: dict[str, Any]) -> JSONText:
    """%#v of a core.ScopeSelector (kube prints the struct a pointer points to)."""
    reqs = ", ".join(
        f"core.ScopedResourceSelectorRequirement{{ScopeName:{go_quote(str(r.get('scopeName', '')))}, "
        f"Operator:{go_quote(str(r.get('operator', '')))}, Values:{_go_strings(r.get('values'))}}}"
        for r in selector.get("matchExpressions") or []
    )
    return JSONText(
        f"core.ScopeSelector{{MatchExpressions:[]core.ScopedResourceSelectorRequirement{{{reqs}}}}}"
    )
