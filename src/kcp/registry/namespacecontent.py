"""What every active namespace holds: the `default` ServiceAccount and `kube-root-ca.crt`.

kube's serviceaccount and root-CA publisher controllers (which kcp runs for every workspace) add them
soon after a namespace appears, put them back soon after they are deleted, and the publisher also
resets the ConfigMap's data when it is changed. Here the requests that do those things do the rest
too: a namespace's create writes both in its own transaction; deleting either (or updating
kube-root-ca.crt) writes it back right after, through the ConfigMap and ServiceAccount strategies'
`deleted`/`updated` hooks. No informer over every namespace, ConfigMap or ServiceAccount of every
workspace, no watch event per write for a controller to filter, and no window in which they are
missing. Unlike kube's controllers, a write-back that fails (a webhook refusing it) is not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kcp.apimachinery.errors import AlreadyExists, Forbidden, NotFound, StatusError
from kcp.apimachinery.serialization import clone
from kcp.apimachinery.user import SYSTEM_MASTERS, UserInfo
from kcp.logicalcluster import ClusterName, object_key
from kcp.registry.options import RequestScope, WriteOptions
from kcp.registry.strategy import Companions

if TYPE_CHECKING:
    from kcp.registry.namespacelifecycle import NamespaceLifecycle
    from kcp.registry.store import Store

ROOT_CA = "kube-root-ca.crt"
DEFAULT_ACCOUNT = "default"
DESCRIPTION_ANNOTATION = "kubernetes.io/description"
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
    "such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across "
    "distributions of Kubernetes clusters."
)
_SYSTEM = UserInfo("system:kcp:namespace-content", groups=(SYSTEM_MASTERS,))
MANAGER = "kube-controller-manager"
_OPTS = WriteOptions(field_manager=MANAGER)


class NamespaceContent:
    def __init__(
        self, stores: Callable[[str, str, str], Store], root_ca_pem: bytes, namespaces: NamespaceLifecycle
    ) -> None:
        self.accounts = stores("", "v1", "serviceaccounts")
        self.configmaps = stores("", "v1", "configmaps")
        self.root_ca = root_ca_pem.decode()
        self.namespaces = namespaces

    def entries(self, cluster: ClusterName, namespace: str) -> Companions:
        """Both objects, to be written in the namespace's own transaction."""
        scope = RequestScope(cluster, namespace, _SYSTEM)
        return [
            store.fixed_entry(scope, obj, MANAGER)
            for store, obj in ((self.accounts, self._account()), (self.configmaps, self._root_ca()))
        ]

    async def fill(self, cluster: ClusterName, namespace: str) -> None:
        """Both objects through admission, as kube's controllers write them, for clusters with
        admission webhooks; side by side (one commit). Existing ones are left alone."""
        scope = RequestScope(cluster, namespace, _SYSTEM)
        await asyncio.gather(
            _create(self.accounts, scope, self._account()), _create(self.configmaps, scope, self._root_ca())
        )

    async def account_deleted(self, cluster: ClusterName, namespace: str) -> None:
        """The serviceaccount controller's answer to a deleted `default`: a new one, unless the
        namespace is gone or going."""
        if await self._active(cluster, namespace):
            with contextlib.suppress(StatusError):  # the delete was done; this must not fail it
                await _create(self.accounts, RequestScope(cluster, namespace, _SYSTEM), self._account())

    async def root_ca_deleted(self, cluster: ClusterName, namespace: str) -> None:
        """The root-CA publisher's answer to a deleted kube-root-ca.crt: a new one, unless the
        namespace is gone or going."""
        if await self._active(cluster, namespace):
            with contextlib.suppress(StatusError):  # the delete was done; this must not fail it
                await _create(self.configmaps, RequestScope(cluster, namespace, _SYSTEM), self._root_ca())

    async def root_ca_updated(self, cluster: ClusterName, namespace: str, cm: dict[str, Any]) -> None:
        """The root-CA publisher's answer to an edited kube-root-ca.crt: its data exactly the CA
        bundle, and a description; everything else as the editor left it."""
        data = {"ca.crt": self.root_ca}
        annotations = cm["metadata"].get("annotations") or {}
        if cm.get("data") == data and annotations.get(DESCRIPTION_ANNOTATION):
            return
        fixed = clone(cm)
        fixed["data"] = data
        fixed["metadata"].setdefault("annotations", {})[DESCRIPTION_ANNOTATION] = DESCRIPTION
        scope = RequestScope(cluster, namespace, _SYSTEM)
        # on the version just written: a newer write runs this again itself
        with contextlib.suppress(StatusError):  # the update was done; this must not fail it
            await self.configmaps.update(scope, ROOT_CA, fixed, _OPTS)

    async def _active(self, cluster: ClusterName, namespace: str) -> bool:
        """Whether the namespace exists and is not terminating, from namespace lifecycle's cache: a
        namespace being deleted loses both objects for good, without a create refused for each."""
        key = object_key("", "namespaces", cluster, "", namespace)
        return await self.namespaces.terminating(key) is False

    @staticmethod
    def _account() -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": DEFAULT_ACCOUNT}}

    def _root_ca(self) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": ROOT_CA, "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION}},
            "data": {"ca.crt": self.root_ca},
        }


async def _create(store: Store, scope: RequestScope, obj: dict[str, Any]) -> None:
    with contextlib.suppress(AlreadyExists, NotFound, Forbidden):  # there, or the namespace gone or going
        await store.create(scope, obj, _OPTS)
