"""Accept headers as kubectl and client-go send them."""

from __future__ import annotations

import pytest

from kcp.apimachinery.errors import NotAcceptable
from kcp.server.negotiation import aggregated_discovery, check_json_acceptable, wants_table

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
