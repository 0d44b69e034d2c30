"""What registry-level tests share: an admin identity, write options, owner references and a CRD."""

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


def schemaless_crd(group: str, plural: str, kind: str, *, status: bool = False) -> dict[str, Any]:
    """A namespaced CRD whose one version (v1) keeps any fields, optionally with a status subresource."""
    version: dict[str, Any] = {
        "name": "v1",
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
    }
    if status:
        version["subresources"] = {"status": {}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind},
            "versions": [version],
        },
    }
