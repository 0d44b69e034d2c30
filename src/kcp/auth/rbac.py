"""RBAC evaluated from stored Role/ClusterRole/binding dicts, and kube's escalation prevention.

Pure: a snapshot is built from one logical cluster's RBAC objects (plus, as in kcp, the cluster
roles every workspace inherits from the bootstrap policy) and answers without I/O. The escalation
checks ask their `EscalationSource` (the server's authorizer) for a snapshot and one decision.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from kcp.apimachinery.errors import Forbidden
from kcp.apimachinery.labels import go_quote, selector_from_dict
from kcp.apimachinery.user import UserInfo
from kcp.auth.attributes import Attributes, Decision

RBAC_GROUP = "rbac.authorization.k8s.io"
Rule = dict[str, Any]  # a PolicyRule as stored: verbs, apiGroups, resources, resourceNames, nonResourceURLs
FULL_AUTHORITY: tuple[Rule, ...] = (
    {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
    {"nonResourceURLs": ["*"], "verbs": ["*"]},
)
# Metadata the garbage collector or the Store itself changes; an update touching only these
# grants nothing new, so kube (IsOnlyMutatingGCFields) skips the escalation check for it.
_BOOKKEEPING = ("ownerReferences", "finalizers", "managedFields", "resourceVersion", "generation")


def _strs(rule: Mapping[str, Any], key: str) -> list[str]:
    return list(rule.get(key) or ())


def rule_allows(rule: Mapping[str, Any], attrs: Attributes) -> bool:
    """Whether one PolicyRule grants the request (kube's RuleAllows)."""
    verbs = _strs(rule, "verbs")
    if "*" not in verbs and attrs.verb not in verbs:
        return False
    if not attrs.resource_request:
        return any(_url_covers(url, attrs.path) for url in _strs(rule, "nonResourceURLs"))
    groups = _strs(rule, "apiGroups")
    if "*" not in groups and attrs.api_group not in groups:
        return False
    names = _strs(rule, "resourceNames")
    if names and attrs.name not in names:
        return False
    wanted = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    for res in _strs(rule, "resources"):
        if res in ("*", wanted) or (attrs.subresource and res == f"*/{attrs.subresource}"):
            return True
    return False


def _url_covers(owner: str, path: str) -> bool:
    return owner in ("*", path) or (owner.endswith("*") and path.startswith(owner.rstrip("*")))


def subject_matches(subject: Mapping[str, Any], user: UserInfo, namespace: str) -> bool:
    """Whether a binding subject names the user; a ServiceAccount without namespace means `namespace`."""
    kind, name = subject.get("kind"), subject.get("name", "")
    if kind == "User":
        return bool(user.name == name)
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        sa_namespace = subject.get("namespace") or namespace
        return bool(sa_namespace) and user.name == f"system:serviceaccount:{sa_namespace}:{name}"
    return False


def _describe_subject(subject: Mapping[str, Any], namespace: str) -> str:
    name = str(subject.get("name", ""))
    if subject.get("kind") == "ServiceAccount":
        name = f"{name}/{subject.get('namespace') or namespace}"
    return f"{subject.get('kind')} {go_quote(name)}"


_Grant = tuple[Mapping[str, Any], Mapping[str, Any], str]  # binding, matching subject, its namespace


def _source(grant: _Grant) -> str:
    """kube's description of the binding that allowed a request; built only for the one that did."""
    binding, subject, ns = grant
    ref = binding.get("roleRef") or {}
    name = str(_meta(binding).get("name", ""))
    what = f"RoleBinding {go_quote(f'{name}/{ns}')}" if ns else f"ClusterRoleBinding {go_quote(name)}"
    role = f"{ref.get('kind')} {go_quote(str(ref.get('name', '')))}"
    return f"{what} of {role} to {_describe_subject(subject, ns)}"


def _aggregate(errors: Sequence[str]) -> str:
    """utilerrors.NewAggregate's text: one message bare, several bracketed."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


class RBACSnapshot:
    """One logical cluster's RBAC objects, indexed for evaluation.

    `inherit` is the policy every logical cluster shares (kcp's bootstrap policy): its bindings
    apply here too, and local bindings may reference its cluster roles (kcp's merged lister,
    local first). Snapshots are immutable; build a new one when an RBAC object changes.
    """

    def __init__(
        self,
        roles: Sequence[Mapping[str, Any]] = (),
        cluster_roles: Sequence[Mapping[str, Any]] = (),
        role_bindings: Sequence[Mapping[str, Any]] = (),
        cluster_role_bindings: Sequence[Mapping[str, Any]] = (),
        *,
        inherit: RBACSnapshot | None = None,
    ) -> None:
        self._roles = {(_meta(r).get("namespace", ""), _meta(r).get("name", "")): r for r in roles}
        self.cluster_roles: dict[str, Mapping[str, Any]] = {
            _meta(r).get("name", ""): r for r in cluster_roles
        }
        self._bindings: dict[str, list[Mapping[str, Any]]] = {}
        for binding in role_bindings:
            self._bindings.setdefault(_meta(binding).get("namespace", ""), []).append(binding)
        self._cluster_bindings = list(cluster_role_bindings)
        self._inherit = inherit

    def role_rules(self, role_ref: Mapping[str, Any], namespace: str) -> tuple[list[Rule], str]:
        """The rules a roleRef grants in `namespace`, or an error text (kube's GetRoleReferenceRules)."""
        kind, name = role_ref.get("kind"), str(role_ref.get("name", ""))
        if kind == "Role":
            role = self._roles.get((namespace, name))
            missing = f"role.{RBAC_GROUP} {go_quote(name)} not found"
        elif kind == "ClusterRole":
            role = self._cluster_role(name)
            missing = f"clusterrole.{RBAC_GROUP} {go_quote(name)} not found"
        else:
            return [], f"unsupported role reference kind: {go_quote(str(kind))}"
        if role is None:
            return [], missing
        return list(role.get("rules") or ()), ""

    def _cluster_role(self, name: str) -> Mapping[str, Any] | None:
        role = self.cluster_roles.get(name)
        if role is None and self._inherit is not None:
            return self._inherit._cluster_role(name)
        return role

    def _visit(self, user: UserInfo, namespace: str) -> Iterator[tuple[_Grant | None, Rule | None, str]]:
        """(grant, rule, error) for every rule that applies, inherited policy first."""
        if self._inherit is not None:
            yield from self._inherit._visit(user, namespace)
        scopes: list[tuple[str, list[Mapping[str, Any]]]] = [("", self._cluster_bindings)]
        if namespace:
            scopes.append((namespace, self._bindings.get(namespace, [])))
        for ns, bindings in scopes:
            for binding in bindings:
                subject = next(
                    (s for s in binding.get("subjects") or () if subject_matches(s, user, ns)), None
                )
                if subject is None:
                    continue
                rules, error = self.role_rules(binding.get("roleRef") or {}, ns)
                if error:
                    yield None, None, error
                    continue
                grant = (binding, subject, ns)
                for rule in rules:
                    yield grant, rule, ""

    def authorize(self, attrs: Attributes) -> tuple[Decision, str]:
        """ALLOW naming the first binding that grants the request, else NO_OPINION (RBAC never denies)."""
        errors: list[str] = []
        for grant, rule, error in self._visit(attrs.user, attrs.namespace):
            if grant is not None and rule is not None and rule_allows(rule, attrs):
                return Decision.ALLOW, f"RBAC: allowed by {_source(grant)}"
            if error:
                errors.append(error)
        return Decision.NO_OPINION, f"RBAC: {_aggregate(errors)}" if errors else ""

    def policy_rules(self, user: UserInfo, namespace: str) -> list[Rule]:
        """Every PolicyRule the user holds in `namespace` (cluster-wide ones included)."""
        return [rule for _, rule, _ in self._visit(user, namespace) if rule is not None]

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[Rule], list[Rule]]:
        """SelfSubjectRulesReview's resourceRules and nonResourceRules, in its wire shape."""
        resource_rules: list[Rule] = []
        non_resource_rules: list[Rule] = []
        for rule in self.policy_rules(user, namespace):
            if rule.get("resources"):
                out: Rule = {"verbs": _strs(rule, "verbs")}
                for key in ("apiGroups", "resources", "resourceNames"):
                    if rule.get(key):
                        out[key] = _strs(rule, key)
                resource_rules.append(out)
            if rule.get("nonResourceURLs"):
                non_resource_rules.append(
                    {"verbs": _strs(rule, "verbs"), "nonResourceURLs": _strs(rule, "nonResourceURLs")}
                )
        return resource_rules, non_resource_rules


def _breakdown(rule: Mapping[str, Any]) -> Iterator[Rule]:
    """One rule per group x resource x verb (x name), and per URL x verb (kube's BreakdownRule)."""
    verbs = _strs(rule, "verbs")
    for group in _strs(rule, "apiGroups"):
        for resource in _strs(rule, "resources"):
            for verb in verbs:
                base: Rule = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                names = _strs(rule, "resourceNames")
                if not names:
                    yield base
                for name in names:
                    yield {**base, "resourceNames": [name]}
    for url in _strs(rule, "nonResourceURLs"):
        for verb in verbs:
            yield {"nonResourceURLs": [url], "verbs": [verb]}


def _rule_covers(owner: Mapping[str, Any], sub: Rule) -> bool:
    """Whether one owner rule covers one broken-down rule (kube's ruleCovers)."""
    verbs, groups = _strs(owner, "verbs"), _strs(owner, "apiGroups")
    if not ("*" in verbs or all(v in verbs for v in _strs(sub, "verbs"))):
        return False
    if not ("*" in groups or all(g in groups for g in _strs(sub, "apiGroups"))):
        return False
    resources = _strs(owner, "resources")
    if "*" not in resources:
        for res in _strs(sub, "resources"):
            if res not in resources and ("/" not in res or f"*/{res.split('/', 1)[1]}" not in resources):
                return False
    urls = _strs(owner, "nonResourceURLs")
    if not all(any(_url_covers(o, u) for o in urls) for u in _strs(sub, "nonResourceURLs")):
        return False
    owner_names, sub_names = _strs(owner, "resourceNames"), _strs(sub, "resourceNames")
    return not owner_names or (bool(sub_names) and all(n in owner_names for n in sub_names))


def covers(
    owner_rules: Sequence[Mapping[str, Any]], requested_rules: Sequence[Mapping[str, Any]]
) -> tuple[bool, list[Rule]]:
    """Whether the owner holds every permission requested, and the atomic rules it lacks."""
    missing = [
        sub
        for rule in requested_rules
        for sub in _breakdown(rule)
        if not any(_rule_covers(owner, sub) for owner in owner_rules)
    ]
    return not missing, missing


def _compact(rules: Sequence[Rule]) -> list[Rule]:
    """Merge the verbs of single group/resource rules (kube's CompactRules), for a readable message."""
    out: list[Rule] = []
    simple: dict[tuple[str, str], Rule] = {}
    for rule in rules:
        groups, resources = _strs(rule, "apiGroups"), _strs(rule, "resources")
        if set(rule) <= {"apiGroups", "resources", "verbs"} and len(groups) == 1 and len(resources) == 1:
            key = (groups[0], resources[0])
            if key in simple:
                simple[key]["verbs"] = simple[key]["verbs"] + _strs(rule, "verbs")
            else:
                simple[key] = copy.deepcopy(rule)
        else:
            out.append(rule)
    return out + list(simple.values())


def compact_string(rule: Mapping[str, Any]) -> str:
    """kube's CompactString: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`."""
    parts = []
    for key, label in (
        ("apiGroups", "APIGroups"),
        ("resources", "Resources"),
        ("nonResourceURLs", "NonResourceURLs"),
        ("resourceNames", "ResourceNames"),
        ("verbs", "Verbs"),
    ):
        values = _strs(rule, key)
        if values:
            parts.append(f"{label}:[{' '.join(go_quote(v) for v in values)}]")
    return "{" + ", ".join(parts) + "}"


class EscalationSource(Protocol):
    """What the escalation checks ask of the server's authorizer."""

    async def snapshot(self, cluster: str) -> RBACSnapshot:
        """The cluster's RBAC, inheriting the bootstrap policy, so owner rules include both."""
        ...

    async def allowed(self, attrs: Attributes) -> tuple[bool, str]:
        """The full authorizer chain's answer for the `escalate` / `bind` checks."""
        ...


def _forbidden(resource: str, name: str, why: str) -> Forbidden:
    return Forbidden(
        f"{resource}.{RBAC_GROUP} {go_quote(name)} is forbidden: {why}",
        name=name,
        group=RBAC_GROUP,
        kind=resource,
    )


def _confirm_no_escalation(
    owner: Sequence[Rule], rules: Sequence[Rule], user: UserInfo, resource: str, name: str
) -> None:
    """Raise kube's ConfirmNoEscalation Forbidden unless `owner` covers `rules`."""
    ok, missing = covers(owner, rules)
    if not ok:
        held = sorted({compact_string(r) for r in _compact(missing)})
        groups = "[" + " ".join(go_quote(g) for g in user.groups) + "]"
        raise _forbidden(
            resource,
            name,
            f"user {go_quote(user.name)} (groups={groups}) is attempting to grant "
            "RBAC permissions not currently held:\n" + "\n".join(held),
        )


def _only_bookkeeping_changed(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> bool:
    if old is None:
        return False

    def strip(obj: Mapping[str, Any]) -> dict[str, Any]:
        meta = {k: v for k, v in _meta(obj).items() if k not in _BOOKKEEPING}
        return {**obj, "metadata": meta}

    return strip(new) == strip(old)


def _has_aggregation(role: Mapping[str, Any] | None) -> bool:
    return bool(role and (role.get("aggregationRule") or {}).get("clusterRoleSelectors"))


async def check_role_escalation(
    source: EscalationSource,
    user: UserInfo,
    cluster: str,
    role: Mapping[str, Any],
    old: Mapping[str, Any] | None = None,
) -> None:
    """A Role/ClusterRole write must grant only what the writer holds, unless they may `escalate` it.

    Setting (or removing) an aggregationRule needs full authority, since it can gather anything.
    """
    if user.is_master or _only_bookkeeping_changed(role, old):
        return
    resource = "clusterroles" if role.get("kind") == "ClusterRole" else "roles"
    name = str(_meta(role).get("name", ""))
    namespace = str(_meta(role).get("namespace", "")) if resource == "roles" else ""
    escalate = Attributes(
        user,
        "escalate",
        namespace,
        RBAC_GROUP,
        "*",
        resource,
        name=name,
        resource_request=True,
        cluster=cluster,
    )
    if (await source.allowed(escalate))[0]:
        return
    owner = (await source.snapshot(cluster)).policy_rules(user, namespace)
    _confirm_no_escalation(owner, list(role.get("rules") or ()), user, resource, name)
    if (_has_aggregation(role) or _has_aggregation(old)) and not covers(owner, FULL_AUTHORITY)[0]:
        raise _forbidden(resource, name, "must have cluster-admin privileges to use the aggregationRule")


async def check_binding_escalation(
    source: EscalationSource,
    user: UserInfo,
    cluster: str,
    binding: Mapping[str, Any],
    old: Mapping[str, Any] | None = None,
) -> None:
    """A (Cluster)RoleBinding needs `bind` on its role, or the writer must hold all the role grants."""
    if user.is_master or _only_bookkeeping_changed(binding, old):
        return
    resource = "clusterrolebindings" if binding.get("kind") == "ClusterRoleBinding" else "rolebindings"
    name = str(_meta(binding).get("name", ""))
    namespace = str(_meta(binding).get("namespace", "")) if resource == "rolebindings" else ""
    ref = binding.get("roleRef") or {}
    role_resource = {"ClusterRole": "clusterroles", "Role": "roles"}.get(str(ref.get("kind")))
    if role_resource is not None:
        bind = Attributes(
            user,
            "bind",
            namespace,
            str(ref.get("apiGroup", "")),
            resource=role_resource,
            name=str(ref.get("name", "")),
            resource_request=True,
            cluster=cluster,
        )
        if (await source.allowed(bind))[0]:
            return
    snap = await source.snapshot(cluster)
    rules, error = snap.role_rules(ref, namespace)
    if error:
        raise _forbidden(resource, name, error)
    _confirm_no_escalation(snap.policy_rules(user, namespace), rules, user, resource, name)


def aggregate_cluster_role(
    target: Mapping[str, Any], all_cluster_roles: Sequence[Mapping[str, Any]]
) -> list[Rule]:
    """The rules an aggregated ClusterRole should hold: the union, in name order per selector, of
    the rules of every other ClusterRole its clusterRoleSelectors match (kube's aggregation controller).

    Raises ValueError for an invalid selector, as LabelSelectorAsSelector does.
    """
    own = _meta(target).get("name")
    rules: list[Rule] = []
    for term in (target.get("aggregationRule") or {}).get("clusterRoleSelectors") or ():
        selector = selector_from_dict(term)
        matched = [r for r in all_cluster_roles if selector.matches(_meta(r).get("labels") or {})]
        for role in sorted(matched, key=lambda r: str(_meta(r).get("name", ""))):
            if _meta(role).get("name") == own:
                continue
            for rule in role.get("rules") or ():
                if rule not in rules:
                    rules.append(copy.deepcopy(rule))
    return rules
