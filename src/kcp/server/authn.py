"""Authentication: bearer tokens (admin, service accounts) and client certificates signed by our CA."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from aiohttp import web

from kcp.apimachinery.errors import StatusError
from kcp.apimachinery.meta import parse_rfc3339
from kcp.apimachinery.user import ANONYMOUS, AUTHENTICATED, UserInfo
from kcp.auth.tokens import (
    CLUSTER_NAME_EXTRA,
    SA_PREFIX,
    BoundObject,
    Claims,
    StaticTokens,
    TokenIssuer,
    go_list,
)
from kcp.logicalcluster import WILDCARD, ClusterName, object_key
from kcp.storage import Storage

# what a token may be bound to here, as (group, resource): kube's Pods and Nodes are not served
BINDABLE = {"Secret": ("", "secrets")}
INVALIDATED = "service account token has been invalidated"
_DELETION_LEEWAY = 60  # seconds: an object deleted longer ago than this no longer vouches for a token


class Authenticator:
    def __init__(
        self, storage: Storage, static_tokens: dict[str, UserInfo], issuer: TokenIssuer, client_cert_user: Any
    ) -> None:
        self.storage = storage
        self._static = StaticTokens(static_tokens)
        self.issuer = issuer
        self._client_cert_user = client_cert_user

    async def authenticate(self, request: web.Request) -> UserInfo | None:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            return await self.authenticate_token(header[7:].strip(), "")
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        if ssl_object is not None:
            der = ssl_object.getpeercert(binary_form=True)
            if der:
                user: UserInfo | None = self._client_cert_user(der)
                return user
        return None

    async def authenticate_token(self, token: str, cluster: str) -> UserInfo | None:
        user = self._static.authenticate(token)
        if user is not None:
            return user
        if token.count(".") != 2:
            return None
        try:
            claims = self.issuer.verify(token, audiences=[])
        except StatusError:
            return None
        user, _ = await self._service_account(claims)
        return user

    async def review_token(self, token: str, audiences: list[str]) -> tuple[UserInfo | None, list[str], str]:
        """A TokenReview: the user and which of the asked audiences (by default the server's own) the
        token is valid for, or why it is not. Static tokens know no audience: only the server's own."""
        api = list(self.issuer.api_audiences)
        wanted = audiences or api
        user = self._static.authenticate(token)
        if user is not None:
            matched = [a for a in wanted if a in api]
            if matched:
                return user, matched, ""
            why = f"token audiences {go_list(api)} is invalid for the target audiences {go_list(wanted)}"
            return None, [], f"[invalid bearer token, {why}]"
        if token.count(".") != 2:
            return None, [], "[invalid bearer token]"
        try:
            claims = self.issuer.verify(token, audiences=wanted)
        except StatusError as e:
            return None, [], f"[invalid bearer token, {e.message}]"
        user, why = await self._service_account(claims)
        if user is None:
            return None, [], f"[invalid bearer token, {why}]"
        return user, [a for a in wanted if a in claims.audiences], ""

    async def _service_account(self, claims: Claims) -> tuple[UserInfo | None, str]:
        """A token is valid while its service account and the object it is bound to, if any, still
        exist in its cluster with the uids it names (kube's validator); else None and why not.

        Two storage gets at most, side by side: no cache, so nothing here grows with workspaces."""
        cluster, ns = ClusterName(claims.cluster), claims.namespace
        sa_key = object_key("", "serviceaccounts", cluster, ns, claims.name)
        bound = claims.bound
        if bound is None:
            sa, obj = await self.storage.get(sa_key), None
        elif bound.kind not in BINDABLE:
            return None, INVALIDATED
        else:
            group, resource = BINDABLE[bound.kind]
            bound_key = object_key(group, resource, cluster, ns, bound.name)
            sa, obj = await asyncio.gather(self.storage.get(sa_key), self.storage.get(bound_key))
        if sa is None:
            return None, f'serviceaccounts "{claims.name}" not found'
        meta = orjson.loads(sa.value)["metadata"]
        if _deleted_long_ago(meta):
            return None, f"service account {ns}/{claims.name} has been deleted"
        if meta.get("uid") != claims.uid:
            return None, f"service account UID ({meta.get('uid')}) does not match claim ({claims.uid})"
        if bound is not None:
            why = _bound_invalid(bound, orjson.loads(obj.value)["metadata"] if obj is not None else None)
            if why:
                return None, why
        return claims.user(), ""

    def issue_token(
        self,
        cluster: str,
        namespace: str,
        name: str,
        uid: str,
        audiences: list[str],
        expiration: int,
        bound: BoundObject | None,
    ) -> tuple[str, str]:
        token, expires = self.issuer.issue(cluster, namespace, name, uid, audiences, expiration, bound)
        return token, expires


def _deleted_long_ago(meta: dict[str, Any]) -> bool:
    deleted = meta.get("deletionTimestamp")
    return isinstance(deleted, str) and parse_rfc3339(deleted).timestamp() < time.time() - _DELETION_LEEWAY


def _bound_invalid(bound: BoundObject, meta: dict[str, Any] | None) -> str:
    """Why the bound object no longer vouches for the token (kube's wording), or ""."""
    if meta is None or _deleted_long_ago(meta):
        return INVALIDATED
    if meta.get("uid") != bound.uid:
        kind = bound.kind.lower()
        return f"{kind} UID ({meta.get('uid')}) does not match service account {kind} ref claim ({bound.uid})"
    return ""


def localize(user: UserInfo, cluster: str) -> UserInfo:
    """A service account is itself only in the logical cluster that issued its token.

    Elsewhere it is a foreign identity, as in kcp: `system:anonymous` in `system:authenticated` and
    `system:cluster:<home>`, so RBAC can still grant it access deliberately.
    """
    home = user.extra.get(CLUSTER_NAME_EXTRA)
    if not home or cluster in (home[0], WILDCARD):
        return user
    return UserInfo(ANONYMOUS, groups=(AUTHENTICATED, f"system:cluster:{home[0]}"))


def is_local_service_account(user: UserInfo, cluster: str) -> bool:
    """A service account in the logical cluster that issued its token: kcp's content authorizer lets it
    in without `access` on `/` (RBAC still decides each request), as a workspace's own robots need."""
    return user.name.startswith(SA_PREFIX) and user.extra.get(CLUSTER_NAME_EXTRA) == (cluster,)
