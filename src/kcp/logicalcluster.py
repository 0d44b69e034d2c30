"""Logical cluster names, workspace paths and the one place storage keys are built.

The logical cluster is data on the request and in the key, never a Python object per workspace.
A second cluster is one key prefix away: `/registry/<group>/<resource>/<cluster>/[<ns>/]<name>`.
"""

from __future__ import annotations

import re
from typing import NewType

ClusterName = NewType("ClusterName", str)  # one segment (`root`, `2x7ab9kq...`); goes in keys
WorkspacePath = NewType("WorkspacePath", str)  # root:org:team; resolved to a ClusterName first

WILDCARD = "*"
ROOT = ClusterName("root")

_SEGMENT = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
CLUSTER_NAME = re.compile(_SEGMENT)
# system clusters such as `system:admin` are single logical clusters whose name carries one colon.
SYSTEM_CLUSTER = re.compile(rf"system:{_SEGMENT}")
WORKSPACE_PATH = re.compile(rf"{_SEGMENT}(:{_SEGMENT})*")


def is_valid_path(value: str) -> bool:
    """A workspace path or logical cluster name as accepted in `/clusters/<value>/`."""
    return bool(WORKSPACE_PATH.fullmatch(value))


def is_cluster_name(value: str) -> bool:
    return bool(CLUSTER_NAME.fullmatch(value) or SYSTEM_CLUSTER.fullmatch(value))


def parent_path(path: WorkspacePath) -> WorkspacePath | None:
    head, sep, _ = path.rpartition(":")
    return WorkspacePath(head) if sep else None


def base_name(path: WorkspacePath) -> str:
    return path.rpartition(":")[2]


def join(path: WorkspacePath, child: str) -> WorkspacePath:
    return WorkspacePath(f"{path}:{child}")


def resource_prefix(group: str, resource: str) -> str:
    """All objects of one resource across every logical cluster (wildcard list/watch)."""
    return f"/registry/{group or 'core'}/{resource}/"


def object_prefix(group: str, resource: str, cluster: ClusterName, namespace: str = "") -> str:
    """All objects of a resource in one cluster (and namespace); ends with `/`."""
    if not is_cluster_name(cluster):
        raise ValueError(f"not a logical cluster name: {cluster!r}")
    scope = f"{cluster}/{namespace}" if namespace else cluster
    return f"{resource_prefix(group, resource)}{scope}/"


def object_key(group: str, resource: str, cluster: ClusterName, namespace: str, name: str) -> str:
    """The one key builder: a path here would write rows no read finds."""
    if not name or "/" in name:
        raise ValueError(f"not an object name: {name!r}")
    return object_prefix(group, resource, cluster, namespace) + name


def cluster_of_key(key: str) -> ClusterName:
    """The logical cluster a storage key belongs to (the `kcp.io/cluster` annotation)."""
    return ClusterName(key.split("/", 5)[4])
