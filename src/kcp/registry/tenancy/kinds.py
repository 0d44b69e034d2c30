"""Descriptors and well-known names of the tenancy kinds, matching kcp's wire format."""

from __future__ import annotations

import hashlib

from kcp.apimachinery.resources import APIResource

TENANCY = "tenancy.kcp.io"
CORE = "core.kcp.io"

WORKSPACES = APIResource(
    TENANCY,
    "v1alpha1",
    "workspaces",
    "Workspace",
    False,
    "workspace",
    ("ws",),
    ("kcp",),
    subresources=("status",),
)
WORKSPACETYPES = APIResource(
    TENANCY,
    "v1alpha1",
    "workspacetypes",
    "WorkspaceType",
    False,
    "workspacetype",
    (),
    ("kcp",),
    subresources=("status",),
)
LOGICALCLUSTERS = APIResource(
    CORE,
    "v1alpha1",
    "logicalclusters",
    "LogicalCluster",
    False,
    "logicalcluster",
    (),
    ("kcp",),
    subresources=("status",),
)

LOGICALCLUSTER_NAME = "cluster"  # the singleton in every logical cluster
PATH_ANNOTATION = "kcp.io/path"
CLUSTER_ANNOTATION = "kcp.io/cluster"  # the logical cluster an object lives in
TYPE_ANNOTATION = "internal.tenancy.kcp.io/type"
OWNER_ANNOTATION = "experimental.tenancy.kcp.io/owner"
PHASE_LABEL = "tenancy.kcp.io/phase"
WORKSPACE_FINALIZER = "core.kcp.io/logicalcluster"
DELETION_FINALIZER = "core.kcp.io/logicalcluster-deletion"
TERMINATORS_FINALIZER = "kcp.io/has-terminators"
INITIALIZER_LABEL_PREFIX = "initializer.internal.kcp.io/"
TERMINATOR_LABEL_PREFIX = "terminator.internal.kcp.io/"
RESERVED_TYPE_NAMES = ("any", "system")


def type_reference(path: str, name: str) -> str:
    """`root:universal`: how kcp writes a type in annotations and initializer names."""
    return f"{path}:{name}"


def lifecycle_label(prefix: str, name: str) -> tuple[str, str]:
    """kcp's label for an initializer or terminator still due: the SHA-224 of its name, cut to fit a
    label key, and whole as the value, so a selector finds the clusters one still has to handle and
    the pair is hard to forge."""
    digest = hashlib.sha224(name.encode()).hexdigest()
    return prefix + digest[: 63 - len(prefix)], digest
