"""Which identity a token's holder has in the logical cluster it asks."""

from __future__ import annotations

from kcp.apimachinery.user import ANONYMOUS, UserInfo
from kcp.auth.tokens import Claims
from kcp.server.authn import is_local_service_account, localize

BOT = Claims("ws1", "default", "bot", "uid-1", ("kcp",), 0, "jti").user()


def test_a_service_account_is_local_only_where_its_token_was_issued() -> None:
    assert is_local_service_account(BOT, "ws1")
    assert not is_local_service_account(BOT, "ws2")
    assert not is_local_service_account(localize(BOT, "ws2"), "ws2")


def test_only_a_service_account_with_its_cluster_is_local() -> None:
    impersonated = UserInfo(BOT.name, groups=BOT.groups)  # no cluster of its own
    assert not is_local_service_account(impersonated, "ws1")
    person = UserInfo("alice", extra=dict(BOT.extra))
    assert not is_local_service_account(person, "ws1")


def test_elsewhere_a_service_account_is_anonymous() -> None:
    assert localize(BOT, "ws1") is BOT
    foreign = localize(BOT, "ws2")
    assert foreign.name == ANONYMOUS
    assert foreign.groups == ("system:authenticated", "system:cluster:ws1")
