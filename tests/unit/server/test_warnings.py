"""Warning headers carry any text a body put in them, one line, as kube writes them."""

from __future__ import annotations

from kcp.server.handlers import warning_header


def test_warnings_are_quoted_single_lines_without_control_characters() -> None:
    assert warning_header('unknown field "a\x01b"\nnext\ttab') == '299 - "unknown field \\"a b\\" next\ttab"'
