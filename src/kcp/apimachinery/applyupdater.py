"""Who owns which fields after a write: structured-merge-diff's Updater, with kube's metadata stripping.

An update gives its manager every field it changed and takes those fields from everyone else. An apply
makes the applied configuration the manager's whole claim, prunes what it claimed last time and no
longer does (unless someone else still owns it), and refuses, unless forced, to change a field another
manager owns. Ownership follows values, not requests: a manager that sets a field to the value it
already has shares it instead of taking it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kcp.apimachinery.applymerge import merge, remove
from kcp.apimachinery.applyschema import Schema
from kcp.apimachinery.applytyped import Comparison, collapse_atomic, compare, ensure_named, field_set
from kcp.apimachinery.fieldpath import (
    EMPTY,
    FieldSet,
    Path,
    go_json,
    make_path,
    ordered,
    recursive_difference,
)
from kcp.apimachinery.serialization import clone

# Never owned: identity and bookkeeping the server sets (kube's stripMetaManager).
STRIPPED: FieldSet = frozenset(
    make_path(*p)
    for p in (
        ("apiVersion",),
        ("kind",),
        ("metadata",),
        *(
            ("metadata", name)
            for name in (
                "name",
                "namespace",
                "creationTimestamp",
                "selfLink",
                "uid",
                "clusterName",
                "generation",
                "managedFields",
                "resourceVersion",
            )
        ),
    )
)
_STATUS_ONLY: FieldSet = frozenset({make_path("status")})
_STATUS = make_path("status")[0]


@dataclass(frozen=True, slots=True)
class ManagerId:
    """What makes two managedFields entries one: appliers are the same whatever version they applied."""

    manager: str
    operation: str  # Apply | Update
    api_version: str = ""  # Update entries only
    subresource: str = ""

    @property
    def text(self) -> str:
        """kube's identifier, the JSON of the entry's identifying fields; it orders managers."""
        fields = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "subresource": self.subresource,
        }
        return "{" + ",".join(f'"{k}":{go_json(v)}' for k, v in fields.items() if v) + "}"

    def __str__(self) -> str:
        """As conflict messages name it: `"kubectl-client-side-apply" using v1`."""
        out = go_json(self.manager)
        if self.subresource:
            out += f" with subresource {go_json(self.subresource)}"
        return f"{out} using {self.api_version}" if self.operation == "Update" else out


@dataclass(frozen=True, slots=True)
class Owned:
    """One manager's claim: its fields, the version they are expressed in, and whether it applied them."""

    fields: FieldSet
    api_version: str
    applied: bool


Managers = dict[ManagerId, Owned]


class ApplyConflicts(Exception):
    """The apply would change fields other managers own; `conflicts` in kube's order."""

    def __init__(self, conflicts: list[tuple[ManagerId, Path]]) -> None:
        super().__init__(f"{len(conflicts)} conflicts")
        self.conflicts = conflicts


