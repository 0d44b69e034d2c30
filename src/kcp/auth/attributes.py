"""What an authorizer is asked (kube's authorizer.Attributes) and what it answers (Decision)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from kcp.apimachinery.errors import Forbidden
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


WORKSPACE_ACCESS_NOT_PERMITTED = "workspace access not permitted"  # kcp's content authorizer reason


def forbidden(attrs: Attributes, why: str) -> Forbidden:
    """kube's 403 for a denied request (responsewriters.Forbidden + NewForbidden), word for word:
    `configmaps "x" is forbidden: User "u" cannot get resource "configmaps" in API group "" in the
    namespace "n": <why>`, or `forbidden: User "u" cannot get path "/p"` for non-resource paths."""
    user = attrs.user.name
    if not attrs.resource_request:
        message = f'forbidden: User "{user}" cannot {attrs.verb} path "{attrs.path}"'
    else:
        resource = attrs.resource + (f"/{attrs.subresource}" if attrs.subresource else "")
        scope = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
        qualified = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
        subject = f'{qualified} "{attrs.name}"' if attrs.name else qualified
        message = (
            f'{subject} is forbidden: User "{user}" cannot {attrs.verb} resource "{resource}" '
            f'in API group "{attrs.api_group}" {scope}'
        )
    if why:
        message += f": {why}"
    return Forbidden(message, name=attrs.name, group=attrs.api_group, kind=attrs.resource)
