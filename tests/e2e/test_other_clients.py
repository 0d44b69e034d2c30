"""Other popular Python Kubernetes clients against a real server: kubernetes-asyncio, kr8s and lightkube.

Each reads admin.kubeconfig itself, so each must keep the `/clusters/root` path of the server URL.
A client that is not installed skips its own tests (they are test extras, not runtime dependencies).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.server import Server

# --- kubernetes-asyncio -------------------------------------------------------------------------


async def test_kubernetes_asyncio_crud(kcp_server: Server, namespace: str) -> None:
    pytest.importorskip("kubernetes_asyncio")
    from kubernetes_asyncio import client, config
    from kubernetes_asyncio.client.rest import ApiException

    cfg = client.Configuration()
    await config.load_kube_config(config_file=str(kcp_server.kubeconfig), client_configuration=cfg)
    assert cfg.host.endswith("/clusters/root")
    async with client.ApiClient(cfg) as api:
        core = client.CoreV1Api(api)
        made = await core.create_namespaced_config_map(
            namespace,
            client.V1ConfigMap(metadata=client.V1ObjectMeta(name="aio", labels={"x": "1"}), data={"a": "1"}),
        )
        assert made.metadata.uid and made.data == {"a": "1"}
        got = await core.read_namespaced_config_map("aio", namespace)
        assert got.metadata.resource_version == made.metadata.resource_version
        patched = await core.patch_namespaced_config_map("aio", namespace, {"data": {"b": "2"}})
        assert patched.data == {"a": "1", "b": "2"}

        # optimistic concurrency: the copy read before the patch is stale now
        got.data = {"stale": "1"}
        with pytest.raises(ApiException) as exc:
            await core.replace_namespaced_config_map("aio", namespace, got)
        assert exc.value.status == 409

        listed = await core.list_namespaced_config_map(namespace, label_selector="x=1")
        assert [c.metadata.name for c in listed.items] == ["aio"]

        # many concurrent requests on one client
        await asyncio.gather(
            *(
                core.create_namespaced_config_map(
                    namespace,
                    client.V1ConfigMap(metadata=client.V1ObjectMeta(name=f"many-{i}", labels={"many": "y"})),
                )
                for i in range(20)
            )
        )
        many = await core.list_namespaced_config_map(namespace, label_selector="many=y")
        assert len(many.items) == 20

        await core.delete_namespaced_config_map("aio", namespace)
        with pytest.raises(ApiException) as exc:
            await core.read_namespaced_config_map("aio", namespace)
        assert exc.value.status == 404

        me = await client.AuthenticationV1Api(api).create_self_subject_review(client.V1SelfSubjectReview())
        assert me.status.user_info.username == "kcp-admin"
        roles = await client.RbacAuthorizationV1Api(api).list_cluster_role()
        assert "cluster-admin" in {r.metadata.name for r in roles.items}


async def test_kubernetes_asyncio_watch(kcp_server: Server, namespace: str) -> None:
    pytest.importorskip("kubernetes_asyncio")
    from kubernetes_asyncio import client, config, watch

    cfg = client.Configuration()
    await config.load_kube_config(config_file=str(kcp_server.kubeconfig), client_configuration=cfg)
    async with client.ApiClient(cfg) as api:
        core = client.CoreV1Api(api)
        rv = (await core.list_namespaced_config_map(namespace)).metadata.resource_version

        async def writer() -> None:
            await asyncio.sleep(0.3)
            await core.create_namespaced_config_map(
                namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w"), data={"v": "1"})
            )
            await core.patch_namespaced_config_map("w", namespace, {"data": {"v": "2"}})
            await core.delete_namespaced_config_map("w", namespace)

        task = asyncio.create_task(writer())
        seen: list[tuple[str, str, str | None]] = []
        async with watch.Watch() as w:
            async for ev in w.stream(
                core.list_namespaced_config_map, namespace, resource_version=rv, timeout_seconds=5
            ):
                obj = ev["object"]
                seen.append((ev["type"], obj.metadata.name, (obj.data or {}).get("v")))
                if ev["type"] == "DELETED":
                    w.stop()
        await task
    assert seen == [("ADDED", "w", "1"), ("MODIFIED", "w", "2"), ("DELETED", "w", "2")]


# --- kr8s ---------------------------------------------------------------------------------------


def _kr8s_api(kcp_server: Server) -> Any:
    kr8s = pytest.importorskip("kr8s")
    return kr8s.api(kubeconfig=str(kcp_server.kubeconfig))


def test_kr8s_get_list_create(kcp_server: Server, namespace: str) -> None:
    pytest.importorskip("kr8s")
    from kr8s.objects import ConfigMap, Namespace

    api = _kr8s_api(kcp_server)
    assert api.whoami() == "kcp-admin"

    names = {ns.name for ns in api.get("namespaces")}
    assert {"default", namespace} <= names
    assert Namespace.get(namespace, api=api).name == namespace

    cm = ConfigMap(
        {"metadata": {"name": "kr8s", "namespace": namespace, "labels": {"by": "kr8s"}}, "data": {"a": "1"}},
        api=api,
    )
    cm.create()
    assert cm.metadata.uid
    assert cm.exists()
    got = ConfigMap.get("kr8s", namespace=namespace, api=api)
    assert got.raw["data"] == {"a": "1"}
    got.patch({"data": {"b": "2"}})
    got.label(tier="x")
    got.refresh()
    assert got.raw["data"] == {"a": "1", "b": "2"}
    assert got.labels["tier"] == "x"

    listed = list(api.get("configmaps", namespace=namespace, label_selector={"by": "kr8s"}))
    assert [c.name for c in listed] == ["kr8s"]
    assert list(api.get("configmaps", namespace=namespace, label_selector={"by": "nobody"})) == []
    by_field = list(api.get("configmaps", namespace=namespace, field_selector="metadata.name=kr8s"))
    assert [c.name for c in by_field] == ["kr8s"]

    got.delete()
    assert not ConfigMap("kr8s", namespace=namespace, api=api).exists()


def test_kr8s_api_resources_and_lookup(kcp_server: Server) -> None:
    api = _kr8s_api(kcp_server)
    resources = {(r["name"], r.get("version")) for r in api.api_resources()}
    names = {name for name, _ in resources}
    assert {"configmaps", "secrets", "leases", "roles", "customresourcedefinitions"} <= names
    version = api.version()
    assert version["major"] and version["gitVersion"]


# --- lightkube ----------------------------------------------------------------------------------


@pytest.fixture
def lk(kcp_server: Server) -> Iterator[Any]:
    lightkube = pytest.importorskip("lightkube")
    client = lightkube.Client(
        lightkube.KubeConfig.from_file(str(kcp_server.kubeconfig)), field_manager="lk-test"
    )
    yield client
    client.close()


def test_lightkube_get_list_create(lk: Any, namespace: str) -> None:
    client = lk
    from lightkube import ApiError
    from lightkube.models.meta_v1 import ObjectMeta
    from lightkube.resources.core_v1 import ConfigMap, Namespace, Secret
    from lightkube.types import PatchType

    assert client.get(Namespace, namespace).metadata.name == namespace
    made = client.create(
        ConfigMap(metadata=ObjectMeta(name="lk", labels={"by": "lk"}), data={"a": "1"}), namespace=namespace
    )
    assert made.metadata.uid
    assert client.get(ConfigMap, "lk", namespace=namespace).data == {"a": "1"}

    client.patch(ConfigMap, "lk", {"data": {"b": "2"}}, namespace=namespace)
    merged = client.patch(
        ConfigMap, "lk", {"data": {"a": None}}, namespace=namespace, patch_type=PatchType.MERGE
    )
    assert merged.data == {"b": "2"}
    jsonp = client.patch(
        ConfigMap,
        "lk",
        [{"op": "add", "path": "/data/c", "value": "3"}],
        namespace=namespace,
        patch_type=PatchType.JSON,
    )
    assert jsonp.data == {"b": "2", "c": "3"}

    assert [c.metadata.name for c in client.list(ConfigMap, namespace=namespace, labels={"by": "lk"})] == [
        "lk"
    ]
    assert list(client.list(ConfigMap, namespace=namespace, labels={"by": "other"})) == []
    assert [
        c.metadata.name for c in client.list(ConfigMap, namespace=namespace, fields={"metadata.name": "lk"})
    ] == ["lk"]

    # lightkube pages with limit/continue transparently
    for i in range(5):
        client.create(
            ConfigMap(metadata=ObjectMeta(name=f"page-{i}", labels={"page": "y"})), namespace=namespace
        )
    paged = [
        c.metadata.name
        for c in client.list(ConfigMap, namespace=namespace, labels={"page": "y"}, chunk_size=2)
    ]
    assert sorted(paged) == [f"page-{i}" for i in range(5)]

    with pytest.raises(ApiError) as exc:
        client.create(ConfigMap(metadata=ObjectMeta(name="lk")), namespace=namespace)
    assert exc.value.status.code == 409

    client.create(Secret(metadata=ObjectMeta(name="lk"), stringData={"k": "v"}), namespace=namespace)
    assert client.get(Secret, "lk", namespace=namespace).data == {"k": "dg=="}

    client.delete(ConfigMap, "lk", namespace=namespace)
    with pytest.raises(ApiError) as exc:
        client.get(ConfigMap, "lk", namespace=namespace)
    assert exc.value.status.code == 404


def test_lightkube_apply_and_watch(lk: Any, namespace: str) -> None:
    client = lk
    from lightkube.models.meta_v1 import ObjectMeta
    from lightkube.resources.core_v1 import ConfigMap

    existing = client.list(ConfigMap, namespace=namespace)
    assert [c.metadata.name for c in existing] == ["kube-root-ca.crt"]
    rv = existing.resourceVersion  # type: ignore[attr-defined]

    seen: list[tuple[str, str, str | None]] = []

    def watcher() -> None:
        # lightkube re-watches from the last resourceVersion whenever the server ends a watch
        for op, obj in client.watch(ConfigMap, namespace=namespace, resource_version=rv, server_timeout=2):
            seen.append((op, obj.metadata.name, (obj.data or {}).get("a")))
            if op == "DELETED":
                return

    t = threading.Thread(target=watcher, daemon=True)
    t.start()
    # server-side apply, twice (field manager lk-test from the client), then delete
    first = client.apply(ConfigMap(metadata=ObjectMeta(name="applied", namespace=namespace), data={"a": "1"}))
    assert [m.manager for m in first.metadata.managedFields] == ["lk-test"]
    client.apply(ConfigMap(metadata=ObjectMeta(name="applied", namespace=namespace), data={"a": "2"}))
    client.delete(ConfigMap, "applied", namespace=namespace)
    t.join(10)
    assert not t.is_alive(), f"watch did not see the delete: {seen}"
    assert seen == [("ADDED", "applied", "1"), ("MODIFIED", "applied", "2"), ("DELETED", "applied", "2")]


@pytest.mark.timeout(60)  # lightkube's wait has no timeout of its own
def test_lightkube_generic_custom_resource(lk: Any, namespace: str) -> None:
    client = lk
    from lightkube import ApiError
    from lightkube.generic_resource import create_namespaced_resource
    from lightkube.models.apiextensions_v1 import (
        CustomResourceDefinitionNames,
        CustomResourceDefinitionSpec,
        CustomResourceDefinitionVersion,
        CustomResourceSubresources,
        CustomResourceValidation,
        JSONSchemaProps,
    )
    from lightkube.models.meta_v1 import ObjectMeta
    from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
    from lightkube.types import PatchType

    group = "lk.example.com"
    schema = JSONSchemaProps(
        type="object",
        properties={
            "spec": JSONSchemaProps(
                type="object", properties={"size": JSONSchemaProps(type="integer", minimum=1)}
            ),
            "status": JSONSchemaProps(type="object", properties={"phase": JSONSchemaProps(type="string")}),
        },
    )
    crd = CustomResourceDefinition(
        metadata=ObjectMeta(name=f"gizmos.{group}"),
        spec=CustomResourceDefinitionSpec(
            group=group,
            scope="Namespaced",
            names=CustomResourceDefinitionNames(plural="gizmos", singular="gizmo", kind="Gizmo"),
            versions=[
                CustomResourceDefinitionVersion(
                    name="v1",
                    served=True,
                    storage=True,
                    schema=CustomResourceValidation(openAPIV3Schema=schema),
                    subresources=CustomResourceSubresources(status={}),
                )
            ],
        ),
    )
    try:
        client.create(crd)
    except ApiError as e:
        if e.status.code != 409:
            raise
    # lightkube's wait watches the CRD by name until the condition holds
    established = client.wait(CustomResourceDefinition, f"gizmos.{group}", for_conditions=["Established"])
    assert any(c.type == "Established" and c.status == "True" for c in established.status.conditions)

    Gizmo = create_namespaced_resource(group, "v1", "Gizmo", "gizmos")
    made = client.create(Gizmo(metadata=ObjectMeta(name="g"), spec={"size": 2}), namespace=namespace)
    assert made.spec == {"size": 2}
    assert client.get(Gizmo, "g", namespace=namespace).metadata.uid == made.metadata.uid
    assert [g.metadata.name for g in client.list(Gizmo, namespace=namespace)] == ["g"]
    with pytest.raises(ApiError) as exc:
        client.create(Gizmo(metadata=ObjectMeta(name="bad"), spec={"size": 0}), namespace=namespace)
    assert exc.value.status.code == 422
    # lightkube patches strategically by default, which custom resources do not support
    with pytest.raises(ApiError) as exc:
        client.patch(Gizmo.Status, "g", {"status": {"phase": "Ready"}}, namespace=namespace)
    assert exc.value.status.code == 415
    assert "application/merge-patch+json" in exc.value.status.message
    status = client.patch(
        Gizmo.Status, "g", {"status": {"phase": "Ready"}}, namespace=namespace, patch_type=PatchType.MERGE
    )
    assert status.status == {"phase": "Ready"}
    client.delete(Gizmo, "g", namespace=namespace)
    assert list(client.list(Gizmo, namespace=namespace)) == []
