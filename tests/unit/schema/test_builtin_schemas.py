"""Built-in kind schemas: the fields are kube's (checked against the official client's models), inline,
and carry the list and patch extensions the patchers and kubectl rely on."""

from __future__ import annotations

import re
from typing import Any

import kubernetes.client as k8s
import pytest

from kcp.schema import builtin

# (group, version, kind) -> the official Python client's model of that kind
MODELS = {
    ("", "v1", "Namespace"): "V1Namespace",
    ("", "v1", "ConfigMap"): "V1ConfigMap",
    ("", "v1", "Secret"): "V1Secret",
    ("", "v1", "ServiceAccount"): "V1ServiceAccount",
    ("", "v1", "Event"): "CoreV1Event",
    ("", "v1", "ResourceQuota"): "V1ResourceQuota",
    ("events.k8s.io", "v1", "Event"): "EventsV1Event",
    ("coordination.k8s.io", "v1", "Lease"): "V1Lease",
    ("certificates.k8s.io", "v1", "CertificateSigningRequest"): "V1CertificateSigningRequest",
    ("rbac.authorization.k8s.io", "v1", "Role"): "V1Role",
    ("rbac.authorization.k8s.io", "v1", "ClusterRole"): "V1ClusterRole",
    ("rbac.authorization.k8s.io", "v1", "RoleBinding"): "V1RoleBinding",
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"): "V1ClusterRoleBinding",
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"): "V1CustomResourceDefinition",
    (
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
    ): "V1ValidatingWebhookConfiguration",
    ("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration"): "V1MutatingWebhookConfiguration",
    ("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy"): "V1ValidatingAdmissionPolicy",
    (
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingAdmissionPolicyBinding",
    ): "V1ValidatingAdmissionPolicyBinding",
    ("authorization.k8s.io", "v1", "SubjectAccessReview"): "V1SubjectAccessReview",
    ("authorization.k8s.io", "v1", "LocalSubjectAccessReview"): "V1LocalSubjectAccessReview",
    ("authorization.k8s.io", "v1", "SelfSubjectAccessReview"): "V1SelfSubjectAccessReview",
    ("authorization.k8s.io", "v1", "SelfSubjectRulesReview"): "V1SelfSubjectRulesReview",
    ("authentication.k8s.io", "v1", "TokenReview"): "V1TokenReview",
    ("authentication.k8s.io", "v1", "SelfSubjectReview"): "V1SelfSubjectReview",
    ("authentication.k8s.io", "v1", "TokenRequest"): "AuthenticationV1TokenRequest",
    ("autoscaling", "v1", "Scale"): "V1Scale",
}
# Deliberate differences: the CRD's schema field is free-form here (the CRD validator reads it), and
# token attestations arrived after the kube version kcp serves.
NOT_COMPARED = {
    "CustomResourceDefinition.spec.versions[].schema.openAPIV3Schema",
    "TokenRequest.spec.attestations",
}
PRIMITIVES = {"str": "string", "bytes": "string", "bool": "boolean", "int": "integer", "float": "number"}


def _compare(schema: dict[str, Any], model: str, path: str, problems: list[str]) -> None:
    if path in NOT_COMPARED:
        return
    if m := re.fullmatch(r"List\[(.*)\]", model):
        if schema.get("type") != "array":
            problems.append(f"{path}: want an array")
            return
        _compare(schema["items"], m.group(1), f"{path}[]", problems)
    elif m := re.fullmatch(r"Dict\[str, (.*)\]", model):
        if schema.get("type") != "object" or not isinstance(schema.get("additionalProperties"), dict):
            problems.append(f"{path}: want a map")
            return
        _compare(schema["additionalProperties"], m.group(1), f"{path}{{}}", problems)
    elif model == "datetime":
        if (schema.get("type"), schema.get("format")) != ("string", "date-time"):
            problems.append(f"{path}: want a date-time string")
    elif model in PRIMITIVES:
        if schema.get("type") != PRIMITIVES[model]:
            problems.append(f"{path}: want {PRIMITIVES[model]}, have {schema.get('type')}")
    elif model == "object":
        if schema.get("type") != "object" or not schema.get("x-kubernetes-preserve-unknown-fields"):
            problems.append(f"{path}: want a free-form object that survives pruning")
    else:
        cls = getattr(k8s, model)
        json_names = {v: k for k, v in cls.attribute_map.items()}
        properties = schema.get("properties", {})
        problems += [f"{path}.{name}: not in kube" for name in properties.keys() - json_names.keys()]
        for name, attr in json_names.items():
            if name not in properties:
                if f"{path}.{name}" not in NOT_COMPARED:
                    problems.append(f"{path}.{name}: missing")
                continue
            _compare(properties[name], cls.openapi_types[attr], f"{path}.{name}", problems)


@pytest.mark.parametrize("gvk", sorted(MODELS), ids=lambda g: f"{g[0] or 'core'}/{g[1]}/{g[2]}")
def test_fields_and_types_match_kube(gvk: tuple[str, str, str]) -> None:
    problems: list[str] = []
    _compare(dict(builtin.index()[gvk]), MODELS[gvk], gvk[2], problems)
    assert problems == []


