"""What a logical cluster serves: the built-in kinds plus the CRDs stored in that cluster.

Stores are keyed by API, never by workspace. CRD-backed Stores are cached in a bounded LRU keyed by
(cluster, CRD name, CRD revision), so memory stays bounded whatever the number of workspaces.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson

from kcp.apimachinery.resources import APIResource
from kcp.logicalcluster import ClusterName, object_key, object_prefix
from kcp.registry.admission import Webhooks
from kcp.registry.builtin import apiextensions, certificates, coordination, core, rbac
from kcp.registry.builtin.admissionpolicy import (
    VALIDATING_POLICIES,
    VALIDATING_POLICY_BINDINGS,
    BindingStrategy,
    PolicyStrategy,
)
from kcp.registry.builtin.admissionregistration import (
    MUTATING_WEBHOOKS,
    VALIDATING_WEBHOOKS,
    WebhookConfigurationStrategy,
)
from kcp.registry.builtin.events import EVENTS_V1, EventStrategy, EventsV1Strategy
from kcp.registry.builtin.resourcequota import RESOURCEQUOTAS, ResourceQuotaStrategy
from kcp.registry.customresource import CustomResourceStrategy, resource_for
from kcp.registry.namespacecontent import NamespaceContent
from kcp.registry.namespacelifecycle import NamespaceLifecycle
from kcp.registry.objectlimit import ObjectLimit
from kcp.registry.quota import QuotaAdmission
from kcp.registry.store import EscalationCheck, Store
from kcp.registry.strategy import Object, Strategy
from kcp.registry.tenancy.admission import TenancyAdmission
from kcp.registry.tenancy.kinds import LOGICALCLUSTERS, WORKSPACES, WORKSPACETYPES
from kcp.registry.tenancy.strategies import LogicalClusterStrategy, WorkspaceStrategy, WorkspaceTypeStrategy
from kcp.registry.tokensecrets import Mint, TokenSecrets
from kcp.storage import Storage

_CRD_CACHE_SIZE = 4096


REVIEW_VERBS = ("create",)
REVIEWS = (
    APIResource(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        False,
        "selfsubjectaccessreview",
        verbs=REVIEW_VERBS,
    ),
    APIResource(
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
        False,
        "selfsubjectrulesreview",
        verbs=REVIEW_VERBS,
    ),
    APIResource(
        "authorization.k8s.io",
        "v1",
        "subjectaccessreviews",
        "SubjectAccessReview",
        False,
        "subjectaccessreview",
        verbs=REVIEW_VERBS,
    ),
    APIResource(
        "authorization.k8s.io",
        "v1",
        "localsubjectaccessreviews",
        "LocalSubjectAccessReview",
        True,
        "localsubjectaccessreview",
        verbs=REVIEW_VERBS,
    ),
    APIResource(
        "authentication.k8s.io", "v1", "tokenreviews", "TokenReview", False, "tokenreview", verbs=REVIEW_VERBS
    ),
    APIResource(
        "authentication.k8s.io",
        "v1",
        "selfsubjectreviews",
        "SelfSubjectReview",
        False,
        "selfsubjectreview",
        verbs=REVIEW_VERBS,
    ),
)

STORED: tuple[tuple[APIResource, type[Strategy]], ...] = (
    (core.NAMESPACES, core.NamespaceStrategy),
    (core.CONFIGMAPS, core.ConfigMapStrategy),
    (core.SECRETS, core.SecretStrategy),
    (core.SERVICEACCOUNTS, core.ServiceAccountStrategy),
    (core.EVENTS, EventStrategy),
    (RESOURCEQUOTAS, ResourceQuotaStrategy),
    (EVENTS_V1, EventsV1Strategy),
    (coordination.LEASES, coordination.LeaseStrategy),
    (certificates.CSRS, certificates.CertificateSigningRequestStrategy),
    (rbac.ROLES, rbac.RoleStrategy),
    (rbac.CLUSTERROLES, rbac.RoleStrategy),
    (rbac.ROLEBINDINGS, rbac.BindingStrategy),
    (rbac.CLUSTERROLEBINDINGS, rbac.BindingStrategy),
    (apiextensions.CRDS, apiextensions.CRDStrategy),
    (VALIDATING_WEBHOOKS, WebhookConfigurationStrategy),
    (MUTATING_WEBHOOKS, WebhookConfigurationStrategy),
    (VALIDATING_POLICIES, PolicyStrategy),
    (VALIDATING_POLICY_BINDINGS, BindingStrategy),
    (WORKSPACES, WorkspaceStrategy),
    (WORKSPACETYPES, WorkspaceTypeStrategy),
    (LOGICALCLUSTERS, LogicalClusterStrategy),
)


def _builtin_schema(resource: APIResource) -> dict[str, Any] | None:
    from kcp.schema.builtin import schema_for

    return schema_for(resource.group, resource.version, resource.kind)


class Catalog:
    def __init__(
        self,
        storage: Storage,
        escalation: EscalationCheck | None = None,
        tenancy: TenancyAdmission | None = None,
        root_ca_pem: bytes | None = None,
        webhooks: Webhooks | None = None,
        mint: Mint | None = None,
        object_limit: int = 0,
    ) -> None:
        """`root_ca_pem`: what each new namespace's kube-root-ca.crt holds (none without it).
        `mint`: signs the tokens of service-account-token Secrets (none filled in without it).
        `object_limit`: every logical cluster's total object limit but root's and system ones (0: none)."""
        self.storage = storage
        self.escalation = escalation
        self.tenancy = tenancy
        self.webhooks = webhooks
        self.namespaces = NamespaceLifecycle(storage)  # started by whoever runs the server
        self.quota = QuotaAdmission(storage)
        self.object_limit = ObjectLimit(storage, object_limit, self.stored_prefixes)  # started with quota
        self.builtin: dict[tuple[str, str, str], Store] = {}
        for resource, strategy in STORED:
            self.builtin[(resource.group, resource.version, resource.resource)] = Store(
                storage,
                resource,
                strategy(resource, _builtin_schema(resource)),
                escalation,
                tenancy,
                self.namespaces,
                webhooks,
                self.quota,
                self.object_limit,
            )
        self.namespace_content = (
            None if root_ca_pem is None else NamespaceContent(self.store, root_ca_pem, self.namespaces)
        )
        for resource, kind in (
            (core.NAMESPACES, core.NamespaceStrategy),
            (core.CONFIGMAPS, core.ConfigMapStrategy),
            (core.SERVICEACCOUNTS, core.ServiceAccountStrategy),
        ):
            hooked = self.store(resource.group, resource.version, resource.resource).strategy
            assert isinstance(hooked, kind)
            hooked.content = self.namespace_content
        quotas = self.store(RESOURCEQUOTAS.group, RESOURCEQUOTAS.version, RESOURCEQUOTAS.resource).strategy
        assert isinstance(quotas, ResourceQuotaStrategy)
        quotas.quota = self.quota
        if mint is not None and root_ca_pem is not None:
            secrets = self.store(core.SECRETS.group, core.SECRETS.version, core.SECRETS.resource)
            accounts = self.store(
                core.SERVICEACCOUNTS.group, core.SERVICEACCOUNTS.version, core.SERVICEACCOUNTS.resource
            )
            assert isinstance(secrets.strategy, core.SecretStrategy)
            assert isinstance(accounts.strategy, core.ServiceAccountStrategy)
            tokens = TokenSecrets(accounts, secrets, mint, root_ca_pem)
            secrets.strategy.tokens = accounts.strategy.tokens = tokens
        self.reviews = {(r.group, r.version, r.resource): r for r in REVIEWS}
        self.builtin_groups = {r.group for r, _ in STORED} | {r.group for r in REVIEWS}
        self._crd_stores: OrderedDict[tuple[str, str, str], tuple[int, Store]] = OrderedDict()

    def builtin_resources(self) -> list[APIResource]:
        return [s.resource for s in self.builtin.values()] + list(REVIEWS)

    def store(self, group: str, version: str, resource: str) -> Store:
        """A built-in Store by name (bootstrap and controllers inside the server)."""
        return self.builtin[(group, version, resource)]

    async def lookup(
        self, cluster: ClusterName | str, group: str, version: str, resource: str
    ) -> Store | None:
        found = self.builtin.get((group, version, resource))
        if found is not None or group in self.builtin_groups:
            return found
        if cluster == "*":
            return self._wildcard_store(group, version, resource)
        name = f"{resource}.{group}"
        entry = await self.storage.get(
            object_key(apiextensions.G, "customresourcedefinitions", ClusterName(cluster), "", name)
        )
        if entry is None:
            return None
        cache_key = (cluster, name, version)
        cached = self._crd_stores.get(cache_key)
        if cached is not None and cached[0] == entry.mod_revision:
            self._crd_stores.move_to_end(cache_key)
            return cached[1]
        store = self._crd_store(orjson.loads(entry.value), version)
        if store is None:
            return None
        self._crd_stores[cache_key] = (entry.mod_revision, store)
        if len(self._crd_stores) > _CRD_CACHE_SIZE:
            self._crd_stores.popitem(last=False)
        return store

    def _crd_store(self, crd: Object, version: str) -> Store | None:
        if not _established(crd):
            return None
        for v in crd["spec"].get("versions") or []:
            if v.get("name") == version and v.get("served"):
                strategy = CustomResourceStrategy.serving(crd, v)
                return Store(
                    self.storage,
                    strategy.resource,
                    strategy,
                    self.escalation,
                    self.tenancy,
                    self.namespaces,
                    self.webhooks,
                    self.quota,
                    self.object_limit,
                )
        return None

    def _wildcard_store(self, group: str, version: str, resource: str) -> Store:
        """Across clusters there is no single CRD: objects are listed as stored, without a schema."""
        res = APIResource(group, version, resource, "", True)
        return Store(self.storage, res, Strategy(res), self.escalation)

    async def crds(self, cluster: ClusterName) -> list[Object]:
        page = await self.storage.list(object_prefix(apiextensions.G, "customresourcedefinitions", cluster))
        return [orjson.loads(e.value) for e in page.entries]

    async def served(self, cluster: ClusterName) -> list[APIResource]:
        """Everything discovery lists for a cluster: built-ins, then each served CRD version."""
        out = self.builtin_resources()
        for crd in await self.crds(cluster):
            if _established(crd):
                out += [resource_for(crd, v) for v in crd["spec"].get("versions") or [] if v.get("served")]
        return out

    async def stored_prefixes(self, cluster: ClusterName) -> list[str]:
        """The key prefix of each resource a cluster serves: where all of its objects are."""
        prefixes: dict[str, None] = {}
        for res in await self.served(cluster):
            store = await self.lookup(cluster, res.group, res.version, res.resource)
            if store is not None:
                prefixes[object_prefix(store.stored_as.group, store.stored_as.resource, cluster)] = None
        return list(prefixes)


def _established(crd: Object) -> bool:
    for cond in (crd.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Established":
            return bool(cond.get("status") == "True")
    return False
