"""Every new namespace gets the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap.

As kube's serviceaccount and root-CA publisher controllers (which kcp runs for every workspace), so
`kubectl create token default` and in-cluster clients work in any namespace. It shares the namespace
informer of namespace deletion, whose cache holds only terminating namespaces: this controller hears
every namespace change and keeps nothing, and the informer's first list, which notifies only cached
objects, does not replay every namespace of every workspace at start.
"""

from __future__ import annotations

import asyncio
import contextlib

import orjson

from kcp.apimachinery.errors import AlreadyExists, Forbidden, NotFound
from kcp.sdk import GVR, Client, ClusterClient, Controller, Informer, ObjectKey, Result

SERVICEACCOUNTS = GVR("", "v1", "serviceaccounts")
CONFIGMAPS = GVR("", "v1", "configmaps")
ROOT_CA = "kube-root-ca.crt"
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
    "such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across "
    "distributions of Kubernetes clusters."
)


class NamespaceDefaults:
    def __init__(self, client: Client, namespaces: Informer, ca_pem: bytes, workers: int = 4) -> None:
        self.client = client
        self.namespaces = namespaces
        account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}
        root_ca = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": ROOT_CA, "annotations": {"kubernetes.io/description": DESCRIPTION}},
            "data": {"ca.crt": ca_pem.decode()},
        }
        # encoded once: every namespace gets the same bytes
        self.bodies = ((SERVICEACCOUNTS, orjson.dumps(account)), (CONFIGMAPS, orjson.dumps(root_ca)))
        self.controller = Controller("namespace-defaults", self.reconcile, workers)
        self.controller.watch(namespaces)

    async def reconcile(self, key: ObjectKey) -> Result:
        if self.namespaces.get(key) is not None:  # cached means terminating: nothing new goes in
            return Result()
        cluster = self.client.cluster(key.cluster)
        await asyncio.gather(*(_ensure(cluster, gvr, body, key.name) for gvr, body in self.bodies))
        return Result()


async def _ensure(cluster: ClusterClient, gvr: GVR, body: bytes, namespace: str) -> None:
    with contextlib.suppress(AlreadyExists, NotFound, Forbidden):  # there, or namespace gone or going
        await cluster.create(gvr, body, namespace)
