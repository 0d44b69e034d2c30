"""A CRD's status.storedVersions pins its versions: kube's ValidateCustomResourceDefinitionStoredVersions."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.support.registry import ADMIN, OPTS

from kcp.apimachinery.errors import Invalid
from kcp.logicalcluster import ClusterName
from kcp.registry.builtin.apiextensions import stored_version_causes
from kcp.registry.catalog import Catalog
from kcp.registry.options import RequestScope

SCOPE = RequestScope(ClusterName("a"), "", ADMIN)
SCHEMA = {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}


def version(name: str, storage: bool = False) -> dict[str, Any]:
    return {"name": name, "served": True, "storage": storage, "schema": SCHEMA}


def widgets(*versions: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": list(versions),
        },
    }


def messages(causes: list[Any]) -> list[tuple[str, str]]:
    return [(c.field, c.message) for c in causes]


def test_a_stored_version_missing_from_spec_is_named_with_its_index() -> None:
    causes = stored_version_causes(["v1", "v1beta1"], [version("v1beta1", storage=True)])
    assert messages(causes) == [
        (
            "status.storedVersions[0]",
            'Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, and '
            "must remain in spec.versions until a storage migration ensures no data remains persisted "
            "in v1 and removes v1 from status.storedVersions",
        )
    ]


def test_the_storage_version_must_be_stored_and_some_version_must_be() -> None:
    causes = stored_version_causes(["v1"], [version("v1"), version("v2", storage=True)])
    assert messages(causes) == [
        ("status.storedVersions", 'Invalid value: []string{"v1"}: must have the storage version v2')
    ]
    assert messages(stored_version_causes([], [version("v1", storage=True)])) == [
        ("status.storedVersions", "Invalid value: []string(nil): must have at least one stored version")
    ]


async def test_removing_a_stored_version_is_refused_and_changes_nothing(catalog: Catalog) -> None:
    crds = catalog.store("apiextensions.k8s.io", "v1", "customresourcedefinitions")
    crd, _ = await crds.create(SCOPE, widgets(version("v1", storage=True), version("v1beta1")), OPTS)
    assert crd["status"]["storedVersions"] == ["v1"]
    crd["spec"]["versions"][0]["storage"], crd["spec"]["versions"][1]["storage"] = False, True
    crd, _, _ = await crds.update(SCOPE, "widgets.example.com", crd, OPTS)
    assert crd["status"]["storedVersions"] == ["v1", "v1beta1"]

    dropped = copy.deepcopy(crd)
    del dropped["spec"]["versions"][0]
    with pytest.raises(Invalid) as caught:
        await crds.update(SCOPE, "widgets.example.com", dropped, OPTS)
    status = caught.value.to_status()
    assert status["code"] == 422
    assert [c["field"] for c in status["details"]["causes"]] == ["status.storedVersions[0]"]
    assert status["message"].startswith(
        'CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: '
        'status.storedVersions[0]: Invalid value: "v1": missing from spec.versions; '
    )
    assert await crds.get(SCOPE, "widgets.example.com") == crd


async def test_a_migration_retires_a_version_through_status_then_spec(catalog: Catalog) -> None:
    crds = catalog.store("apiextensions.k8s.io", "v1", "customresourcedefinitions")
    await crds.create(SCOPE, widgets(version("v1"), version("v1beta1", storage=True)), OPTS)
    crd = await crds.get(SCOPE, "widgets.example.com")
    crd["status"]["storedVersions"] = ["v1", "v1beta1"]
    crd, _, _ = await crds.update(SCOPE, "widgets.example.com", crd, OPTS, subresource="status")
    crd["status"]["storedVersions"] = ["v1beta1"]  # what a storage migration writes when it is done
    crd, _, _ = await crds.update(SCOPE, "widgets.example.com", crd, OPTS, subresource="status")
    del crd["spec"]["versions"][0]
    crd, _, _ = await crds.update(SCOPE, "widgets.example.com", crd, OPTS)
    assert [v["name"] for v in crd["spec"]["versions"]] == ["v1beta1"]
    assert crd["status"]["storedVersions"] == ["v1beta1"]


async def test_a_create_with_two_storage_versions_stores_the_first(catalog: Catalog) -> None:
    crds = catalog.store("apiextensions.k8s.io", "v1", "customresourcedefinitions")
    with pytest.raises(Invalid) as caught:
        await crds.create(SCOPE, widgets(version("v1", storage=True), version("v2", storage=True)), OPTS)
    assert ("status.storedVersions", 'Invalid value: []string{"v1"}: must have the storage version v2') in [
        (c["field"], c["message"]) for c in caught.value.to_status()["details"]["causes"]
    ]
