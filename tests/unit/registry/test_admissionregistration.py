"""Webhook configurations are validated as kube's admissionregistration validation does."""

from __future__ import annotations

from typing import Any

from kcp.registry.builtin.admissionregistration import (
    MUTATING_WEBHOOKS,
    VALIDATING_WEBHOOKS,
    WebhookConfigurationStrategy,
)


def causes(hook: dict[str, Any], mutating: bool = False) -> list[tuple[str, str]]:
    strategy = WebhookConfigurationStrategy(MUTATING_WEBHOOKS if mutating else VALIDATING_WEBHOOKS)
    good = {
        "name": "ok.example.com",
        "clientConfig": {"url": "https://hook.example.com/x"},
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
    }
    obj = {"metadata": {"name": "c"}, "webhooks": [{**good, **hook}]}
    strategy.default(obj)
    return [(c.field.removeprefix("webhooks[0]."), c.message) for c in strategy.validate(obj)]


def test_a_valid_webhook_passes() -> None:
    assert causes({}) == []
    assert causes({"clientConfig": {"service": {"namespace": "ns", "name": "svc", "path": "/v"}}}) == []


def test_client_config_needs_exactly_one_of_url_or_service() -> None:
    required = "Required value: exactly one of url or service is required"
    assert causes({"clientConfig": {}}) == [("clientConfig", required)]
    both = {"url": "https://a.b/c", "service": {"namespace": "ns", "name": "s"}}
    assert causes({"clientConfig": both}) == [("clientConfig", required)]
    assert causes({"clientConfig": {"service": {"port": 0, "path": "x//"}}}) == [
        ("clientConfig.service.name", "Required value: service name is required"),
        ("clientConfig.service.namespace", "Required value: service namespace is required"),
        (
            "clientConfig.service.port",
            "Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive",
        ),
        ("clientConfig.service.path", "Invalid value: \"x//\": must start with a '/'"),
        ("clientConfig.service.path", 'Invalid value: "x//": segment[0] may not be empty'),
        ("clientConfig.service.path", 'Invalid value: "x//": segment[1] may not be empty'),
    ]


def test_policies_rules_and_selectors() -> None:
    got = causes(
        {
            "failurePolicy": "Sometimes",
            "matchPolicy": "Loose",
            "rules": [
                {
                    "operations": ["*", "PATCH"],
                    "apiGroups": [],
                    "apiVersions": ["v1"],
                    "resources": ["pods"],
                    "scope": "Everywhere",
                }
            ],
            "namespaceSelector": {"matchExpressions": [{"key": "a", "operator": "Has"}]},
            "reinvocationPolicy": "Always",
        },
        mutating=True,
    )
    assert got == [
        (
            "rules[0].operations",
            'Invalid value: []admissionregistration.OperationType{"*", "PATCH"}: '
            "if '*' is present, must not specify other operations",
        ),
        (
            "rules[0].operations[1]",
            'Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
        ),
        ("rules[0].apiGroups", "Required value"),
        ("rules[0].scope", 'Unsupported value: "Everywhere": supported values: "*", "Cluster", "Namespaced"'),
        ("failurePolicy", 'Unsupported value: "Sometimes": supported values: "Fail", "Ignore"'),
        ("matchPolicy", 'Unsupported value: "Loose": supported values: "Equivalent", "Exact"'),
        (
            "namespaceSelector.matchExpressions[0].operator",
            'Invalid value: "Has": not a valid selector operator',
        ),
        ("reinvocationPolicy", 'Unsupported value: "Always": supported values: "IfNeeded", "Never"'),
    ]


def test_side_effects_and_review_versions_are_required() -> None:
    hook = {"sideEffects": None, "admissionReviewVersions": []}
    assert causes(hook) == [
        ("sideEffects", "Required value: must specify one of None, NoneOnDryRun"),
        ("admissionReviewVersions", "Required value: must specify one of v1, v1beta1"),
    ]


def test_match_conditions_must_compile() -> None:
    ok = {"name": "n", "expression": "object.metadata.name == 'x'"}
    assert causes({"matchConditions": [ok]}) == []
    ((field, message),) = causes({"matchConditions": [{"name": "n", "expression": "1 +"}]})
    assert field == "matchConditions[0].expression"
    assert message.startswith('Invalid value: "1 +": compilation failed: ERROR: <input>:1:4: Syntax error:')
