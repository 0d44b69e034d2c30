"""What every new namespace holds from the start: the `default` ServiceAccount and `kube-root-ca.crt`.

kube's serviceaccount and root-CA publisher controllers (which kcp runs for every workspace) add them
soon after a namespace appears. Here the namespace's create request adds them right after writing it:
no informer over every namespace of every workspace, no window in which they are missing, and a
workspace's namespaces cost two in-process writes each rather than two more API round trips.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kcp.apimachinery.errors import AlreadyExists, Forbidden, NotFound
from kcp.apimachinery.user import SYSTEM_MASTERS, UserInfo
from kcp.logicalcluster import ClusterName
from kcp.registry.options import RequestScope, WriteOptions
from kcp.registry.strategy import Companions

if TYPE_CHECKING:
    from kcp.registry.store import Store

ROOT_CA = "kube-root-ca.crt"
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
    "such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across "
    "distributions of Kubernetes clusters."
)
_SYSTEM = UserInfo("system:kcp:namespace-content", groups=(SYSTEM_MASTERS,))
MANAGER = "kube-controller-manager"


class NamespaceContent:
    def __init__(self, stores: Callable[[str, str, str], Store], root_ca_pem: bytes) -> None:
        self.accounts = stores("", "v1", "serviceaccounts")
        self.configmaps = stores("", "v1", "configmaps")
        self.root_ca = root_ca_pem.decode()

    def entries(self, cluster: ClusterName, namespace: str) -> Companions:
        """Both objects, to be written in the namespace's own transaction."""
        scope = RequestScope(cluster, namespace, _SYSTEM)
        return [
            store.entry(scope, store.prepare_new(scope, obj, MANAGER))
            for store, obj in ((self.accounts, self._account()), (self.configmaps, self._root_ca()))
        ]

    async def fill(self, cluster: ClusterName, namespace: str) -> None:
        """Both objects through admission, as kube's controllers write them, for clusters with
        admission webhooks; side by side (one commit). Existing ones are left alone."""
        scope = RequestScope(cluster, namespace, _SYSTEM)
        await asyncio.gather(
            _create(self.accounts, scope, self._account()), _create(self.configmaps, scope, self._root_ca())
        )

    @staticmethod
    def _account() -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}

    def _root_ca(self) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": ROOT_CA, "annotations": {"kubernetes.io/description": DESCRIPTION}},
            "data": {"ca.crt": self.root_ca},
        }


async def _create(store: Store, scope: RequestScope, obj: dict[str, Any]) -> None:
    with contextlib.suppress(AlreadyExists, NotFound, Forbidden):  # there, or the namespace gone or going
        await store.create(scope, obj, WriteOptions(field_manager=MANAGER))
