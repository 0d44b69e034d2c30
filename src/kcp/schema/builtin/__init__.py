"""Schemas of the built-in kinds, one module per API group.

Each kind's schema is inline OpenAPI v3 (no `$ref`): the validator, pruner and strategic-merge patcher
read it directly. The OpenAPI publishers turn the named nested types (`DEFINITIONS`) back into
references, so published documents are named and shaped like kube-apiserver's. Field names and types
follow the Go types in k8s.io/api, which are the API; descriptions are our own.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from kcp.schema.builtin import (
    admissionregistration,
    apiextensions,
    authentication,
    authorization,
    autoscaling,
    coordination,
    core,
    events,
    meta,
    rbac,
)
from kcp.schema.builtin.fields import Definition, Schema

GVK = tuple[str, str, str]

_GROUPS = (
    core,
    events,
    coordination,
    rbac,
    apiextensions,
    admissionregistration,
    authorization,
    authentication,
    autoscaling,
)

# Model-name prefix of each built-in group; every module's PACKAGE ends in its (only) version, ".v1".
_PACKAGES = {module.GROUP: module.PACKAGE.removesuffix(".v1") for module in _GROUPS}

DEFINITIONS: tuple[Definition, ...] = meta.DEFINITIONS + tuple(d for m in _GROUPS for d in m.DEFINITIONS)


@cache
def index() -> Mapping[GVK, Schema]:
    """(group, version, kind) → inline schema. Shared and cached: callers must not mutate what they get."""
    return MappingProxyType(
        {
            (m.GROUP, version, kind): copy.deepcopy(build())
            for m in _GROUPS
            for (version, kind), build in m.KINDS.items()
        }
    )


def schema_for(group: str, version: str, kind: str) -> Schema | None:
    """The inline schema of a built-in kind, or None for kinds defined by CRDs."""
    return index().get((group, version, kind))


def definition_name(group: str, version: str, kind: str) -> str:
    """The model name kube publishes: `io.k8s.api.core.v1.ConfigMap` for built-in groups, the reversed
    group for others (`com.example.v1.Widget`), as the CRD OpenAPI builder names them."""
    package = _PACKAGES.get(group)
    if package is None:
        package = ".".join(reversed(group.split(".")))
    return f"{package}.{version}.{kind}"
