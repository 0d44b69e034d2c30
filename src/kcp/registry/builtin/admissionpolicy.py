"""admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding.

Defaulted and validated as kube does (admissionregistration/validation, in its order and with its
field paths, `matchResouces` typo included), so what kube refuses is refused here with the same
causes; the server enforces them (server/admissionpolicies.py). A policy's status is the server's:
a create starts it empty, and only /status writes it.
"""

from __future__ import annotations

import re
from typing import Any

from kcp.apimachinery.errors import Cause
from kcp.apimachinery.labels import label_key_errors
from kcp.apimachinery.meta import (
    dns1035_label_errors,
    dns1123_subdomain_errors,
    path_segment_errors,
)
from kcp.apimachinery.resources import APIResource
from kcp.registry.builtin.admissionregistration import (
    GROUP,
    go_slice,
    match_condition_causes,
    rule_causes,
    selector_causes,
)
from kcp.registry.strategy import Object, Strategy
from kcp.schema.cel import RESERVED as CEL_RESERVED
from kcp.schema.cel_admission import ROOTS, WITH_PARAMS, compile_error
from kcp.schema.fielderrors import duplicate, forbidden, invalid, not_supported, required

VALIDATING_POLICIES = APIResource(
    GROUP,
    "v1",
    "validatingadmissionpolicies",
    "ValidatingAdmissionPolicy",
    False,
    "validatingadmissionpolicy",
    categories=("api-extensions",),
    subresources=("status",),
)
VALIDATING_POLICY_BINDINGS = APIResource(
    GROUP,
    "v1",
    "validatingadmissionpolicybindings",
    "ValidatingAdmissionPolicyBinding",
    False,
    "validatingadmissionpolicybinding",
    categories=("api-extensions",),
)
_FAILURE_POLICIES = ["Fail", "Ignore"]
_MATCH_POLICIES = ["Equivalent", "Exact"]
_REASONS = ["Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"]
_ACTIONS = ["Audit", "Deny", "Warn"]
_NOT_FOUND_ACTIONS = ["Deny", "Allow"]
_CEL_IDENTIFIER = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_MAX_AUDIT_ANNOTATIONS = 20
_MAX_VALUE_EXPRESSION = 5 * 1024


def _dict(value: Any) -> Object:
    return value if isinstance(value, dict) else {}


def default_match_resources(match: Any) -> None:
    """kube's SetDefaults_MatchResources and SetDefaults_Rule, on a present MatchResources."""
    if not isinstance(match, dict):
        return
    match.setdefault("matchPolicy", "Equivalent")
    match.setdefault("namespaceSelector", {})
    match.setdefault("objectSelector", {})
    for field in ("resourceRules", "excludeResourceRules"):
        for rule in match.get(field) or []:
            if isinstance(rule, dict):
                rule.setdefault("scope", "*")


class PolicyStrategy(Strategy):
    has_status_subresource = True
    tracks_generation = True
    core_finalizers = False

    def prepare_for_create(self, obj: Object) -> None:
        obj.pop("status", None)

    def default(self, obj: Object) -> None:
        spec = obj.get("spec")
        if isinstance(spec, dict):
            spec.setdefault("failurePolicy", "Fail")
            default_match_resources(spec.get("matchConstraints"))

    def validate(self, obj: Object) -> list[Cause]:
        spec = _dict(obj.get("spec"))
        name = str((obj.get("metadata") or {}).get("name") or "")
        return _policy_spec_causes(spec, name)

    def validate_status_update(self, new: Object, old: Object) -> list[Cause]:
        """kube's ValidateValidatingAdmissionPolicyStatusUpdate: type-checking warnings well formed."""
        status = _dict(new.get("status"))
        checking = _dict(status.get("typeChecking"))
        causes: list[Cause] = []
        for i, warning in enumerate(checking.get("expressionWarnings") or []):
            at = f"status.typeChecking.expressionWarnings[{i}]"
            if not warning.get("warning"):
                causes.append(required(f"{at}.warning", ""))
            if not str(warning.get("fieldRef") or "").strip():
                causes.append(required(f"{at}.fieldRef", ""))
        return causes


class BindingStrategy(Strategy):
    tracks_generation = True
    core_finalizers = False

    def default(self, obj: Object) -> None:
        spec = obj.get("spec")
        if isinstance(spec, dict):
            default_match_resources(spec.get("matchResources"))

    def validate(self, obj: Object) -> list[Cause]:
        spec = _dict(obj.get("spec"))
        causes: list[Cause] = []
        policy = spec.get("policyName") or ""
        if not policy:
            causes.append(required("spec.policyName", ""))
        else:
            causes += [invalid("spec.policyName", policy, e) for e in dns1123_subdomain_errors(policy)]
        if isinstance(spec.get("paramRef"), dict):
            causes += _param_ref_causes(spec["paramRef"], "spec.paramRef")
        if isinstance(spec.get("matchResources"), dict):
            causes += _match_resources_causes(spec["matchResources"], "spec.matchResouces")
        return causes + _action_causes(spec.get("validationActions") or [], "spec.validationActions")


