"""ResourceQuota's resource names: which an object counts under, and what a counted name counts.

Shared by the admission that charges creates and the controller that recounts, so both read a
quota's names the same way. Only object counts are measured here (there are no pods, so no cpu or
memory); every other name is accepted by validation and reported as used 0, never enforced.
"""

from __future__ import annotations

from typing import Any

# kube's object-count names without `count/` (pkg/quota/v1/evaluator/core), for the kinds served here
LEGACY = {"configmaps": "configmaps", "secrets": "secrets", "resourcequotas": "resourcequotas"}
# kube's quota admission ignores these by default (pkg/quota/v1/install): events are never charged
IGNORED = frozenset({("", "events")})
COUNT_PREFIX = "count/"


def count_name(group: str, resource: str) -> str:
    """`count/<resource>.<group>`, or `count/<resource>` for the core group."""
    return f"{COUNT_PREFIX}{resource}.{group}" if group else f"{COUNT_PREFIX}{resource}"


def usage_names(group: str, resource: str) -> tuple[str, ...]:
    """The names one object of this resource counts 1 under (kube's object-count evaluator)."""
    if (group, resource) in IGNORED:
        return ()
    legacy = LEGACY.get(resource) if not group else None
    return (count_name(group, resource), legacy) if legacy else (count_name(group, resource),)


def counted(name: str) -> tuple[str, str] | None:
    """The (group, resource) a quota name counts objects of, or None for names not counted here."""
    if name in LEGACY:
        return "", LEGACY[name]
    if not name.startswith(COUNT_PREFIX):
        return None
    resource, _, group = name[len(COUNT_PREFIX) :].partition(".")
    if (group, resource) in IGNORED or not resource:
        return None
    return group, resource


def scoped(quota: dict[str, Any]) -> bool:
    """A quota with scopes selects by pod properties: it matches no object that is counted here."""
    spec = quota.get("spec") or {}
    selector = spec.get("scopeSelector") or {}
    return bool(spec.get("scopes") or selector.get("matchExpressions"))
