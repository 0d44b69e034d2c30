"""Message tables by (apiVersion, kind): the objects a protobuf request body may carry."""

from __future__ import annotations

from kcp.apimachinery.protobuf_types import Message
from kcp.apimachinery.prototables import (
    admissionregistration,
    apiextensions,
    authentication,
    authorization,
    certificates,
    coordination,
    core,
    events,
    policy,
    rbac,
)
from kcp.apimachinery.prototables.meta import DELETE_OPTIONS

KINDS: dict[tuple[str, str], Message] = {
    **core.KINDS,
    **rbac.KINDS,
    **authentication.KINDS,
    **authorization.KINDS,
    **coordination.KINDS,
    **certificates.KINDS,
    **events.KINDS,
    **apiextensions.KINDS,
    **admissionregistration.KINDS,
    **policy.KINDS,
}

# DeleteOptions is registered in every group version; a typed client names its own.
_ANY_VERSION = {"DeleteOptions": DELETE_OPTIONS}


def lookup(api_version: str, kind: str) -> Message | None:
    """The table for this apiVersion/kind, or None when there is none."""
    return KINDS.get((api_version, kind)) or _ANY_VERSION.get(kind)
