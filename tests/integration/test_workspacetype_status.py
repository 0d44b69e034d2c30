"""WorkspaceType status for root's own types, which exist before the server serves: on the first start
and after a restart on another address."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.server import Server, free_port, start, stop

UNIVERSAL = "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspacetypes/universal"


def views_of(server: Server) -> list[dict[str, Any]]:
    """The universal type's views, which are under this server's address from its first answer on
    (written before it serves, so no controller write races the first requests)."""
    _, body, _ = server.request("GET", UNIVERSAL)
    views = (body.get("status") or {}).get("virtualWorkspaces") or []
    assert views, body
    assert all(v["url"].startswith(server.base_url + "/") for v in views), views
    return list(views)


def test_root_types_get_their_views_and_move_with_the_address(tmp_path: Path) -> None:
    root = tmp_path / "root"
    server = start(root)
    try:
        assert views_of(server)[1] == {
            "url": f"{server.base_url}/services/terminatingworkspaces/root:universal",
            "type": "terminating",
        }
        _, body, _ = server.request("GET", UNIVERSAL)
        assert [(c["type"], c["status"]) for c in body["status"]["conditions"]] == [
            ("Ready", "True"),
            ("VirtualWorkspaceURLsReady", "True"),
        ]
    finally:
        stop(server)
    server = start(root, free_port())
    try:
        views_of(server)
    finally:
        stop(server)
