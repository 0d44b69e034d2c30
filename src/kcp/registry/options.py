"""What a request asks the Store for, parsed once by the server and passed down as values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from kcp.apimachinery.fields import FieldSelector
from kcp.apimachinery.labels import Selector
from kcp.apimachinery.user import UserInfo
from kcp.logicalcluster import ClusterName


@dataclass(frozen=True, slots=True)
class RequestScope:
    """Where and for whom: the logical cluster is data, never an object per workspace."""

    cluster: ClusterName | Literal["*"]
    namespace: str  # "" for cluster-scoped resources or across all namespaces
    user: UserInfo


@dataclass(frozen=True, slots=True)
class ListOptions:
    label_selector: Selector | None = None
    field_selector: FieldSelector | None = None
    limit: int = 0
    continue_token: str = ""
    resource_version: str = ""
    resource_version_match: str = ""
    allow_bookmarks: bool = False
    send_initial_events: bool | None = None
    predicate: Callable[[dict[str, Any]], bool] | None = None  # server-side filters (virtual workspaces)


@dataclass(frozen=True, slots=True)
class WriteOptions:
    dry_run: bool = False
    field_manager: str = ""
    field_validation: str = "Strict"  # Strict | Warn | Ignore
    force: bool = False


@dataclass(frozen=True, slots=True)
class DeleteOptions:
    dry_run: bool = False
    grace_period_seconds: int | None = None
    propagation_policy: str = ""
    precondition_uid: str = ""
    precondition_resource_version: str = ""
    orphan_dependents: bool | None = None  # the deprecated field, as sent
