"""What kube does to a JSON answer on its way out: YAML for a client that prefers it
(`Accept: application/yaml`), indented JSON for `?pretty=true` or for curl, Wget and browsers
(apiserver's isPrettyPrint). Watches stream as they are, and so does what kube writes as raw JSON
(`/version`: indented, application/json, whatever the client asked)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from kcp.apimachinery.errors import BadRequest
from kcp.apimachinery.serialization import JSON, YAML, encode_yaml
from kcp.server.negotiation import parse_accept
from kcp.server.requestinfo import parse_bool

_PRETTY_AGENTS = ("curl", "Wget", "Mozilla/5.0")
_JSON_RANGES = (JSON, "*/*", "application/*")
_RAW = web.ResponseKey("raw_json", bool)


def raw_json(body: Any) -> web.Response:
    """apiserver's WriteRawJSON: indented JSON that no Accept or agent turns into anything else."""
    response = web.Response(body=orjson.dumps(body, option=orjson.OPT_INDENT_2), content_type=JSON)
    response[_RAW] = True
    return response


def as_asked(request: web.Request, response: web.StreamResponse) -> None:
    if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
        return
    if response.content_type != JSON or response.get(_RAW):
        return
    if prefers_yaml(request.headers.get("Accept", "")):
        response.body = encode_yaml(orjson.loads(response.body))
        response.content_type = YAML
    elif pretty(request):
        response.body = orjson.dumps(orjson.loads(response.body), option=orjson.OPT_INDENT_2)


def prefers_yaml(accept: str) -> bool:
    """Whether YAML comes before JSON among the ranges the client accepts."""
    for mr in parse_accept(accept):
        if mr.type == YAML:
            return True
        if mr.type in _JSON_RANGES:
            return False
    return False


def pretty(request: web.Request) -> bool:
    """`?pretty=` decides when given (kube reads it leniently: a bad value is false); else the agent."""
    value = request.query.get("pretty", "")
    if value:
        try:
            return parse_bool(value)
        except BadRequest:
            return False
    return request.headers.get("User-Agent", "").startswith(_PRETTY_AGENTS)
