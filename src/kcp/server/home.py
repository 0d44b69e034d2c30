"""HTTP side of `GET workspaces/~`: answered before the cluster's own authorization, as kcp's filter is.

As kcp's filter, it answers in root only (what `kubectl ws ~` asks); elsewhere `~` is an ordinary name
that no Workspace has. The answer is the caller's home (registry/tenancy/home.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from kcp.apimachinery.user import UserInfo
from kcp.logicalcluster import ROOT
from kcp.registry.catalog import Catalog
from kcp.registry.tables import to_table
from kcp.registry.tenancy.home import HomeWorkspaces, is_home_request
from kcp.registry.tenancy.kinds import WORKSPACES
from kcp.server.authn import localize
from kcp.server.handlers import json_response
from kcp.server.negotiation import check_json_acceptable, wants_table
from kcp.server.requestinfo import RequestInfo

__all__ = ["HomeWorkspaces", "serve_home", "wants_home"]


def wants_home(info: RequestInfo) -> bool:
    """Whether this request is `GET workspaces/~` (with home workspaces off, an ordinary 404)."""
    return (
        not info.virtual
        and info.cluster == ROOT
        and info.is_resource_request
        and is_home_request(info.verb, info.group, info.resource, info.name, info.subresource)
    )


async def serve_home(
    home: HomeWorkspaces, catalog: Catalog, request: web.Request, user: UserInfo
) -> web.Response:
    """The caller's home Workspace, as JSON or as a Table for `kubectl get workspace '~'`."""
    accept = request.headers.get("Accept", "")
    check_json_acceptable(accept)
    workspace = await home.get(localize(user, ROOT))  # a foreign service account is nobody here
    if not wants_table(accept):
        return json_response(workspace)
    store = catalog.store(WORKSPACES.group, WORKSPACES.version, WORKSPACES.resource)
    return json_response(
        to_table(
            (WORKSPACES.group, WORKSPACES.kind),
            [workspace],
            list_meta={},
            include_object=request.query.get("includeObject") or "Metadata",
            now=datetime.now(UTC),
            printer_columns=store.strategy.printer_columns(),
        )
    )
