"""Content negotiation: which representation the client asked for (JSON, Table, aggregated discovery)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from kcp.apimachinery.errors import NotAcceptable


@dataclass(frozen=True, slots=True)
class MediaRange:
    type: str
    params: dict[str, str]


@functools.lru_cache(maxsize=256)
def parse_accept(header: str) -> tuple[MediaRange, ...]:
    """The ranges in the order kube tries them (goautoneg's ParseAccept): higher q first, then a
    concrete type before `*`, a concrete subtype before `*`; ties keep the header's order. A q that is
    not a number counts as 0, as Go's ParseFloat leaves it. Each request reads its header up to three
    times (acceptable, view, YAML) and clients repeat theirs, so each distinct header is parsed once."""
    out = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        params = {}
        for p in pieces[1:]:
            k, _, v = p.partition("=")
            params[k.strip().lower()] = v.strip()
        out.append(MediaRange(pieces[0].lower(), params))
    return tuple(sorted(out, key=_precedence))


def _precedence(mr: MediaRange) -> tuple[float, bool, bool]:
    try:
        q = float(mr.params.get("q", "1"))
    except ValueError:
        q = 0.0
    if q != q:  # NaN orders nowhere
        q = 0.0
    kind, _, sub = mr.type.partition("/")
    return -q, kind == "*", sub == "*"


TABLE, PARTIAL, PARTIAL_LIST = "Table", "PartialObjectMetadata", "PartialObjectMetadataList"
_JSON_RANGES = ("application/json", "*/*", "application/*", "application/yaml")


def representation(header: str) -> str:
    """What a read should answer with: "" for the object itself, or a meta.k8s.io/v1 view (Table,
    PartialObjectMetadata[List]). Ranges asking for a view we cannot make are skipped, as kube does;
    when none is left, 406."""
    ranges = parse_accept(header)
    for mr in ranges:
        if mr.type not in _JSON_RANGES:
            continue
        view = mr.params.get("as")
        if view is None:
            return ""
        if view in (TABLE, PARTIAL, PARTIAL_LIST) and (mr.params.get("g"), mr.params.get("v")) == (
            "meta.k8s.io",
            "v1",
        ):
            return view
    if ranges:  # every JSON range asked for a view we do not make
        raise NotAcceptable(
            "only the following media types are accepted: application/json, "
            "application/yaml, application/vnd.kubernetes.protobuf"
        )
    return ""


def wants_table(header: str) -> bool:
    return representation(header) == TABLE


def aggregated_discovery(header: str) -> str | None:
    """The aggregated discovery version the client prefers (v2 or v2beta1), or None for plain JSON."""
    for mr in parse_accept(header):
        if mr.type == "application/json" and mr.params.get("as") == "APIGroupDiscoveryList":
            if mr.params.get("g") == "apidiscovery.k8s.io" and mr.params.get("v") in ("v2", "v2beta1"):
                return mr.params["v"]
            continue
        if mr.type in ("application/json", "*/*", "application/*"):
            return None
    return None


def check_json_acceptable(header: str) -> None:
    """We answer JSON; a client accepting only something else (protobuf alone) gets 406."""
    ranges = parse_accept(header)
    if not ranges:
        return
    if any(mr.type in ("application/json", "*/*", "application/*", "application/yaml") for mr in ranges):
        return
    raise NotAcceptable(
        "only the following media types are accepted: application/json, "
        "application/yaml, application/vnd.kubernetes.protobuf"
    )
