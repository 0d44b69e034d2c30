"""What the Store tells admission webhooks about a write, and what calls them (kube's order:
mutating webhooks before validation, validating webhooks after it, both before storage).

The Store knows no HTTP: whoever runs the server supplies a `Webhooks` that finds the webhooks a
logical cluster registered and calls them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from kcp.apimachinery.resources import APIResource
from kcp.apimachinery.user import UserInfo
from kcp.logicalcluster import ClusterName

Object = dict[str, Any]


@dataclass
class Attributes:
    """One admission request: `obj` (None on DELETE) may be replaced by mutating webhooks."""

    cluster: ClusterName
    resource: APIResource
    subresource: str
    namespace: str
    name: str
    operation: str  # CREATE, UPDATE, DELETE
    user: UserInfo
    obj: Object | None
    old: Object | None
    dry_run: bool
    options: Object = field(default_factory=dict)  # CreateOptions, UpdateOptions or DeleteOptions
    warnings: list[str] = field(default_factory=list)  # what webhooks asked to tell the client


class Webhooks(Protocol):
    def registered(self, cluster: ClusterName) -> bool:
        """Whether the cluster has any webhook configuration: the check on every write, so cheap."""
        ...

    async def mutate(self, attrs: Attributes) -> None:
        """Call the matching mutating webhooks in order; each may patch `attrs.obj` or deny."""
        ...

    async def validate(self, attrs: Attributes) -> None:
        """Call the matching validating webhooks; any may deny."""
        ...