def _policy_spec_causes(spec: Object, name: str) -> list[Cause]:
    causes: list[Cause] = []
    failure = spec.get("failurePolicy")
    if failure is None:
        causes.append(required("spec.failurePolicy", ""))
    elif failure not in _FAILURE_POLICIES:
        causes.append(not_supported("spec.failurePolicy", failure, _FAILURE_POLICIES))
    has_params = isinstance(spec.get("paramKind"), dict)
    if has_params:
        causes += _param_kind_causes(spec["paramKind"], "spec.paramKind")
    roots = WITH_PARAMS if has_params else ROOTS
    match = spec.get("matchConstraints")
    if not isinstance(match, dict):
        causes.append(required("spec.matchConstraints", ""))
    else:
        causes += _match_resources_causes(match, "spec.matchConstraints")
        if not match.get("resourceRules"):
            causes.append(required("spec.matchConstraints.resourceRules", ""))
    conditions = spec.get("matchConditions") or []  # compiled without variables, as kube compiles them
    causes += _match_condition_causes(conditions, "spec.matchConditions", roots - {"variables"})
    for i, variable in enumerate(spec.get("variables") or []):
        causes += _variable_causes(variable, f"spec.variables[{i}]", roots)
    validations, annotations = spec.get("validations") or [], spec.get("auditAnnotations") or []
    if not validations and not annotations:
        detail = "validations or auditAnnotations must contain at least one item"
        return [*causes, required("spec.validations", detail), required("spec.auditAnnotations", detail)]
    for i, validation in enumerate(validations):
        causes += _validation_causes(validation, f"spec.validations[{i}]", roots)
    if len(annotations) > _MAX_AUDIT_ANNOTATIONS:
        causes.append(
            invalid(
                "spec.auditAnnotations",
                f"{len(annotations)} items",
                f"must not have more than {_MAX_AUDIT_ANNOTATIONS} auditAnnotations",
            )
        )
    keys: set[str] = set()
    for i, annotation in enumerate(annotations):
        at, key = f"spec.auditAnnotations[{i}]", str(annotation.get("key") or "")
        causes += _audit_annotation_causes(annotation, name, at, roots)
        if key in keys:
            causes.append(duplicate(f"{at}.key", key))
        keys.add(key)
    return causes


def _expression_causes(path: str, source: str, roots: frozenset[str]) -> list[Cause]:
    why = compile_error(source, roots)
    return [invalid(path, source, why)] if why else []


