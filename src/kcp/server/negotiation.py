"""Content negotiation: which representation the client asked for (JSON, Table, aggregated discovery)."""

from __future__ import annotations

from dataclasses import dataclass

from kcp.apimachinery.errors import NotAcceptable


@dataclass(frozen=True, slots=True)
class MediaRange:
    type: str
    params: dict[str, str]


def parse_accept(header: str) -> list[MediaRange]:
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
    return out


def wants_table(header: str) -> bool:
    """True when the first acceptable JSON range asks for a meta.k8s.io Table."""
    for mr in parse_accept(header):
        if mr.type in ("application/json", "*/*", "application/*"):
            return mr.params.get("as") == "Table" and mr.params.get("g") == "meta.k8s.io"
    return False


def wants_partial_metadata(header: str) -> bool:
    for mr in parse_accept(header):
        if mr.type in ("application/json", "*/*", "application/*"):
            return mr.params.get("as") in ("PartialObjectMetadata", "PartialObjectMetadataList")
    return False


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
