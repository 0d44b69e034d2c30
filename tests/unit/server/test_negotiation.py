"""Accept headers as kubectl and client-go send them."""

from __future__ import annotations

import pytest

from kcp.apimachinery.errors import NotAcceptable
from kcp.server.negotiation import aggregated_discovery, check_json_acceptable, wants_table
from kcp.server.rendering import prefers_yaml

KUBECTL_TABLE = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
    "application/json"
)
KUBECTL_DISCOVERY = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)


def test_table() -> None:
    assert wants_table(KUBECTL_TABLE)
    assert not wants_table("application/json")


def test_aggregated_discovery() -> None:
    assert aggregated_discovery(KUBECTL_DISCOVERY) == "v2"
    assert aggregated_discovery("application/json") is None


def test_protobuf_only_is_406() -> None:
    check_json_acceptable("application/vnd.kubernetes.protobuf,application/json")
    with pytest.raises(NotAcceptable):
        check_json_acceptable("application/vnd.kubernetes.protobuf")


@pytest.mark.parametrize(
    ("accept", "yaml"),
    [
        ("application/yaml;q=0.5, application/json", False),
        ("application/json;q=0.5, application/yaml", True),
        ("*/*, application/yaml", True),  # the concrete type first at equal q
        ("application/json, application/yaml", False),
        ("application/yaml;q=x, application/json;q=0.1", False),  # a bad q is 0
    ],
)
def test_q_values_and_specificity_order_the_ranges(accept: str, yaml: bool) -> None:
    assert prefers_yaml(accept) is yaml


def test_a_lower_q_json_range_does_not_win_over_a_table() -> None:
    assert wants_table("application/json;q=0.9,application/json;as=Table;v=v1;g=meta.k8s.io")
