"""Bearer tokens: service-account JWTs we sign, and the static admin tokens of `kcp start`.

A service-account token carries kube's `kubernetes.io` private claim plus kcp's
`kubernetes.io.clusterName`, so it names the one logical cluster whose ServiceAccount it speaks
for. `verify` proves only that we signed it and that it is current and meant for us; the caller
must still check that the ServiceAccount (same uid) and any bound object (same uid) exist, and must
treat the identity as foreign in any other logical cluster (`Claims.user()` carries the cluster).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kcp.apimachinery.errors import Unauthorized
from kcp.apimachinery.user import AUTHENTICATED, UserInfo

SA_PREFIX = "system:serviceaccount:"
CLUSTER_NAME_EXTRA = "authentication.kcp.io/cluster-name"
CREDENTIAL_ID_EXTRA = "authentication.kubernetes.io/credential-id"
# the private claim that names a bound object, by kind (kube's; only Secrets are served here to bind)
BOUND_CLAIMS = {"Pod": "pod", "Secret": "secret", "Node": "node"}
_LEEWAY = 60  # seconds of clock skew tolerated on exp/nbf, as go-jose's default
_SECRET_TOKEN_SECONDS = 100 * 365 * 24 * 3600  # "never": the Secret's deletion ends it


def generate_signing_key() -> bytes:
    """A new P-256 key (PKCS#8 PEM) for ES256; the caller persists it, 0600."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True, slots=True)
class BoundObject:
    """The object a token dies with (TokenRequest's boundObjectRef)."""

    kind: str
    name: str
    uid: str


@dataclass(frozen=True, slots=True)
class Claims:
    """What a verified service-account token asserts."""

    cluster: str
    namespace: str
    name: str
    uid: str
    audiences: tuple[str, ...]
    expires: int  # unix seconds
    token_id: str
    bound: BoundObject | None = None

    @property
    def username(self) -> str:
        return f"{SA_PREFIX}{self.namespace}:{self.name}"

    def user(self) -> UserInfo:
        """The identity, as kube's service-account authenticator builds it, plus kcp's cluster extra."""
        extra: dict[str, tuple[str, ...]] = {
            CLUSTER_NAME_EXTRA: (self.cluster,),
            CREDENTIAL_ID_EXTRA: (f"JTI={self.token_id}",),
        }
        groups = ("system:serviceaccounts", f"system:serviceaccounts:{self.namespace}", AUTHENTICATED)
        return UserInfo(self.username, self.uid, groups, extra)


class TokenIssuer:
    """Signs and verifies service-account JWTs with one EC (ES256) or RSA (RS256) key.

    `api_audiences` are what a token is for when a TokenRequest names none, and what `verify`
    accepts when asked for none (kube's --api-audiences, defaulting to the issuer).
    """

    def __init__(self, private_key_pem: bytes, issuer: str, *, api_audiences: Sequence[str] = ()) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
            self._alg = "ES256"
        elif isinstance(key, rsa.RSAPrivateKey):
            self._alg = "RS256"
        else:
            raise ValueError("service-account signing key must be EC P-256 or RSA")
        self._key = key
        self._public = key.public_key()
        der = self._public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.key_id = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
        self.issuer = issuer
        self.api_audiences = tuple(api_audiences) or (issuer,)

    def issue(
        self,
        cluster: str,
        namespace: str,
        sa_name: str,
        sa_uid: str,
        audiences: Sequence[str],
        expiration_seconds: int,
        bound: BoundObject | None = None,
    ) -> tuple[str, str]:
        """A signed token and its expirationTimestamp (RFC 3339), as TokenRequest returns them.

        `bound` is the object as found (its uid from storage): the caller checked that it exists."""
        now = int(time.time())
        private: dict[str, Any] = {
            "namespace": namespace,
            "serviceaccount": {"name": sa_name, "uid": sa_uid},
            "clusterName": cluster,
        }
        if bound is not None:
            private[BOUND_CLAIMS[bound.kind]] = {"name": bound.name, "uid": bound.uid}
        claims = {
            "iss": self.issuer,
            "sub": f"{SA_PREFIX}{namespace}:{sa_name}",
            "aud": list(audiences) or list(self.api_audiences),
            "iat": now,
            "nbf": now,
            "exp": now + expiration_seconds,
            "jti": str(uuid.uuid4()),
            "kubernetes.io": private,
        }
        token = jwt.encode(claims, self._key, algorithm=self._alg, headers={"kid": self.key_id})
        expires = datetime.fromtimestamp(now + expiration_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return token, expires

    def secret_token(
        self, cluster: str, namespace: str, sa_name: str, sa_uid: str, secret_name: str, secret_uid: str
    ) -> str:
        """The token of a service-account-token Secret: bound to that Secret, so it lives as long as
        the Secret does (kube's legacy tokens never expire)."""
        bound = BoundObject("Secret", secret_name, secret_uid)
        return self.issue(cluster, namespace, sa_name, sa_uid, (), _SECRET_TOKEN_SECONDS, bound)[0]

    def verify(self, token: str, audiences: Sequence[str] = ()) -> Claims:
        """Claims of a token we signed, current, for one of `audiences`; Unauthorized otherwise."""
        try:
            raw = jwt.decode(
                token,
                self._public,
                algorithms=[self._alg],
                issuer=self.issuer,
                leeway=_LEEWAY,
                options={"require": ["iss", "sub", "aud", "exp", "iat", "nbf"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("service account token has expired") from None
        except jwt.InvalidTokenError as err:
            raise Unauthorized(f"invalid service account token: {err}") from None
        claims = _claims(raw)
        wanted = list(audiences) or list(self.api_audiences)
        if not set(claims.audiences) & set(wanted):  # kube's wording, which TokenReview reports
            have, asked = go_list(claims.audiences), go_list(wanted)
            raise Unauthorized(f"token audiences {have} is invalid for the target audiences {asked}")
        return claims


def go_list(items: Sequence[str]) -> str:
    """A string slice as Go's %q prints it."""
    return "[" + " ".join(f'"{i}"' for i in items) + "]"


def _claims(raw: Mapping[str, Any]) -> Claims:
    """The private claims, checked for shape: a token we signed with the wrong shape is no token."""
    private = raw.get("kubernetes.io")
    sa = private.get("serviceaccount") if isinstance(private, dict) else None
    if not isinstance(private, dict) or not isinstance(sa, dict):
        raise Unauthorized("invalid service account token: no kubernetes.io claim")
    namespace, name, uid = private.get("namespace"), sa.get("name"), sa.get("uid")
    cluster = private.get("clusterName")
    fields = (namespace, name, uid, cluster)
    if not all(isinstance(f, str) and f for f in fields) or raw["sub"] != f"{SA_PREFIX}{namespace}:{name}":
        raise Unauthorized("invalid service account token: malformed kubernetes.io claim")
    bound = None
    for kind, key in BOUND_CLAIMS.items():  # a pod's token may also name its node: the pod decides
        ref = private.get(key)
        if isinstance(ref, dict):
            bound = BoundObject(kind, str(ref.get("name", "")), str(ref.get("uid", "")))
            break
    aud = raw["aud"]
    return Claims(
        cluster=str(cluster),
        namespace=str(namespace),
        name=str(name),
        uid=str(uid),
        audiences=(aud,) if isinstance(aud, str) else tuple(aud),
        expires=int(raw["exp"]),
        token_id=str(raw.get("jti", "")),
        bound=bound,
    )


class StaticTokens:
    """Fixed bearer tokens (the admin users of `kcp start`), compared in constant time.

    Tokens are kept as SHA-256 digests and every entry is compared, so neither timing nor an
    early exit reveals how much of a guess was right.
    """

    def __init__(self, tokens: Mapping[str, UserInfo]) -> None:
        self._users = [(hashlib.sha256(t.encode()).digest(), u) for t, u in tokens.items()]

    def authenticate(self, token: str) -> UserInfo | None:
        digest = hashlib.sha256(token.encode()).digest()
        found: UserInfo | None = None
        for known, user in self._users:
            if hmac.compare_digest(known, digest):
                found = user
        return found
