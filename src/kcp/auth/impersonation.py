"""Impersonate-* headers: the `impersonate` checks kube performs and the user they produce.

Pure: the caller authorizes every returned check (each must be ALLOWed) before acting as the new
user. kcp's gatekeeper runs here too, before any RBAC: a caller may impersonate a privileged
group (system:masters, system:kcp:admin, ...) only if it already has it, and only
system:masters may set `*kcp.io*` extras (scopes, warrants, cluster names), which would
otherwise forge kcp's own identity markers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import unquote

from kcp.apimachinery.errors import BadRequest, Forbidden
from kcp.apimachinery.user import ANONYMOUS, AUTHENTICATED, SYSTEM_MASTERS, UNAUTHENTICATED, UserInfo
from kcp.auth.attributes import Attributes

USER_HEADER = "impersonate-user"
GROUP_HEADER = "impersonate-group"
UID_HEADER = "impersonate-uid"
EXTRA_PREFIX = "impersonate-extra-"
AUTHENTICATION_GROUP = "authentication.k8s.io"
# kcp's privileged and authenticated levels (pkg/server/filters/impersonation.go): a caller
# below a level cannot claim it by impersonation.
PRIVILEGED_GROUPS = frozenset(
    {
        SYSTEM_MASTERS,
        "system:kcp:admin",
        "system:kcp:logical-cluster-admin",
        "system:kcp:external-logical-cluster-admin",
        "system:kcp:tenancy:workspace-bootstrapper",
        AUTHENTICATED,
    }
)
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


class Headers(Protocol):
    """A request's headers, repeated ones included (aiohttp's CIMultiDictProxy, or a dict)."""

    def items(self) -> Iterable[tuple[str, str]]: ...


def _service_account(username: str) -> tuple[str, str] | None:
    """(namespace, name) if the username is a well-formed service-account name (SplitUsername)."""
    if not username.startswith("system:serviceaccount:"):
        return None
    parts = username.removeprefix("system:serviceaccount:").split(":")
    if len(parts) != 2 or not _DNS_LABEL.fullmatch(parts[0]) or not _DNS_SUBDOMAIN.fullmatch(parts[1]):
        return None
    return parts[0], parts[1]


def parse(headers: Headers, requester: UserInfo) -> tuple[list[Attributes], UserInfo]:
    """The checks to authorize and the impersonated user; ([], requester) without such headers.

    Raises BadRequest for groups, uid or extras without Impersonate-User, and Forbidden when
    kcp's gatekeeper refuses before RBAC is asked.
    """
    user: str | None = None
    uid: str | None = None
    groups: list[str] = []
    extra: dict[str, list[str]] = {}
    for raw_name, value in headers.items():
        name = raw_name.lower()
        if name == USER_HEADER and user is None:
            user = value
        elif name == UID_HEADER and uid is None:
            uid = value
        elif name == GROUP_HEADER:
            groups.append(value)
        elif name.startswith(EXTRA_PREFIX):
            extra.setdefault(unquote(name.removeprefix(EXTRA_PREFIX)), []).append(value)
    if not user:
        if groups or extra or uid:
            raise BadRequest("requested groups, uid or user-extra impersonation without impersonating a user")
        return [], requester
    _gatekeeper(requester, groups, extra)

    def check(group: str, resource: str, name: str, namespace: str = "", sub: str = "") -> Attributes:
        return Attributes(requester, "impersonate", namespace, group, "v1", resource, sub, name, True)

    sa = _service_account(user)
    checks = [check("", "serviceaccounts", sa[1], sa[0]) if sa else check("", "users", user)]
    checks += [check("", "groups", g) for g in groups]
    checks += [
        check(AUTHENTICATION_GROUP, "userextras", v, sub=k) for k, values in extra.items() for v in values
    ]
    if uid:
        checks.append(check(AUTHENTICATION_GROUP, "uids", uid))
    if sa and not groups:
        groups = ["system:serviceaccounts", f"system:serviceaccounts:{sa[0]}"]
    if user == ANONYMOUS:
        groups += [] if UNAUTHENTICATED in groups else [UNAUTHENTICATED]
    elif AUTHENTICATED not in groups and UNAUTHENTICATED not in groups:
        groups.append(AUTHENTICATED)
    new_user = UserInfo(user, uid or "", tuple(groups), {k: tuple(v) for k, v in extra.items()})
    return checks, new_user


def _gatekeeper(requester: UserInfo, groups: list[str], extra: dict[str, list[str]]) -> None:
    """kcp's privilege levels: what RBAC's `impersonate` could grant, this may still refuse."""
    if requester.is_master:
        return
    held = set(requester.groups)
    if any(g in PRIVILEGED_GROUPS and g not in held for g in groups) or any("kcp.io" in k for k in extra):
        raise Forbidden("forbidden: impersonation is not allowed for the requestor")
