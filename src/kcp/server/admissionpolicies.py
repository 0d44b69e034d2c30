"""Enforcing the ValidatingAdmissionPolicies a logical cluster holds, on its writes (kube's
ValidatingAdmissionPolicy plugin: apiserver `admission/plugin/policy/validating`).

A policy applies only through a binding in the same workspace, as in kcp. As for webhooks, which
clusters hold any policy or binding is a set kept by one storage watch, so a write elsewhere pays a
set lookup; the policies of recently used clusters are cached in a bounded LRU, and expressions are
compiled once per distinct text (schema/cel_admission.py). Params are read from the workspace's own
objects of the policy's paramKind. The `authorizer` variable answers from the workspace's RBAC
snapshot, fetched once per request before any expression runs (server/celauthorizer.py).
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from kcp.apimachinery import errors
from kcp.apimachinery.labels import selector_from_dict
from kcp.logicalcluster import ClusterName, cluster_of_key, object_key, object_prefix
from kcp.registry.admission import Attributes
from kcp.registry.catalog import Catalog
from kcp.schema.cel_admission import EvaluationError, activation_size, compile_expression, evaluate
from kcp.server import celauthorizer
from kcp.server.authz import Authorizer, decide
from kcp.server.webhooks import admission_request, rule_matches
from kcp.storage import Storage
from kcp.storage.presence import Presence

GROUP = "admissionregistration.k8s.io"
POLICIES, BINDINGS = "validatingadmissionpolicies", "validatingadmissionpolicybindings"
PREFIX = f"/registry/{GROUP}/"
_CACHED_CLUSTERS = 256
_MAX_MESSAGE = 5 * 1024
_NAMESPACE_META = (  # what namespaceObject keeps of the namespace's metadata, as kube's
    "name",
    "generateName",
    "namespace",
    "uid",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "finalizers",
)
_CODES = {"Forbidden": 403, "Unauthorized": 401, "RequestEntityTooLarge": 413, "Invalid": 422}
Object = dict[str, Any]
_Functions = dict[str, Callable[..., Any]]


class ConfigurationError(Exception):
    """A policy or binding that cannot be applied; its failurePolicy decides what that does."""


@dataclass
class Denial:
    policy: str
    binding: str  # "" for a policy that could not be configured
    message: str
    reason: str = "Invalid"


@dataclass
class _Run:
    """One request's evaluation: what it sees, computed once, and what the policies decided."""

    attrs: Attributes
    request: Object
    functions: _Functions  # the `authorizer` library's, bound to this request
    namespace: Object | None = None
    denials: list[Denial] = field(default_factory=list)