def _param_kind_causes(kind: Object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    api_version = str(kind.get("apiVersion") or "")
    if not api_version:
        causes.append(required(f"{path}.apiVersion", ""))
    elif api_version.count("/") > 1:
        detail = f"unexpected GroupVersion string: {api_version}"
        causes.append(invalid(f"{path}.apiVersion", api_version, detail))
    else:
        group, _, version = api_version.rpartition("/")
        if group and (errs := dns1123_subdomain_errors(group)):
            causes.append(invalid(f"{path}.apiVersion", group, ",".join(errs)))
        if not version:
            causes.append(invalid(f"{path}.apiVersion", api_version, "version must be specified"))
        elif errs := dns1035_label_errors(version):
            causes.append(invalid(f"{path}.apiVersion", version, ",".join(errs)))
    kind_name = str(kind.get("kind") or "")
    if not kind_name:
        causes.append(required(f"{path}.kind", ""))
    elif errs := dns1035_label_errors(kind_name.lower()):
        detail = "may have mixed case, but should otherwise match: " + ",".join(errs)
        causes.append(invalid(f"{path}.kind", kind_name, detail))
    return causes


def _match_resources_causes(match: Object, path: str) -> list[Cause]:
    """kube's validateMatchResources: selectors required (defaulted), rules as webhooks' rules."""
    causes: list[Cause] = []
    policy = match.get("matchPolicy")
    if policy is None:
        causes.append(required(f"{path}.matchPolicy", ""))
    elif policy not in _MATCH_POLICIES:
        causes.append(not_supported(f"{path}.matchPolicy", policy, _MATCH_POLICIES))
    for field in ("namespaceSelector", "objectSelector"):
        if not isinstance(match.get(field), dict):
            causes.append(required(f"{path}.{field}", ""))
        else:
            causes += selector_causes(match[field], f"{path}.{field}")
    for field in ("resourceRules", "excludeResourceRules"):
        for i, rule in enumerate(match.get(field) or []):
            at = f"{path}.{field}[{i}]"
            names: set[str] = set()
            for j, name in enumerate(rule.get("resourceNames") or []):
                causes += [invalid(f"{at}.resourceNames[{j}]", name, e) for e in path_segment_errors(name)]
                if name in names:
                    causes.append(duplicate(f"{at}.resourceNames[{j}]", name))
                names.add(name)
            causes += rule_causes(rule, at)
    return causes


def _match_condition_causes(conditions: list[Object], path: str, roots: frozenset[str]) -> list[Cause]:
    return match_condition_causes(conditions, path, lambda at, e: _expression_causes(at, e.strip(), roots))


def _variable_causes(variable: Object, path: str, roots: frozenset[str]) -> list[Cause]:
    causes: list[Cause] = []
    name, expression = str(variable.get("name") or ""), str(variable.get("expression") or "")
    if not name.strip():
        causes.append(required(f"{path}.name", "name is not specified"))
    elif not _CEL_IDENTIFIER.fullmatch(name) or name in CEL_RESERVED:
        causes.append(invalid(f"{path}.name", name, "name is not a valid CEL identifier"))
    if not expression.strip():
        causes.append(required(f"{path}.expression", "expression is not specified"))
    else:
        causes += _expression_causes(f"{path}.expression", expression, roots)
    return causes


def _validation_causes(validation: Object, path: str, roots: frozenset[str]) -> list[Cause]:
    causes: list[Cause] = []
    expression = str(validation.get("expression") or "")
    message_expression = str(validation.get("messageExpression") or "")
    message = str(validation.get("message") or "")
    if not expression.strip():
        causes.append(required(f"{path}.expression", "expression is not specified"))
    else:
        causes += _expression_causes(f"{path}.expression", expression, roots)
    if message_expression and not message_expression.strip():
        causes.append(
            invalid(f"{path}.messageExpression", message_expression, "must be non-empty if specified")
        )
    elif message_expression.strip():
        causes += _expression_causes(f"{path}.messageExpression", message_expression, roots - {"authorizer"})
    if message and not message.strip():
        causes.append(invalid(f"{path}.message", message, "message must be non-empty if specified"))
    elif re.search(r"[\n\r]", message.strip()):
        causes.append(invalid(f"{path}.message", message, "message must not contain line breaks"))
    reason = validation.get("reason")
    if reason is not None and reason not in _REASONS:
        causes.append(not_supported(f"{path}.reason", reason, _REASONS))
    return causes


def _audit_annotation_causes(
    annotation: Object, policy: str, path: str, roots: frozenset[str]
) -> list[Cause]:
    causes: list[Cause] = []
    key = str(annotation.get("key") or "")
    if policy:
        qualified = f"{policy}/{key}"
        causes += [invalid(f"{path}.key", qualified, e) for e in label_key_errors(qualified)]
    else:
        causes.append(invalid(f"{path}.key", key, "requires metadata.name be non-empty"))
    value = str(annotation.get("valueExpression") or "").strip()
    if not value:
        causes.append(required(f"{path}.valueExpression", "valueExpression is not specified"))
    elif len(value) > _MAX_VALUE_EXPRESSION:
        detail = f"must not exceed {_MAX_VALUE_EXPRESSION} bytes in length"
        causes.append(required(f"{path}.valueExpression", detail))
    else:
        causes += _expression_causes(f"{path}.valueExpression", value, roots)
    return causes


def _param_ref_causes(ref: Object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    name, selector = str(ref.get("name") or ""), ref.get("selector")
    if name:
        causes += [invalid(f"{path}.name", name, e) for e in path_segment_errors(name)]
        if selector is not None:
            causes.append(forbidden(f"{path}.name", "name and selector are mutually exclusive"))
    if isinstance(selector, dict):
        causes += selector_causes(selector, f"{path}.selector")
        if name:
            causes.append(forbidden(f"{path}.selector", "name and selector are mutually exclusive"))
    if not name and selector is None:
        causes.append(required(path, "one of name or selector must be specified"))
    action = ref.get("parameterNotFoundAction")
    if not action:
        causes.append(required(f"{path}.parameterNotFoundAction", ""))
    elif action not in _NOT_FOUND_ACTIONS:
        causes.append(not_supported(f"{path}.parameterNotFoundAction", action, _NOT_FOUND_ACTIONS))
    return causes


def _action_causes(actions: list[str], path: str) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, action in enumerate(actions):
        if action not in _ACTIONS:
            causes.append(not_supported(f"{path}[{i}]", action, _ACTIONS))
        if action in seen:
            causes.append(duplicate(f"{path}[{i}]", action))
        seen.add(action)
    if {"Deny", "Warn"} <= seen:
        detail = (
            "must not contain both Deny and Warn (repeating the same validation failure information in "
            "the API response and headers serves no purpose)"
        )
        causes.append(invalid(path, go_slice("admissionregistration.ValidationAction", actions), detail))
    if not seen:
        causes.append(required(path, "at least one validation action is required"))
    return causes
