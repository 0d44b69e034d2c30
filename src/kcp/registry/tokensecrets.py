"""What kube's tokens controller (which kcp runs) writes into a `kubernetes.io/service-account-token`
Secret: a token for the ServiceAccount it names, the CA bundle, the namespace, and the account's uid.

Here the Secret's own create request fills them in, before it is written: no informer over every
Secret of every workspace, and no moment in which such a Secret exists without its token. The token
is one of our signed service-account tokens bound to the Secret, so it stops working when the Secret
is deleted (or replaced), as kube's legacy tokens do, and it does not expire on its own. A Secret
naming a ServiceAccount that does not exist (or another uid) is left as it was sent.

Deleting a ServiceAccount deletes the token Secrets that name it (and its uid, or none), as the
tokens controller does: the account's delete request does it, reading only that namespace's Secrets.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from kcp.apimachinery.errors import Conflict, NotFound
from kcp.apimachinery.user import SYSTEM_MASTERS, UserInfo
from kcp.logicalcluster import ClusterName
from kcp.registry.options import DeleteOptions, RequestScope

if TYPE_CHECKING:
    from kcp.registry.store import Store

TOKEN_TYPE = "kubernetes.io/service-account-token"
NAME_ANNOTATION = "kubernetes.io/service-account.name"
UID_ANNOTATION = "kubernetes.io/service-account.uid"

_SYSTEM = UserInfo("system:kcp:tokens-controller", groups=(SYSTEM_MASTERS,))

# (cluster, namespace, account name, account uid, secret name, secret uid) -> a token bound to the secret
Mint = Callable[[str, str, str, str, str, str], str]


class TokenSecrets:
    def __init__(self, accounts: Store, secrets: Store, mint: Mint, root_ca_pem: bytes) -> None:
        self.accounts = accounts
        self.secrets = secrets
        self.mint = mint
        self.root_ca = _b64(root_ca_pem)

    async def fill(self, cluster: ClusterName, secret: dict[str, Any]) -> None:
        """`secret` (about to be created, uid assigned) with its token, when it asks for one."""
        meta = secret["metadata"]
        annotations = meta.get("annotations") or {}
        account = annotations.get(NAME_ANNOTATION)
        data = secret.get("data")
        if secret.get("type") != TOKEN_TYPE or not account or (isinstance(data, dict) and data.get("token")):
            return
        namespace = meta["namespace"]
        entry = await self.accounts.storage.get(self.accounts.key(cluster, namespace, account))
        if entry is None:
            return
        uid = orjson.loads(entry.value)["metadata"]["uid"]
        if annotations.get(UID_ANNOTATION, uid) != uid:
            return
        meta["annotations"] = {**annotations, UID_ANNOTATION: uid}
        token = self.mint(str(cluster), namespace, account, uid, meta["name"], meta["uid"])
        secret["data"] = {
            **(data if isinstance(data, dict) else {}),
            "ca.crt": self.root_ca,
            "namespace": _b64(namespace.encode()),
            "token": _b64(token.encode()),
        }

    async def account_deleted(self, cluster: ClusterName, account: dict[str, Any]) -> None:
        """The token Secrets of `account` (just deleted) go with it; each delete is conditional on the
        Secret's uid, so one re-created meanwhile stays."""
        meta = account["metadata"]
        scope = RequestScope(cluster, meta["namespace"], _SYSTEM)
        page = await self.secrets.storage.list(self.secrets.prefix(scope))
        for entry in page.entries:
            secret = self.secrets.decode(entry)
            annotations = secret["metadata"].get("annotations") or {}
            if (
                secret.get("type") == TOKEN_TYPE
                and annotations.get(NAME_ANNOTATION) == meta["name"]
                and annotations.get(UID_ANNOTATION, meta["uid"]) == meta["uid"]
            ):
                name, uid = secret["metadata"]["name"], secret["metadata"]["uid"]
                with contextlib.suppress(NotFound, Conflict):  # gone, or replaced, meanwhile
                    await self.secrets.delete(scope, name, DeleteOptions(precondition_uid=uid))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
