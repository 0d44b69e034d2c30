"""A CRD schema compiled once per distinct content and shared by every workspace that serves it.

A million workspaces may hold the same CRD; the registry asks `compile_schema` for each, and all
get the one entry keyed by the SHA-256 of the schema's canonical JSON. The cache is a bounded LRU,
so memory follows the number of distinct schemas in use, never the number of workspaces
(ARCHITECTURE.md, "Workspace-local CRDs without per-workspace memory").
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from kcp.apimachinery.errors import Cause
from kcp.schema import cel, defaulting, pruning, validation
from kcp.schema.embedded import embedded_causes
from kcp.schema.fielderrors import NIL_PATH, duplicate, go_json, invalid
from kcp.schema.structural import Node, parse
from kcp.schema.validation import scalar_key

MAX_ENTRIES = 2048
# kube skips CEL when the schema already failed like this: rules would see ill-typed data
_BLOCKING = frozenset(
    {
        "FieldValueNotSupported",
        "FieldValueRequired",
        "FieldValueTooLong",
        "FieldValueTooMany",
        "FieldValueTypeInvalid",
    }
)
_NOT_CHECKED = invalid(
    NIL_PATH,
    None,
    "some validation rules were not checked because the "
    "object was invalid; correct the existing errors to complete validation",
)


@dataclass(frozen=True, slots=True, eq=False)
class CompiledSchema:
    """What a custom resource strategy needs from one version's schema; immutable and shared."""

    root: Node
    digest: str  # hex SHA-256 of the canonical schema JSON

    def prune(self, obj: dict[str, Any]) -> list[str]:
        """Drop unknown fields in place; the paths are what fieldValidation=Strict/Warn report."""
        return pruning.prune(self.root, obj)

    def default(self, obj: dict[str, Any]) -> None:
        """Apply schema defaults in place, on every decode (request body and storage)."""
        if self.root.defaults_below:
            defaulting.default(self.root, obj)

    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[Cause]:
        """Schema, list-type, embedded-resource and CEL causes; `old` makes it an update (ratcheting)."""
        previous: Any = validation.MISSING if old is None else old
        causes = validation.validate(self.root, obj, previous)
        causes += embedded_causes(self.root, obj, "")
        if old is None or not list_causes(self.root, old, ""):
            causes += list_causes(self.root, obj, "")
        if not self.root.cel_below:
            return causes
        if any(c.type in _BLOCKING for c in causes):
            return [*causes, _NOT_CHECKED]
        return causes + cel.validate(self.root, obj, previous)


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    size: int
    max_size: int


_cache: OrderedDict[str, CompiledSchema] = OrderedDict()
_lock = threading.Lock()
_stats = [0, 0]  # hits, misses


def schema_digest(schema: dict[str, Any]) -> str:
    """Content hash: key order and whitespace of the stored CRD do not matter."""
    return hashlib.sha256(orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)).hexdigest()


def compile_schema(schema: dict[str, Any]) -> CompiledSchema:
    """The shared compiled form of `schema` (assumed to have passed `crd_schema_causes`)."""
    digest = schema_digest(schema)
    with _lock:
        hit = _cache.get(digest)
        if hit is not None:
            _cache.move_to_end(digest)
            _stats[0] += 1
            return hit
        _stats[1] += 1
    root = parse(orjson.loads(orjson.dumps(schema)))  # a private copy: callers may mutate theirs
    cel.prepare(root)
    compiled = CompiledSchema(root=root, digest=digest)
    with _lock:
        compiled = _cache.setdefault(digest, compiled)
        _cache.move_to_end(digest)
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return compiled


def cache_info() -> CacheInfo:
    with _lock:
        return CacheInfo(_stats[0], _stats[1], len(_cache), MAX_ENTRIES)


# --- what kube's strategy checks beside the schema validator (field paths, `spec.labels[key]`) ---


def list_causes(n: Node, v: Any, path: str) -> list[Cause]:
    """Duplicates in list-type set and map lists (apiextensions `listtype/validation.go`)."""
    errs: list[Cause] = []
    if not n.lists_below:
        return errs
    if isinstance(v, dict):
        for k, item in v.items():
            sub = n.properties.get(k) or n.additional
            if sub is not None and sub.lists_below:
                errs += list_causes(
                    sub,
                    item,
                    f"{path}.{k}"
                    if k in n.properties and path
                    else k
                    if k in n.properties
                    else f"{path}[{k}]",
                )
    elif isinstance(v, list):
        if n.list_type == "set":
            errs += [duplicate(f"{path}[{i}]", v[i]) for i in _repeats([scalar_key(x) for x in v])]
        elif n.list_type == "map":
            errs += _map_list(n, v, path)
        if n.items is not None:
            for i, item in enumerate(v):
                errs += list_causes(n.items, item, f"{path}[{i}]")
    return errs


def _repeats(keys: list[Any]) -> list[int]:
    """Index of each value's second occurrence (kube reports a value once, however often it repeats)."""
    seen: dict[Any, int] = {}
    out = []
    for i, k in enumerate(keys):
        seen[k] = seen.get(k, 0) + 1
        if seen[k] == 2:
            out.append(i)
    return out


def _map_list(n: Node, v: list[Any], path: str) -> list[Cause]:
    for i, x in enumerate(v):
        if x is not None and not isinstance(x, dict):
            return [invalid(f"{path}[{i}]", x, "must be an object for an array of list-type map")]
    keys = [{k: x[k] for k in n.map_keys if k in x} if isinstance(x, dict) else {} for x in v]
    return [duplicate(f"{path}[{i}]", keys[i]) for i in _repeats([go_json(k) for k in keys])]
