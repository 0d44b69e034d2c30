"""After entering a workspace, warn about APIBindings whose permission claims the user has not settled.

An APIExport may claim access to resources in the consumer's workspace; the APIBinding must list each
claim and accept or reject it with the same verbs. kcp prints these warnings to stderr and never fails
the switch because of them.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from kcp.cli.plugins import paths
from kcp.cli.plugins.errors import PluginError
from kcp.cli.plugins.rest import APIError, RestClient
from kcp.cli.plugins.tenancy import API_BINDINGS, in_cluster


def warn_unresolved_claims(client: RestClient, host: str) -> None:
    try:
        _, path = paths.split_cluster_url(host)
        bindings = _bindings(client, path)
    except PluginError as err:
        print(f"error checking APIBindings: {err}", file=sys.stderr)
        return
    for binding in bindings:
        for line in _unresolved(binding):
            print(line, file=sys.stderr)


def _bindings(client: RestClient, path: str) -> list[dict[str, Any]]:
    """The workspace's APIBindings; none when the user may not list them or the API is not served."""
    try:
        items = client.get(in_cluster(path, API_BINDINGS)).get("items") or []
    except APIError as err:
        if err.forbidden or err.not_found:
            return []
        raise
    return list(items)


def _unresolved(binding: Mapping[str, Any]) -> list[str]:
    name = (binding.get("metadata") or {}).get("name", "")
    specified = (binding.get("spec") or {}).get("permissionClaims") or []
    out: list[str] = []
    for exported in (binding.get("status") or {}).get("exportPermissionClaims") or []:
        found = acknowledged = verbs_match = False
        expected: set[str] = set()
        actual: set[str] = set()
        for claim in specified:
            if _gri(claim) != _gri(exported):
                continue
            found = True
            acknowledged = claim.get("state") in ("Accepted", "Rejected")
            expected, actual = set(exported.get("verbs") or []), set(claim.get("verbs") or [])
            verbs_match = expected == actual
        claim_name = _claim_string(exported)
        if not found:
            out.append(
                f"Warning: claim for {claim_name} exported but not specified on APIBinding {name}\n"
                "Add this claim to the APIBinding's Spec."
            )
        if not acknowledged:
            out.append(
                f"Warning: claim for {claim_name} specified on APIBinding {name} "
                "but not accepted or rejected."
            )
        if not verbs_match:
            out.append(
                f"Warning: allowed verbs ({','.join(sorted(actual))}) on claim for {claim_name} "
                f"on APIBinding {name} do not match expected verbs ({','.join(sorted(expected))})."
            )
    return out


def _gri(claim: Mapping[str, Any]) -> tuple[str, str, str]:
    return claim.get("group") or "", claim.get("resource") or "", claim.get("identityHash") or ""


def _claim_string(claim: Mapping[str, Any]) -> str:
    """`resource`, `resource.group` or `resource.group:identityHash`, as kcp's PermissionClaim.String."""
    group, resource, identity = _gri(claim)
    if not group:
        return resource
    return f"{resource}.{group}:{identity}" if identity else f"{resource}.{group}"