class AdmissionPolicies:
    def __init__(self, storage: Storage, authorizer: Authorizer) -> None:
        self.storage = storage
        self.authorizer = authorizer
        self.catalog: Catalog | None = None  # set once the catalog exists: params are read through it
        self._cached: OrderedDict[ClusterName, list[tuple[Object, list[Object]]]] = OrderedDict()
        self._presence = Presence(
            storage,
            (f"{PREFIX}{POLICIES}/", f"{PREFIX}{BINDINGS}/"),
            cluster_of_key,
            on_change=lambda cluster: self._cached.pop(ClusterName(cluster), None),
            on_forget=self._cached.clear,
        )

    async def start(self) -> None:
        self._presence.start()

    async def close(self) -> None:
        await self._presence.close()

    def registered(self, cluster: ClusterName) -> bool:
        return self._presence.may_hold(cluster)

    async def _hooks(self, cluster: ClusterName) -> list[tuple[Object, list[Object]]]:
        """Each bound policy of a cluster with its bindings, both in name order."""
        cached = self._cached.get(cluster)
        if cached is not None:
            self._cached.move_to_end(cluster)
            return cached
        seen = self._presence.changes
        policies, bindings = [await self._list(resource, cluster) for resource in (POLICIES, BINDINGS)]
        by_policy: dict[str, list[Object]] = {}
        for binding in bindings:
            by_policy.setdefault((binding.get("spec") or {}).get("policyName", ""), []).append(binding)
        hooks = [
            (p, by_policy[p["metadata"]["name"]]) for p in policies if p["metadata"]["name"] in by_policy
        ]
        if seen != self._presence.changes:
            return hooks  # a policy changed while this was read: use it once, keep nothing
        if not policies and not bindings:
            self._presence.absent(cluster, seen)
        self._cached[cluster] = hooks
        if len(self._cached) > _CACHED_CLUSTERS:
            self._cached.popitem(last=False)
        return hooks

    async def _list(self, resource: str, cluster: ClusterName) -> list[Object]:
        page = await self.storage.list(object_prefix(GROUP, resource, cluster))
        return sorted((orjson.loads(e.value) for e in page.entries), key=lambda o: str(o["metadata"]["name"]))

    # -- enforcing them ---------------------------------------------------------------------------

    async def validate(self, attrs: Attributes) -> None:
        hooks = await self._hooks(attrs.cluster)
        if not hooks:
            return
        snapshot = await self.authorizer.snapshot(attrs.cluster)
        run = _Run(
            attrs,
            {k: v for k, v in admission_request("", attrs).items() if k not in ("object", "oldObject")},
            celauthorizer.functions(attrs.cluster, functools.partial(decide, snapshot)),
        )
        for policy, bindings in hooks:
            await self._apply(run, policy, bindings)
        if run.denials:
            raise _denied(attrs, run.denials[0])

    async def _apply(self, run: _Run, policy: Object, bindings: list[Object]) -> None:
        spec, name = policy.get("spec") or {}, policy["metadata"]["name"]
        fail = spec.get("failurePolicy", "Fail") != "Ignore"
        try:
            if not await self._matches(spec.get("matchConstraints") or {}, run.attrs):
                return
            kind = await self._param_resource(run.attrs.cluster, spec.get("paramKind"))
        except ConfigurationError as e:
            if fail:
                run.denials.append(Denial(name, "", f"failed to configure policy: {e}"))
            return
        for binding in bindings:
            bspec, bname = binding.get("spec") or {}, binding["metadata"]["name"]
            try:
                if bspec.get("matchResources") and not await self._matches(
                    bspec["matchResources"], run.attrs
                ):
                    continue
                params = await self._params(run.attrs, kind, bspec.get("paramRef"))
                if run.namespace is None and run.attrs.namespace and run.attrs.resource.kind != "Namespace":
                    run.namespace = await self._namespace(run.attrs)
            except ConfigurationError as e:
                if fail:
                    run.denials.append(Denial(name, bname, f"failed to configure binding: {e}"))
                continue
            actions = bspec.get("validationActions") or []
            for param in params:
                for message, reason in _evaluate(spec, run, param, fail):
                    if "Deny" in actions:
                        run.denials.append(Denial(name, bname, message, reason))
                    if "Warn" in actions:
                        run.attrs.warnings.append(
                            f"Validation failed for ValidatingAdmissionPolicy '{name}' with binding "
                            f"'{bname}': {message}"
                        )

    async def _matches(self, match: Object, attrs: Attributes) -> bool:
        """kube's matching.Matcher: namespace and object selectors, then exclusions, then rules."""
        if not await self._namespace_matches(match.get("namespaceSelector") or {}, attrs):
            return False
        labels = [((o.get("metadata") or {}).get("labels") or {}) for o in (attrs.obj, attrs.old) if o]
        objects = match.get("objectSelector") or {}
        if objects and not any(selector_from_dict(objects).matches(lbl) for lbl in labels or [{}]):
            return False
        if any(_named_rule_matches(r, attrs) for r in match.get("excludeResourceRules") or []):
            return False
        rules = match.get("resourceRules") or []
        return not rules or any(_named_rule_matches(r, attrs) for r in rules)

    async def _namespace_matches(self, selector: Object, attrs: Attributes) -> bool:
        is_namespace = attrs.resource.resource == "namespaces" and attrs.resource.group == ""
        if not selector or (not attrs.namespace and not is_namespace):
            return True  # cluster-scoped objects are never exempted by a namespace selector
        if is_namespace:
            labels = ((attrs.obj or attrs.old or {}).get("metadata") or {}).get("labels") or {}
        else:
            namespace = await self._namespace(attrs)
            if namespace is None:
                raise ConfigurationError(f'namespaces "{attrs.namespace}" not found')
            labels = namespace["metadata"].get("labels") or {}
        return selector_from_dict(selector).matches(labels)

    async def _namespace(self, attrs: Attributes) -> Object | None:
        """`namespaceObject`: the request's namespace, as kube's CreateNamespaceObject trims it."""
        entry = await self.storage.get(object_key("", "namespaces", attrs.cluster, "", attrs.namespace))
        if entry is None:
            return None
        namespace: Object = orjson.loads(entry.value)
        meta = namespace.get("metadata") or {}
        trimmed = {k: meta[k] for k in _NAMESPACE_META if k in meta}
        trimmed["resourceVersion"] = str(entry.mod_revision)
        return {
            "metadata": trimmed,
            "spec": namespace.get("spec") or {},
            "status": namespace.get("status") or {},
        }

    async def _param_resource(self, cluster: ClusterName, kind: Any) -> Any:
        """The Store of the policy's paramKind in this workspace, or None without a paramKind."""
        if not isinstance(kind, dict):
            return None
        group, _, version = str(kind.get("apiVersion", "")).rpartition("/")
        shown = f"{group}/{version}, Kind={kind.get('kind', '')}"
        assert self.catalog is not None
        for resource in await self.catalog.served(cluster):
            if (resource.group, resource.version, resource.kind) == (group, version, kind.get("kind")):
                store = await self.catalog.lookup(cluster, group, version, resource.resource)
                if store is not None:
                    return store
        raise ConfigurationError(f"failed to find resource referenced by paramKind: '{shown}'")

    async def _params(self, attrs: Attributes, store: Any, ref: Any) -> list[Object | None]:
        """kube's CollectParams: one object by name, or those a selector picks, in the binding's
        namespace (or the request's); none found is an error only under parameterNotFoundAction Deny."""
        if store is None or not isinstance(ref, dict):
            return [None]
        namespace = ""
        if store.resource.namespaced:
            namespace = ref.get("namespace") or attrs.namespace
            if not namespace:
                why = "cannot use namespaced paramRef in policy binding that matches cluster-scoped resources"
                raise ConfigurationError(why)
        elif ref.get("namespace"):
            raise ConfigurationError(
                "paramRef.namespace must not be provided for a cluster-scoped `paramKind`"
            )
        found: list[Object | None] = []
        if ref.get("name"):
            entry = await self.storage.get(store.key(attrs.cluster, namespace, ref["name"]))
            found = [store.decode(entry)] if entry is not None else []
        else:
            stored = store.stored_as
            page = await self.storage.list(
                object_prefix(stored.group, stored.resource, attrs.cluster, namespace)
            )
            selector = selector_from_dict(ref.get("selector") or {})
            decoded = (store.decode(e) for e in page.entries)
            found = [o for o in decoded if selector.matches(o["metadata"].get("labels") or {})]
        if not found and ref.get("parameterNotFoundAction") == "Deny":
            raise ConfigurationError("no params found for policy binding with `Deny` parameterNotFoundAction")
        return found


