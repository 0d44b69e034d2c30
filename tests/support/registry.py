"""What registry-level tests share: an admin identity, write options and owner references."""

from __future__ import annotations

from typing import Any

from kcp.apimachinery.user import SYSTEM_MASTERS, UserInfo
from kcp.registry.options import WriteOptions

ADMIN = UserInfo("admin", groups=(SYSTEM_MASTERS,))
OPTS = WriteOptions(field_manager="test")


def ref(owner: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An ownerReference to `owner` as served (apiVersion, kind, name, uid), plus `extra` fields."""
    meta = owner["metadata"]
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        **extra,
    }