def test_index_covers_every_kind_and_only_those() -> None:
    assert set(builtin.index()) == set(MODELS)


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(n for v in node.values() for n in _walk(v))]
    if isinstance(node, list):
        return [n for v in node for n in _walk(v)]
    return []


@pytest.mark.parametrize("gvk", sorted(MODELS), ids=lambda g: g[2])
def test_schemas_are_inline_and_typed(gvk: tuple[str, str, str]) -> None:
    schema = builtin.index()[gvk]
    assert not any("$ref" in n for n in _walk(schema))
    assert schema["type"] == "object"
    assert schema["x-kubernetes-group-version-kind"] == [{"group": gvk[0], "kind": gvk[2], "version": gvk[1]}]
    assert {"apiVersion", "kind", "metadata"} <= schema["properties"].keys()
    for prop in (n for node in _walk(schema) for n in node.get("properties", {}).values()):
        assert prop.get("type") in ("string", "integer", "number", "boolean", "object", "array"), prop
        assert prop.get("description"), prop


def _at(gvk: tuple[str, str, str], *path: str) -> dict[str, Any]:
    node: dict[str, Any] = dict(builtin.index()[gvk])
    for step in path:
        node = node["items"] if step == "[]" else node["properties"][step]
    return node


def test_patch_and_list_extensions_follow_kube() -> None:
    sa = ("", "v1", "ServiceAccount")
    secrets = _at(sa, "secrets")
    assert {k: v for k, v in secrets.items() if k.startswith("x-")} == {
        "x-kubernetes-patch-merge-key": "name",
        "x-kubernetes-patch-strategy": "merge",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
    }
    assert _at(sa, "imagePullSecrets")["x-kubernetes-list-type"] == "atomic"
    owners = _at(sa, "metadata", "ownerReferences")
    assert (owners["x-kubernetes-patch-merge-key"], owners["x-kubernetes-list-map-keys"]) == ("uid", ["uid"])
    assert owners["items"]["x-kubernetes-map-type"] == "atomic"
    finalizers = _at(sa, "metadata", "finalizers")
    assert (finalizers["x-kubernetes-list-type"], finalizers["x-kubernetes-patch-strategy"]) == (
        "set",
        "merge",
    )
    conditions = _at(("", "v1", "Namespace"), "status", "conditions")
    assert conditions["x-kubernetes-patch-merge-key"] == "type"
    crd_conditions = _at(("apiextensions.k8s.io", "v1", "CustomResourceDefinition"), "status", "conditions")
    assert crd_conditions["x-kubernetes-list-map-keys"] == ["type"]
    assert "x-kubernetes-patch-strategy" not in crd_conditions
    webhooks = _at(("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration"), "webhooks")
    assert webhooks["x-kubernetes-patch-merge-key"] == "name"
    rbac = "rbac.authorization.k8s.io", "v1", "RoleBinding"
    assert _at(rbac, "roleRef")["x-kubernetes-map-type"] == "atomic"
    assert builtin.index()[rbac]["required"] == ["roleRef"]
    assert _at(("", "v1", "Secret"), "data")["additionalProperties"] == {"type": "string", "format": "byte"}
    assert _at(("coordination.k8s.io", "v1", "Lease"), "spec", "renewTime")["format"] == "date-time"


def test_crd_schema_field_is_free_form_and_survives_pruning() -> None:
    crd = ("apiextensions.k8s.io", "v1", "CustomResourceDefinition")
    schema = _at(crd, "spec", "versions", "[]", "schema", "openAPIV3Schema")
    assert (schema["type"], schema["x-kubernetes-preserve-unknown-fields"]) == ("object", True)
    assert "properties" not in schema
    assert _at(crd, "metadata", "managedFields", "[]", "fieldsV1")["x-kubernetes-preserve-unknown-fields"]


def test_lookup_and_names() -> None:
    assert builtin.schema_for("", "v1", "ConfigMap") is builtin.index()[("", "v1", "ConfigMap")]
    assert builtin.schema_for("example.com", "v1", "Widget") is None
    assert builtin.definition_name("", "v1", "ConfigMap") == "io.k8s.api.core.v1.ConfigMap"
    assert builtin.definition_name("rbac.authorization.k8s.io", "v1", "Role") == "io.k8s.api.rbac.v1.Role"
    assert (
        builtin.definition_name("apiextensions.k8s.io", "v1", "CustomResourceDefinition")
        == "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"
    )
    assert builtin.definition_name("example.com", "v1", "Widget") == "com.example.v1.Widget"
    assert (
        builtin.definition_name("tenancy.kcp.io", "v1alpha1", "Workspace")
        == "io.kcp.tenancy.v1alpha1.Workspace"
    )
    with pytest.raises(TypeError):
        builtin.index()[("", "v1", "Fake")] = {}  # type: ignore[index]


def test_named_types_are_unique_and_kinds_do_not_share_dicts() -> None:
    names = [d.name for d in builtin.DEFINITIONS]
    assert len(names) == len(set(names))
    cm, secret = builtin.index()[("", "v1", "ConfigMap")], builtin.index()[("", "v1", "Secret")]
    assert cm["properties"]["metadata"] == secret["properties"]["metadata"]
    assert cm["properties"]["metadata"] is not secret["properties"]["metadata"]