@dataclass(frozen=True, slots=True)
class Scope:
    """What part of an object one request may change, as kube's reset fields say.

    Through `/status` only `.status`; through the main resource of a kind with a status subresource
    everything but `.status`. Fields outside the scope keep their live value and change no ownership.
    """

    only_status: bool = False
    keep_status: bool = False

    def fields(self, paths: FieldSet) -> FieldSet:
        if self.only_status:
            return frozenset(p for p in paths if p[0] == _STATUS)
        if self.keep_status:
            return recursive_difference(paths, _STATUS_ONLY)
        return paths

    def settle(self, live: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
        """`obj` (fresh, never shared) with everything outside the scope as it is in `live`."""
        if self.only_status:
            out = {k: clone(v) for k, v in live.items() if k != "status"}
            if "status" in obj:
                out["status"] = obj["status"]
            return out
        if self.keep_status:
            out = {k: v for k, v in obj.items() if k != "status"}
            if "status" in live:
                out["status"] = clone(live["status"])
            return out
        return obj

    def compare(self, live: dict[str, Any], new: dict[str, Any], schema: Schema) -> Comparison:
        found = compare(live, new, schema)
        return Comparison(self.fields(found.added), self.fields(found.modified), self.fields(found.removed))


def _reconciled(managers: Managers, schema: Schema) -> Managers:
    """Stored sets read against today's schema, which may have made a field atomic since."""
    out: Managers = {}
    for mid, owned in managers.items():
        fields = collapse_atomic(owned.fields, schema)
        out[mid] = owned if fields is owned.fields else Owned(fields, owned.api_version, owned.applied)
    return out


def _release(managers: Managers, changed: FieldSet, removed: FieldSet, keep: ManagerId | None) -> Managers:
    """Others lose what changed and what is gone; managers left with nothing disappear."""
    out: Managers = {}
    for mid, owned in managers.items():
        fields = owned.fields if mid == keep else owned.fields - changed - removed
        if fields:
            out[mid] = Owned(fields, owned.api_version, owned.applied)
    return out


def update(
    live: dict[str, Any],
    new: dict[str, Any],
    schema: Schema,
    managers: Managers,
    manager: ManagerId,
    version: str,
    scope: Scope,
) -> tuple[Managers, bool]:
    """Ownership after a non-apply write; True if `manager` took any field (its time moves then)."""
    found = scope.compare(live, new, schema)
    changed = found.modified | found.added
    out = _release(_reconciled(managers, schema), changed, found.removed, None)
    taken = changed - STRIPPED
    if not taken:
        return out, False
    previous = out.get(manager)
    out[manager] = Owned(taken | previous.fields if previous else taken, version, applied=False)
    return out, True


def apply(
    live: dict[str, Any],
    config: dict[str, Any],
    claimed: FieldSet,
    schema: Schema,
    managers: Managers,
    manager: ManagerId,
    version: str,
    scope: Scope,
    *,
    force: bool,
) -> tuple[dict[str, Any], Managers]:
    """The object after applying `config` (whose fields are `claimed`), and who owns what then.

    Raises ApplyConflicts unless `force`; forcing takes the fields away from their other owners.
    """
    claimed = scope.fields(claimed)
    managers = _reconciled(managers, schema)
    last = managers.get(manager)
    out = {**managers, manager: Owned(claimed, version, applied=True)}
    merged = merge(live, config, schema)
    if last is not None and last.fields:
        merged = _prune(merged, out, last.fields, schema)
    result = scope.settle(live, merged)
    found = scope.compare(live, result, schema)
    changed = found.modified | found.added
    conflicts = [
        (mid, path)
        for mid in sorted(out, key=lambda m: m.text)
        if mid != manager
        for path in ordered(out[mid].fields & changed)
    ]
    if conflicts and not force:
        raise ApplyConflicts(conflicts)
    out = _release(out, changed, found.removed, manager)
    mine = claimed - STRIPPED
    if mine:
        out[manager] = Owned(mine, version, applied=True)
    else:
        out.pop(manager, None)
    return result, out


def _prune(merged: dict[str, Any], managers: Managers, last: FieldSet, schema: Schema) -> dict[str, Any]:
    """Remove what the applier claimed last time, no longer claims, and nobody else owns.

    A struct field goes whole when nobody owns anything in it; fields that were never the applier's
    (set by updaters, defaulted by the server) stay, as structured-merge-diff's prune leaves them.
    """

    def owned(value: dict[str, Any]) -> FieldSet:
        return ensure_named(field_set(value, schema, allow_duplicates=True), schema)

    last_named = ensure_named(last, schema)
    everyone = ensure_named(EMPTY.union(*(o.fields for o in managers.values())), schema)
    present = owned(merged)
    pruned = remove(merged, last_named, schema)
    pruned = remove(merged, present - (owned(pruned) | everyone), schema)
    return remove(merged, (present - owned(pruned)) & last_named, schema)
