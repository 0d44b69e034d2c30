"""An informer's transform trims what it caches; handlers still hear of every change."""

from __future__ import annotations

from typing import Any

from kcp.sdk.client import GVR, Client
from kcp.sdk.informer import Informer, ObjectKey, drop_managed_fields

CONFIGMAPS = GVR("", "v1", "configmaps")


def configmap(name: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "annotations": {"kcp.io/cluster": "c1"},
            "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:data": {}}}],
        },
        "data": {"a": "b"},
    }


async def test_transform_drops_managed_fields_from_the_cache() -> None:
    client = Client("https://127.0.0.1:1")
    try:
        informer = Informer(client.cluster("*"), CONFIGMAPS, transform=drop_managed_fields)
        heard: list[ObjectKey] = []
        informer.add_handler(heard.append)
        informer._apply("ADDED", configmap("x"))
        key = ObjectKey("c1", "ns", "x")
        cached = informer.get(key)
        assert cached is not None
        assert "managedFields" not in cached["metadata"]
        assert cached["data"] == {"a": "b"}
        assert heard == [key]
    finally:
        await client.close()


async def test_no_transform_keeps_the_object_as_served() -> None:
    client = Client("https://127.0.0.1:1")
    try:
        informer = Informer(client.cluster("*"), CONFIGMAPS)
        informer._apply("ADDED", configmap("y"))
        cached = informer.get(ObjectKey("c1", "ns", "y"))
        assert cached is not None and cached["metadata"]["managedFields"]
    finally:
        await client.close()