def _named_rule_matches(rule: Object, attrs: Attributes) -> bool:
    names = rule.get("resourceNames") or []
    return rule_matches(rule, attrs) and (not names or attrs.name in names)


def _evaluate(spec: Object, run: _Run, param: Object | None, fail: bool) -> list[tuple[str, str]]:
    """kube's validator.Validate for one param: (message, reason) of each failed validation; an
    expression that cannot run is a failure under failurePolicy Fail and ignored under Ignore."""
    attrs = run.attrs
    activation: Object = {
        "object": attrs.obj,
        "oldObject": attrs.old,
        "request": run.request,
        "params": param,
        "namespaceObject": run.namespace,
        "variables": {},
        "authorizer": celauthorizer.variable(attrs.user, run.request),
    }
    size = activation_size(activation)
    declared = {v.get("name", ""): v.get("expression", "") for v in spec.get("variables") or []}
    try:
        for condition in spec.get("matchConditions") or []:
            if _run(condition.get("expression", ""), activation, size, declared, run.functions) is False:
                return []
    except EvaluationError as e:
        return [(str(e), "Invalid")] if fail else []
    out: list[tuple[str, str]] = []
    for validation in spec.get("validations") or []:
        source = str(validation.get("expression", ""))
        try:
            allowed = _run(source, activation, size, declared, run.functions)
        except EvaluationError as e:
            if fail:
                out.append((str(e), "Invalid"))
            continue
        if allowed is True:
            continue
        message = _message(validation, activation, size, declared, run.functions)
        out.append((message or f"failed expression: {source.strip()}", validation.get("reason") or "Invalid"))
    return out


def _run(source: str, activation: Object, size: int, declared: dict[str, str], functions: _Functions) -> Any:
    """Evaluate `source`, first the variables it reads (lazily, as kube composes them)."""
    try:
        expression = compile_expression(source)
    except ValueError as e:
        raise EvaluationError(str(e)) from None
    values = activation["variables"]
    for name in expression.variables:
        if name in declared and name not in values:  # one that failed is tried again by each reader
            values[name] = _run(declared[name], activation, size, {**declared, name: ""}, functions)
    return evaluate(expression, activation, size, functions)


def _message(
    validation: Object, activation: Object, size: int, declared: dict[str, str], functions: _Functions
) -> str:
    source = str(validation.get("messageExpression") or "")
    if source.strip():
        try:
            text = _run(source, activation, size, declared, functions)
        except EvaluationError:
            text = None  # kube logs it and falls back to the static message
        if (
            isinstance(text, str)
            and (text := text.strip())
            and len(text) <= _MAX_MESSAGE
            and "\n" not in text
        ):
            return text
    return str(validation.get("message") or "").strip()


def _denied(attrs: Attributes, denial: Denial) -> errors.StatusError:
    """kube's admission.NewForbidden, its reason and code then set from the denial, with the
    message repeated as a cause (kubectl prints `The <resource> "<name>" is invalid: : <message>`)."""
    if denial.binding:
        why = (
            f"ValidatingAdmissionPolicy '{denial.policy}' with binding '{denial.binding}' denied request: "
            f"{denial.message}"
        )
    else:
        why = f"ValidatingAdmissionPolicy '{denial.policy}' denied request: {denial.message}"
    resource = attrs.resource.group_resource
    name = attrs.name
    message = f'{resource} "{name}" is forbidden: {why}' if name else f"{resource} is forbidden: {why}"
    cls = errors.for_code(_CODES.get(denial.reason, 422))
    error = cls(
        message,
        name=name,
        group=attrs.resource.group,
        kind=attrs.resource.resource,
        causes=[errors.Cause("", why)],
    )
    return error
