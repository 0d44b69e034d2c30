"""ResourceQuota: kube's validation of names, quantities and scopes, and the names objects count under."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.support.registry import ADMIN, OPTS

from kcp.apimachinery.errors import BadRequest, Forbidden
from kcp.apimachinery.quotanames import counted, usage_names
from kcp.logicalcluster import ClusterName
from kcp.registry.builtin.resourcequota import RESOURCEQUOTAS, ResourceQuotaStrategy
from kcp.registry.catalog import Catalog
from kcp.registry.options import DeleteOptions, RequestScope
from kcp.schema.builtin import schema_for
from kcp.storage import Page


def _strategy() -> ResourceQuotaStrategy:
    return ResourceQuotaStrategy(RESOURCEQUOTAS, schema_for("", "v1", "ResourceQuota"))


def _messages(spec: dict[str, Any]) -> list[tuple[str, str]]:
    obj: dict[str, Any] = {"metadata": {"name": "q"}, "spec": spec}
    strategy = _strategy()
    strategy.prepare_for_create(obj)
    return [(c.field, c.message) for c in strategy.validate(obj)]


def test_counts_and_legacy_names_are_valid() -> None:
    hard = {"count/configmaps": "1", "configmaps": 2, "count/widgets.example.com": "3", "cpu": "1", "pods": 1}
    assert _messages({"hard": hard}) == []


def test_quantities_are_canonical_and_status_is_the_servers() -> None:
    obj: dict[str, Any] = {
        "metadata": {"name": "q"},
        "spec": {"hard": {"configmaps": 1000}},
        "status": {"x": 1},
    }
    _strategy().prepare_for_create(obj)
    assert obj == {"metadata": {"name": "q"}, "spec": {"hard": {"configmaps": "1k"}}}


def test_an_unparsable_quantity_is_a_decode_error() -> None:
    obj: dict[str, Any] = {"metadata": {"name": "q"}, "spec": {"hard": {"configmaps": "lots"}}}
    with pytest.raises(
        BadRequest, match=r'^ResourceQuota in version "v1" cannot be handled as a ResourceQuota: q'
    ):
        _strategy().prepare_for_create(obj)


def test_names_kube_refuses() -> None:
    assert _messages({"hard": {"foo": "1"}}) == [
        ("spec.hard[foo]", 'Invalid value: "foo": must be a standard resource type or fully qualified'),
        ("spec.hard[foo]", 'Invalid value: "foo": must be a standard resource for quota'),
    ]
    assert _messages({"hard": {"storage": "1"}}) == [
        ("spec.hard[storage]", 'Invalid value: "storage": must be a standard resource for quota'),
    ]


def test_negative_and_fractional_counts() -> None:
    assert _messages({"hard": {"secrets": "-1"}}) == [
        ("spec.hard[secrets]", 'Invalid value: "-1": must be greater than or equal to 0')
    ]
    [(field, message)] = _messages({"hard": {"count/configmaps": "1500m"}})
    assert field == "spec.hard[count/configmaps]"
    assert message.startswith("Invalid value: resource.Quantity{i:resource.int64Amount{value:1500, scale:-3}")
    assert message.endswith(": must be an integer")
    assert _messages({"hard": {"cpu": "1500m"}}) == []  # cpu is not a count


def test_scopes() -> None:
    assert _messages({"hard": {"pods": "1"}, "scopes": ["BestEffort"]}) == []
    assert _messages({"hard": {"configmaps": "1"}, "scopes": ["BestEffort"]}) == [
        (
            "spec.scopes",
            'Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource',
        )
    ]
    shown = 'Invalid value: []core.ResourceQuotaScope{"Terminating", "NotTerminating", "Nope"}'
    assert _messages({"hard": {"pods": "1"}, "scopes": ["Terminating", "NotTerminating", "Nope"]}) == [
        ("spec.scopes", f"{shown}: unsupported scope"),
        ("spec.scopes", f"{shown}: conflicting scopes"),
    ]


def test_scopes_are_immutable() -> None:
    old: dict[str, Any] = {
        "metadata": {"name": "q"},
        "spec": {"hard": {"pods": "1"}, "scopes": ["BestEffort"]},
    }
    new: dict[str, Any] = {"metadata": {"name": "q"}, "spec": {"hard": {"pods": "1"}}}
    assert [c.message for c in _strategy().validate_update(new, old)] == [
        "Invalid value: []core.ResourceQuotaScope(nil): field is immutable"
    ]


def test_what_objects_count_under() -> None:
    assert usage_names("", "configmaps") == ("count/configmaps", "configmaps")
    assert usage_names("example.com", "widgets") == ("count/widgets.example.com",)
    assert usage_names("", "events") == ()  # kube's quota admission ignores core events
    assert counted("secrets") == ("", "secrets")
    assert counted("count/widgets.example.com") == ("example.com", "widgets")
    assert counted("count/leases.coordination.k8s.io") == ("coordination.k8s.io", "leases")
    assert counted("cpu") is None
    assert counted("count/events") is None


async def test_only_namespaces_with_quotas_are_read_on_writes(catalog: Catalog) -> None:
    """Creates in a namespace without quotas read none (the index follows storage); one created
    there is enforced from its event on, and once its last quota is gone the namespace is free again."""
    catalog.quota.start()
    reads: list[str] = []
    listing = catalog.storage.list

    async def counting(prefix: str, **kwargs: Any) -> Page:
        reads.append(prefix)
        return await listing(prefix, **kwargs)

    catalog.storage.list = counting  # type: ignore[method-assign]
    try:
        scope = RequestScope(ClusterName("a"), "ns", ADMIN)
        configmaps = catalog.store("", "v1", "configmaps")
        quotas = catalog.store("", "v1", "resourcequotas")
        for _ in range(50):
            if catalog.quota._presence._scanned:
                break
            await asyncio.sleep(0.01)
        reads.clear()
        await configmaps.create(scope, {"metadata": {"name": "free"}}, OPTS)
        assert not [r for r in reads if "resourcequotas" in r]
        await quotas.create(scope, {"metadata": {"name": "q"}, "spec": {"hard": {"configmaps": "1"}}}, OPTS)
        await asyncio.sleep(0.05)  # the quota's event reaches the index
        with pytest.raises(Forbidden, match="exceeded quota: q"):
            await configmaps.create(scope, {"metadata": {"name": "over"}}, OPTS)
        await quotas.delete(scope, "q", DeleteOptions())
        await asyncio.sleep(0.05)
        await configmaps.create(scope, {"metadata": {"name": "again"}}, OPTS)  # reads, finds none: forgets
        reads.clear()
        await configmaps.create(scope, {"metadata": {"name": "more"}}, OPTS)
        assert not [r for r in reads if "resourcequotas" in r]
    finally:
        catalog.storage.list = listing  # type: ignore[method-assign]
        await catalog.quota.close()
