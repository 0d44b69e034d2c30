"""Owner references: what deletion propagation means, as pure functions over JSON objects.

The Store uses `apply_propagation` to mark an owner for the garbage collector; the collector uses
`plan` to decide, per dependent, whether to keep it, drop references, or delete it. Kept free of I/O
so the rules (kube-controller-manager `pkg/controller/garbagecollector`) are unit-testable alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
_GC_FINALIZERS = (ORPHAN, FOREGROUND)

# How the collector sees one owner reference of a dependent (kube's classifyReferences):
# solid: the owner exists; dangling: it is gone; waiting: it awaits its dependents (foreground);
# orphaned: it is being deleted with Orphan, so the reference goes and the dependent stays.
OwnerState = Literal["solid", "dangling", "waiting", "orphaned"]
Mode = Literal["deleted", "orphan", "foreground"]
_STATE_OF_MODE: dict[Mode, OwnerState] = {
    "deleted": "dangling",
    "orphan": "orphaned",
    "foreground": "waiting",
}


def apply_propagation(meta: dict[str, Any], policy: str) -> bool:
    """Set the GC finalizers a delete with `policy` asks for; True when they changed.

    As kube's deletionFinalizersForGarbageCollection: an explicit policy replaces both GC
    finalizers (Background removes them), an empty one keeps what the object already carries.
    """
    if policy not in ("Orphan", "Foreground", "Background"):
        return False
    current = list(meta.get("finalizers") or [])
    wanted = [f for f in current if f not in _GC_FINALIZERS]
    if policy == "Orphan":
        wanted.append(ORPHAN)
    elif policy == "Foreground":
        wanted.append(FOREGROUND)
    if set(wanted) == set(current):
        return False
    if wanted:
        meta["finalizers"] = wanted
    else:
        meta.pop("finalizers", None)
    return True


def finalizing_mode(obj: Mapping[str, Any]) -> Mode | None:
    """`orphan` or `foreground` for an owner being deleted that waits on the collector, else None."""
    meta = obj.get("metadata") or {}
    if not meta.get("deletionTimestamp"):
        return None
    finalizers = meta.get("finalizers") or []
    if ORPHAN in finalizers:
        return "orphan"
    if FOREGROUND in finalizers:
        return "foreground"
    return None


@dataclass(frozen=True, slots=True)
class Owner:
    """An owner the collector is acting for; `namespace` is "" for a cluster-scoped owner."""

    uid: str
    namespace: str
    mode: Mode


def owner_refs(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [r for r in refs if isinstance(r, dict)]


def matched(obj: Mapping[str, Any], owners: Mapping[str, Owner]) -> list[dict[str, Any]]:
    """The references of `obj` to `owners`: a namespaced owner owns only its own namespace."""
    ns = (obj.get("metadata") or {}).get("namespace") or ""
    out = []
    for ref in owner_refs(obj):
        owner = owners.get(str(ref.get("uid") or ""))
        if owner is not None and (not owner.namespace or owner.namespace == ns):
            out.append(ref)
    return out


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do with one dependent: `refs` is the new ownerReferences for an update."""

    action: Literal["keep", "update", "delete"]
    refs: tuple[dict[str, Any], ...] = ()
    policy: str = "Background"


def plan(obj: Mapping[str, Any], owners: Mapping[str, Owner], others: Mapping[str, OwnerState]) -> Plan:
    """Decide for one dependent, as kube's attemptToDeleteItem and orphanDependents do.

    `others` holds the state of references not to `owners` (missing means solid: a reference the
    collector cannot resolve never gets a dependent deleted).
    """
    ns = (obj.get("metadata") or {}).get("namespace") or ""
    refs = owner_refs(obj)

    def state(ref: dict[str, Any]) -> OwnerState:
        owner = owners.get(str(ref.get("uid") or ""))
        if owner is not None and (not owner.namespace or owner.namespace == ns):
            return _STATE_OF_MODE[owner.mode]
        return others.get(str(ref.get("uid") or ""), "solid")

    states = [state(r) for r in refs]
    if not any(s != "solid" for s in states):
        return Plan("keep")
    kept = tuple(r for r, s in zip(refs, states, strict=True) if s != "orphaned")
    if "solid" in states or not kept:
        # another owner still holds it (or only orphaned owners did): drop the gone references
        solid = tuple(r for r, s in zip(refs, states, strict=True) if s == "solid")
        return Plan("update", solid) if len(solid) < len(refs) else Plan("keep")
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        # already on its way out; its own finalizers decide when
        return Plan("update", kept) if len(kept) < len(refs) else Plan("keep")
    return Plan("delete", policy="Foreground" if "waiting" in states else "Background")


def blocks(ref: Mapping[str, Any]) -> bool:
    """A dependent keeps a foreground owner only through a blockOwnerDeletion reference."""
    return ref.get("blockOwnerDeletion") is True
