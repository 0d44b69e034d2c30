"""The failpoint registry's own rules: which hit fires, and that start-up's hits do not count."""

from __future__ import annotations

import pytest

from kcp.storage import failpoints


def test_names_and_counts_parse() -> None:
    assert failpoints._parse("") == {}
    assert failpoints._parse("before_commit, watch_send=20,,x=0,y=abc") == {
        "before_commit": 1,
        "watch_send": 20,
        "x": 1,
        "y": 1,
    }


def test_held_hits_do_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(failpoints, "ENABLED", {"p": 3})
    failpoints.hold()
    try:
        failpoints.hit("p")
        assert failpoints.ENABLED == {"p": 3}
    finally:
        failpoints.release()
    failpoints.hit("p")
    failpoints.hit("other")
    assert failpoints.ENABLED == {"p": 2}  # the third hit would end the process
