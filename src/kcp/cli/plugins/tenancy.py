"""Where the plugins find kcp's objects over REST, and how kcp prints a workspace type reference."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from kcp.cli.plugins import paths

WORKSPACES = "/apis/tenancy.kcp.io/v1alpha1/workspaces"
LOGICAL_CLUSTER = "/apis/core.kcp.io/v1alpha1/logicalclusters/cluster"
API_BINDINGS = "/apis/apis.kcp.io/v1alpha2/apibindings"
READY = "Ready"


def in_cluster(cluster: str, api_path: str, name: str = "") -> str:
    """`/clusters/<cluster><api_path>[/<name>]`; the name is escaped (`~` stays as is)."""
    url = f"/clusters/{cluster}{api_path}"
    return f"{url}/{quote(name, safe='~')}" if name else url


def type_string(ref: Mapping[str, Any] | None) -> str:
    """`<path>:<name>` as kcp prints a WorkspaceTypeReference (just the name when the path is empty)."""
    ref = ref or {}
    return paths.join(str(ref.get("path") or ""), str(ref.get("name") or ""))
