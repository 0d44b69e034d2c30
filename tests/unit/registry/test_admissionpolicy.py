"""ValidatingAdmissionPolicy and its bindings are defaulted and validated as kube's
admissionregistration validation does, with its field paths and texts."""

from __future__ import annotations

from typing import Any

from kcp.registry.builtin.admissionpolicy import (
    VALIDATING_POLICIES,
    VALIDATING_POLICY_BINDINGS,
    BindingStrategy,
    PolicyStrategy,
)

RULE = {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["configmaps"]}


def policy_causes(**spec: Any) -> list[tuple[str, str]]:
    strategy = PolicyStrategy(VALIDATING_POLICIES)
    full = {"matchConstraints": {"resourceRules": [RULE]}, "validations": [{"expression": "true"}], **spec}
    obj = {"metadata": {"name": "p"}, "spec": full}
    strategy.default(obj)
    return [(c.field, c.message) for c in strategy.validate(obj)]


def binding_causes(**spec: Any) -> list[tuple[str, str]]:
    strategy = BindingStrategy(VALIDATING_POLICY_BINDINGS)
    obj = {"metadata": {"name": "b"}, "spec": {"policyName": "p", "validationActions": ["Deny"], **spec}}
    strategy.default(obj)
    return [(c.field, c.message) for c in strategy.validate(obj)]


def test_defaults_are_kubes() -> None:
    obj: dict[str, Any] = {
        "metadata": {"name": "p"},
        "spec": {"matchConstraints": {"resourceRules": [dict(RULE)]}},
    }
    PolicyStrategy(VALIDATING_POLICIES).default(obj)
    assert obj["spec"] == {
        "failurePolicy": "Fail",
        "matchConstraints": {
            "matchPolicy": "Equivalent",
            "namespaceSelector": {},
            "objectSelector": {},
            "resourceRules": [{**RULE, "scope": "*"}],
        },
    }


def test_a_valid_policy_and_binding_pass() -> None:
    assert policy_causes(paramKind={"apiVersion": "v1", "kind": "ConfigMap"}) == []
    assert binding_causes(paramRef={"name": "x", "parameterNotFoundAction": "Allow"}) == []


def test_policy_fields_in_kubes_order() -> None:
    got = policy_causes(
        failurePolicy="Never",
        paramKind={"apiVersion": "a/b/c", "kind": ""},
        matchConstraints={"resourceRules": [], "matchPolicy": "Loose"},
        variables=[{"name": "in", "expression": "object.x"}],
        validations=[{"expression": "params.x", "message": "two\nlines", "reason": "Teapot"}],
    )
    assert got == [
        ("spec.failurePolicy", 'Unsupported value: "Never": supported values: "Fail", "Ignore"'),
        ("spec.paramKind.apiVersion", 'Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c'),
        ("spec.paramKind.kind", "Required value"),
        (
            "spec.matchConstraints.matchPolicy",
            'Unsupported value: "Loose": supported values: "Equivalent", "Exact"',
        ),
        ("spec.matchConstraints.resourceRules", "Required value"),
        ("spec.variables[0].name", 'Invalid value: "in": name is not a valid CEL identifier'),
        ("spec.validations[0].message", 'Invalid value: "two\\nlines": message must not contain line breaks'),
        (
            "spec.validations[0].reason",
            'Unsupported value: "Teapot": supported values: "Forbidden", "Invalid", '
            '"RequestEntityTooLarge", "Unauthorized"',
        ),
    ]


def test_expressions_compile_against_the_declared_variables() -> None:
    [(path, message)] = policy_causes(validations=[{"expression": "params.max > 1"}])
    assert path == "spec.validations[0].expression"
    assert message == (
        'Invalid value: "params.max > 1": compilation failed: ERROR: <input>:1:1: undeclared reference to '
        "'params' (in container '')\n | params.max > 1\n | ^"
    )
    assert policy_causes(matchConditions=[{"name": "c", "expression": "variables.x"}])[0][0] == (
        "spec.matchConditions[0].expression"
    )
    assert policy_causes(validations=[], auditAnnotations=[]) == [
        (
            "spec.validations",
            "Required value: validations or auditAnnotations must contain at least one item",
        ),
        (
            "spec.auditAnnotations",
            "Required value: validations or auditAnnotations must contain at least one item",
        ),
    ]


def test_binding_fields() -> None:
    assert binding_causes(
        policyName="",
        paramRef={"name": "a", "selector": {}},
        matchResources={"matchPolicy": "Loose"},
        validationActions=["Deny", "Warn", "Shout"],
    ) == [
        ("spec.policyName", "Required value"),
        ("spec.paramRef.name", "Forbidden: name and selector are mutually exclusive"),
        ("spec.paramRef.selector", "Forbidden: name and selector are mutually exclusive"),
        ("spec.paramRef.parameterNotFoundAction", "Required value"),
        (
            "spec.matchResouces.matchPolicy",
            'Unsupported value: "Loose": supported values: "Equivalent", "Exact"',
        ),
        (
            "spec.validationActions[2]",
            'Unsupported value: "Shout": supported values: "Audit", "Deny", "Warn"',
        ),
        (
            "spec.validationActions",
            'Invalid value: []admissionregistration.ValidationAction{"Deny", "Warn", "Shout"}: must not '
            "contain both Deny and Warn (repeating the same validation failure information in the API "
            "response and headers serves no purpose)",
        ),
    ]
    assert binding_causes(validationActions=[]) == [
        ("spec.validationActions", "Required value: at least one validation action is required")
    ]
