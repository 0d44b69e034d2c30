"""What an authorizer is asked (kube's authorizer.Attributes) and what it answers (Decision)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from kcp.apimachinery.user import UserInfo


class Decision(Enum):
    """kube's three answers: a chain stops at DENY or ALLOW and asks on after NO_OPINION."""

    DENY = "Deny"
    ALLOW = "Allow"
    NO_OPINION = "NoOpinion"

    def __bool__(self) -> bool:
        """Only ALLOW is truthy, so a caller that tests a Decision as a bool fails closed."""
        return self is Decision.ALLOW


@dataclass(frozen=True, slots=True)
class Attributes:
    """One request as RBAC sees it; `cluster` is the logical cluster whose policy applies.

    Resource requests use verb/api_group/resource/subresource/name/namespace; non-resource
    requests use verb and path. `cluster` is `*` for wildcard list/watch.
    """

    user: UserInfo
    verb: str
    namespace: str = ""
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    resource_request: bool = False
    path: str = ""
    cluster: str = ""

    def with_cluster(self, cluster: str) -> Attributes:
        """The same question asked of another logical cluster's policy."""
        return replace(self, cluster=cluster)
