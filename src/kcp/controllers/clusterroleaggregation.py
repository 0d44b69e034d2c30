"""ClusterRole aggregation: an aggregated ClusterRole's rules are the union of the roles it selects.

Aggregation never crosses a logical cluster, so the unit of work is a cluster: any ClusterRole event
queues its cluster COALESCE seconds later (a burst of writes folds into one run), and a run lists
that cluster's ClusterRoles once and rewrites every aggregated role whose rules are stale. The
informer keeps only aggregated roles (few, and none in a workspace that made none), so a start
reconciles each cluster holding one: an aggregation a stop or crash cut short is finished. An idle
workspace costs no memory here; there is no task, informer or queue per logical cluster.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from kcp.apimachinery.errors import Conflict, NotFound
from kcp.auth.rbac import aggregate_cluster_role
from kcp.sdk import GVR, Client, Controller, Informer, ObjectKey, Result

log = logging.getLogger("kcp.controllers.clusterroleaggregation")
CLUSTERROLES = GVR("rbac.authorization.k8s.io", "v1", "clusterroles")
COALESCE = 0.25  # seconds: a burst of role writes in one cluster (a new workspace gets 7) lists it once


def _aggregated(role: dict[str, Any]) -> bool:
    return role.get("aggregationRule") is not None


class ClusterRoleAggregation:
    def __init__(self, client: Client, workers: int = 2) -> None:
        self.client = client
        self.informer = Informer(client.cluster("*"), CLUSTERROLES, keep=_aggregated)
        self.controller = Controller("clusterrole-aggregation", self.reconcile, workers)
        self.controller.watch(self.informer, lambda key: ObjectKey(key.cluster, "", ""), delay=COALESCE)

    async def reconcile(self, key: ObjectKey) -> Result:
        cluster = self.client.cluster(key.cluster)
        try:
            roles: list[dict[str, Any]] = (await cluster.list(CLUSTERROLES)).get("items", [])
        except NotFound:  # the logical cluster is gone
            return Result()
        for target in roles:
            if target.get("aggregationRule") is None:
                continue
            try:
                rules = aggregate_cluster_role(target, roles)
            except ValueError as e:  # an invalid selector: nothing to do until the role changes
                log.warning("clusterrole %s in %s: %s", target["metadata"]["name"], key.cluster, e)
                continue
            if rules != (target.get("rules") or []):
                with contextlib.suppress(Conflict, NotFound):  # a newer event queues the cluster again
                    await cluster.update(CLUSTERROLES, {**target, "rules": rules})
        return Result()
