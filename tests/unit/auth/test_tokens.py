"""Service-account JWTs (claims, audiences, expiry, tampering) and the static admin tokens."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kcp.apimachinery.errors import Unauthorized
from kcp.apimachinery.user import UserInfo
from kcp.auth.tokens import BoundObject, StaticTokens, TokenIssuer, generate_signing_key

ISSUER = "https://kcp.default.svc"
KEY = generate_signing_key()


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer(KEY, ISSUER)


def sign(claims: dict[str, Any]) -> str:
    """A token signed with the issuer's own key, for claims `issue` would never write."""
    key = serialization.load_pem_private_key(KEY, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return jwt.encode(claims, key, algorithm="ES256")


def payload(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def test_issue_then_verify_round_trip(issuer: TokenIssuer) -> None:
    token, expires = issuer.issue("2x7ab9kq", "default", "builder", "uid-1", [], 3600)
    claims = issuer.verify(token)
    assert (claims.cluster, claims.namespace, claims.name, claims.uid) == (
        "2x7ab9kq",
        "default",
        "builder",
        "uid-1",
    )
    assert claims.audiences == (ISSUER,) and claims.bound is None
    assert claims.username == "system:serviceaccount:default:builder"
    raw = payload(token)
    assert raw["sub"] == claims.username and raw["iss"] == ISSUER
    assert raw["kubernetes.io"] == {
        "namespace": "default",
        "serviceaccount": {"name": "builder", "uid": "uid-1"},
        "clusterName": "2x7ab9kq",
    }
    assert raw["exp"] - raw["iat"] == 3600 and claims.expires == raw["exp"]
    assert time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(raw["exp"])) == expires
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": issuer.key_id, "typ": "JWT"}


def test_user_carries_service_account_groups_and_cluster(issuer: TokenIssuer) -> None:
    token, _ = issuer.issue("root", "ci", "deployer", "uid-2", [], 600)
    claims = issuer.verify(token)
    assert claims.user() == UserInfo(
        "system:serviceaccount:ci:deployer",
        "uid-2",
        ("system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"),
        {
            "authentication.kcp.io/cluster-name": ("root",),
            "authentication.kubernetes.io/credential-id": (f"JTI={payload(token)['jti']}",),
        },
    )


def test_audiences_must_intersect(issuer: TokenIssuer) -> None:
    token, _ = issuer.issue("root", "ns", "sa", "u", ["vault", "other"], 600)
    assert issuer.verify(token, ["vault"]).audiences == ("vault", "other")
    with pytest.raises(Unauthorized):
        issuer.verify(token)  # not for the API server
    with pytest.raises(Unauthorized):
        issuer.verify(token, ["elsewhere"])


def test_expired_foreign_and_tampered_tokens_are_unauthorized(issuer: TokenIssuer) -> None:
    token, _ = issuer.issue("root", "ns", "sa", "u", [], 600)
    raw = payload(token)
    expired = sign({**raw, "exp": int(time.time()) - 120})
    with pytest.raises(Unauthorized, match="expired"):
        issuer.verify(expired)
    with pytest.raises(Unauthorized):
        TokenIssuer(generate_signing_key(), ISSUER).verify(token)
    with pytest.raises(Unauthorized):
        TokenIssuer(KEY, "https://someone.else").verify(token)
    header, _, signature = token.split(".")
    other_body = sign({**raw, "sub": "system:serviceaccount:kube-system:admin"}).split(".")[1]
    with pytest.raises(Unauthorized):
        issuer.verify(f"{header}.{other_body}.{signature}")
    with pytest.raises(Unauthorized):
        issuer.verify("not-a-jwt")
    unsigned = jwt.encode(raw, "", algorithm="none")
    with pytest.raises(Unauthorized):
        issuer.verify(unsigned)


def test_claims_must_have_kube_shape(issuer: TokenIssuer) -> None:
    good = payload(issuer.issue("root", "ns", "sa", "u", [], 600)[0])
    broken = [
        {k: v for k, v in good.items() if k != "kubernetes.io"},
        {**good, "kubernetes.io": {**good["kubernetes.io"], "clusterName": ""}},
        {**good, "sub": "system:serviceaccount:ns:other"},
    ]
    for claims in broken:
        with pytest.raises(Unauthorized):
            issuer.verify(sign(claims))


def test_bound_object(issuer: TokenIssuer) -> None:
    token, _ = issuer.issue("root", "ns", "sa", "u", [], 600, BoundObject("Secret", "s", "sec-uid"))
    assert payload(token)["kubernetes.io"]["secret"] == {"name": "s", "uid": "sec-uid"}
    claims = issuer.verify(token)
    assert claims.bound == BoundObject("Secret", "s", "sec-uid")
    assert set(claims.user().extra) == {  # a secret-bound token says nothing more about its user
        "authentication.kcp.io/cluster-name",
        "authentication.kubernetes.io/credential-id",
    }
    # kube's pod-bound tokens may name the pod's node too: the pod is what the token is bound to
    good = payload(token)
    private = {k: v for k, v in good["kubernetes.io"].items() if k != "secret"}
    pod = {**private, "pod": {"name": "p", "uid": "pu"}, "node": {"name": "n", "uid": "nu"}}
    assert issuer.verify(sign({**good, "kubernetes.io": pod})).bound == BoundObject("Pod", "p", "pu")


def test_rsa_keys_sign_rs256_and_other_keys_are_refused() -> None:
    pem = rsa.generate_private_key(65537, 2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    rsa_issuer = TokenIssuer(pem, ISSUER, api_audiences=["api"])
    token, _ = rsa_issuer.issue("root", "ns", "sa", "u", [], 600)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert rsa_issuer.verify(token).audiences == ("api",)
    p384 = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError):
        TokenIssuer(p384, ISSUER)


def test_static_tokens() -> None:
    admin = UserInfo("kcp-admin", groups=("system:kcp:admin", "system:authenticated"))
    tokens = StaticTokens({"s3cret": admin, "other": UserInfo("user")})
    assert tokens.authenticate("s3cret") is admin
    assert tokens.authenticate("other") == UserInfo("user")
    for guess in ("", "s3cre", "s3cret ", "S3CRET"):
        assert tokens.authenticate(guess) is None
