"""What one served resource is: the descriptor discovery, OpenAPI, routing and the Store share."""

from __future__ import annotations

from dataclasses import dataclass

STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
_SUBRESOURCE_VERBS = {
    "status": ("get", "patch", "update"),
    "approval": ("get", "patch", "update"),
    "scale": ("get", "patch", "update"),
    "token": ("create",),
    "finalize": ("update",),
}


def subresource_verbs(sub: str) -> tuple[str, ...]:
    """The verbs kube routes on a subresource: discovery lists them, and any other method is a 405
    there (a DELETE on `<name>/status` must never reach the object's delete)."""
    return _SUBRESOURCE_VERBS.get(sub, ("get",))


@dataclass(frozen=True, slots=True)
class APIResource:
    """One resource of one group-version, as discovery lists it."""

    group: str
    version: str
    resource: str  # plural, lower case
    kind: str
    namespaced: bool
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = STANDARD_VERBS
    subresources: tuple[str, ...] = ()  # "status", "scale", "token", ...

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def group_resource(self) -> str:
        """`configmaps` or `widgets.example.com`, as kube names a resource in messages."""
        return f"{self.resource}.{self.group}" if self.group else self.resource
