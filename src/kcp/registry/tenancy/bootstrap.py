"""What `root` starts with: kcp's workspace types and the RBAC that lets every user use and enter them."""

from __future__ import annotations

from typing import Any

RBAC = "rbac.authorization.k8s.io"


def _ref(name: str) -> dict[str, str]:
    return {"name": name, "path": "root"}


def _type(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "tenancy.kcp.io/v1alpha1",
        "kind": "WorkspaceType",
        "metadata": {"name": name},
        "spec": spec,
    }


def workspace_types(with_batteries: bool) -> list[dict[str, Any]]:
    """root, universal and home always; organization and team with the `workspace-types` battery."""
    types = [
        _type("universal", {"initializer": True, "defaultChildWorkspaceType": _ref("universal")}),
        _type(
            "root",
            {
                "extend": {"with": [_ref("universal")]},
                "limitAllowedParents": {"none": True},
                "defaultChildWorkspaceType": _ref("organization" if with_batteries else "universal"),
            },
        ),
        _type(
            "home",
            {
                "extend": {"with": [_ref("universal")]},
                "limitAllowedParents": {"none": True},
                "defaultChildWorkspaceType": _ref("universal"),
            },
        ),
    ]
    if with_batteries:
        types += [
            _type(
                "organization",
                {
                    "extend": {"with": [_ref("universal")]},
                    "defaultChildWorkspaceType": _ref("universal"),
                    "limitAllowedParents": {"types": [_ref("root")]},
                    "limitAllowedChildren": {"types": [_ref("universal")]},
                },
            ),
            _type(
                "team",
                {
                    "extend": {"with": [_ref("universal")]},
                    "defaultChildWorkspaceType": _ref("universal"),
                    "limitAllowedParents": {"types": [_ref("organization"), _ref("team")]},
                },
            ),
        ]
    return types


USE_ROLE = "system:kcp:universal-workspacetype-use"  # kcp's names, which admins look for


def root_rbac() -> list[tuple[str, dict[str, Any]]]:
    """(resource, object) pairs: every authenticated user may enter root, read its workspaces, types and
    cluster (kcp's tenancy reader binding), and use the shipped types."""
    return [
        (
            "clusterroles",
            {
                "metadata": {"name": USE_ROLE},
                "rules": [
                    {  # kcp names the battery's types whether or not they exist
                        "apiGroups": ["tenancy.kcp.io"],
                        "resources": ["workspacetypes"],
                        "resourceNames": ["universal", "organization", "team"],
                        "verbs": ["use"],
                    }
                ],
            },
        ),
        ("clusterrolebindings", _binding("system:kcp:authenticated:universal-workspacetype-use", USE_ROLE)),
        (
            "clusterrolebindings",
            _binding("system:kcp:tenancy:authenticated:access", "system:kcp:workspace:access"),
        ),
        (
            "clusterrolebindings",
            _binding("system:kcp:authenticated:tenancy:reader", "system:kcp:tenancy:reader"),
        ),
    ]


def _binding(name: str, role: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
        "subjects": [{"apiGroup": RBAC, "kind": "Group", "name": "system:authenticated"}],
    }
