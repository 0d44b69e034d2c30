"""Discovery documents per logical cluster: legacy /api and /apis forms and aggregated discovery v2."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from kcp.apimachinery.resources import APIResource, subresource_verbs
from kcp.apimachinery.versions import compare_versions


def _by_group(resources: list[APIResource]) -> dict[str, dict[str, list[APIResource]]]:
    groups: dict[str, dict[str, list[APIResource]]] = defaultdict(lambda: defaultdict(list))
    for r in resources:
        groups[r.group][r.version].append(r)
    return groups


def _sorted_versions(versions: dict[str, list[APIResource]]) -> list[str]:
    return sorted(versions, key=functools.cmp_to_key(compare_versions), reverse=True)


def api_versions() -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}],
    }


def api_group_list(resources: list[APIResource]) -> dict[str, Any]:
    groups = []
    for group, versions in _by_group(resources).items():
        if group:
            groups.append(_api_group(group, versions))
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _api_group(group: str, versions: dict[str, list[APIResource]]) -> dict[str, Any]:
    ordered = _sorted_versions(versions)
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in ordered]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_group(resources: list[APIResource], group: str) -> dict[str, Any] | None:
    versions = _by_group(resources).get(group)
    if not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_api_group(group, versions)}


def resource_list(resources: list[APIResource], group: str, version: str) -> dict[str, Any] | None:
    selected = [r for r in resources if r.group == group and r.version == version]
    if not selected:
        return None
    items: list[dict[str, Any]] = []
    for r in selected:
        entry: dict[str, Any] = {
            "name": r.resource,
            "singularName": r.singular_name,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": list(r.verbs),
        }
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if r.categories:
            entry["categories"] = list(r.categories)
        items.append(entry)
        for sub in r.subresources:
            items.append(
                {
                    "name": f"{r.resource}/{sub}",
                    "singularName": "",
                    "namespaced": r.namespaced,
                    "kind": _sub_kind(r, sub),
                    "verbs": _sub_verbs(sub),
                }
            )
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": items}


def _sub_kind(r: APIResource, sub: str) -> str:
    return {"scale": "Scale", "token": "TokenRequest"}.get(sub, r.kind)


def _sub_verbs(sub: str) -> list[str]:
    return list(subresource_verbs(sub))


def aggregated(resources: list[APIResource], legacy: bool, version: str) -> dict[str, Any]:
    """APIGroupDiscoveryList for /api (legacy core only) or /apis (every named group)."""
    items = []
    for group, versions in sorted(_by_group(resources).items(), key=lambda kv: kv[0]):
        if (group == "") != legacy:
            continue
        gv_items = []
        for v in _sorted_versions(versions):
            gv_items.append(
                {
                    "version": v,
                    "freshness": "Current",
                    "resources": [_aggregated_resource(r) for r in versions[v]],
                }
            )
        items.append({"metadata": {"name": group, "creationTimestamp": None}, "versions": gv_items})
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version}",
        "metadata": {},
        "items": items,
    }


def _aggregated_resource(r: APIResource) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resource": r.resource,
        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "scope": "Namespaced" if r.namespaced else "Cluster",
        "singularResource": r.singular_name,
        "verbs": list(r.verbs),
    }
    if r.short_names:
        out["shortNames"] = list(r.short_names)
    if r.categories:
        out["categories"] = list(r.categories)
    if r.subresources:
        out["subresources"] = [
            {
                "subresource": sub,
                "responseKind": {
                    "group": "autoscaling" if sub == "scale" else r.group,
                    "version": "v1" if sub == "scale" else r.version,
                    "kind": _sub_kind(r, sub),
                },
                "verbs": _sub_verbs(sub),
            }
            for sub in r.subresources
        ]
    return out
