"""Request bodies in, JSON (or YAML) out: size, depth and alias limits so no input can exhaust the server."""

from __future__ import annotations

from typing import Any, TypeVar, cast

import orjson
import yaml

from kcp.apimachinery.errors import BadRequest, UnsupportedMediaType
from kcp.apimachinery.gojson import syntax_error
from kcp.apimachinery.nesting import MAX_DEPTH, check_depth
from kcp.apimachinery.protobuf import decode_protobuf

T = TypeVar("T")

MAX_YAML_ALIASES = 100
GO_WORDS_UP_TO = 64 * 1024  # bytes of a malformed JSON body scanned for Go's error text

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader that refuses alias bombs: PyYAML shares aliased nodes, the blow-up comes later."""

    aliases_seen = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > MAX_YAML_ALIASES:
                raise BadRequest("YAML document uses too many aliases")
        return super().compose_node(parent, index)


class MalformedJSON(BadRequest):
    """A body that is not JSON, told in Go's words (`invalid character 'x' ...`), which is all kube
    says for a bad patch; a create or update body gets more context (`decode_object`)."""

    def __init__(self, go_error: str) -> None:
        super().__init__(go_error)
        self.go_error = go_error


def decode_json(raw: bytes) -> Any:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        # the scan runs in Python on the event loop: about a second for the largest body
        go_error = syntax_error(raw) if len(raw) <= GO_WORDS_UP_TO else ""
        if not go_error:  # too long, or Go would take it (invalid UTF-8, say): orjson's words then
            raise BadRequest(f"the body of the request was in an unknown format: {e}") from None
        raise MalformedJSON(go_error) from None
    if raw.count(b"{") + raw.count(b"[") >= MAX_DEPTH:  # fewer containers cannot nest that deep
        check_depth(value)
    return value


def decode_yaml(raw: bytes) -> Any:
    """YAML as JSON would carry it; a document that does not parse gets sigs.k8s.io/yaml's words
    (the line of the construct that broke, and PyYAML's account of the problem)."""
    try:
        loader = _GuardedLoader(raw.decode("utf-8"))
        try:
            value = loader.get_single_data()
        finally:
            loader.dispose()
    except BadRequest:
        raise
    except yaml.MarkedYAMLError as e:  # go-yaml's shape: `yaml: line N: <problem>`
        mark = e.context_mark or e.problem_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise BadRequest(f"error converting YAML to JSON: yaml: {where}{e.problem or e.context}") from None
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as e:
        raise BadRequest(f"error converting YAML to JSON: {e}") from None
    check_depth(value)
    try:  # round-trip to refuse what JSON cannot carry (dates, binary, non-string keys)
        return orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS, default=str))
    except (TypeError, orjson.JSONEncodeError) as e:
        raise BadRequest(f"error converting YAML to JSON: {e}") from None


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def decode_body(content_type: str, raw: bytes) -> Any:
    """Decode a create/update body (JSON or YAML); anything else is 415."""
    mt = media_type(content_type) or JSON
    if mt in (JSON, "*/*"):
        return decode_json(raw)
    if mt in (YAML, "application/x-yaml", "text/yaml"):
        return decode_yaml(raw)
    if mt == PROTOBUF:  # kubectl's typed commands send built-in kinds this way
        return decode_protobuf(raw)
    raise UnsupportedMediaType(
        f"the body of the request was in an unknown format - accepted media types "
        f"include: application/json, application/yaml, "
        f'application/vnd.kubernetes.protobuf; got "{mt}"'
    )


def decode_object(content_type: str, raw: bytes, kind: str) -> Any:
    """A create or update body; JSON that does not parse gets kube's words, from the codec that looks
    for the body's kind first and the handler that adds what it expected and the body's start."""
    try:
        return decode_body(content_type, raw)
    except MalformedJSON as e:
        raise BadRequest(
            f"the object provided is unrecognized (must be of type {kind}): "
            f"couldn't get version/kind; json parse error: {e.go_error} ({_summary(raw)})"
        ) from None


def _summary(raw: bytes, limit: int = 30) -> str:
    """kube's summarizeData: the start of the body, as text when it opens like an object, else in hex."""
    if not raw:
        return "<empty>"
    more = " ..." if len(raw) > limit else ""
    head = raw[:limit]
    return (head.decode("utf-8", "replace") if raw[:1] == b"{" else head.hex()) + more


def encode(value: Any) -> bytes:
    return orjson.dumps(value)


def clone(value: T) -> T:
    """A deep copy of a JSON value, several times faster than `copy.deepcopy`: only dicts and lists
    are containers there, and everything else is immutable. Results never share containers with
    their inputs."""
    return cast(T, _clone(value))


def _clone(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    return value


def encode_yaml(value: Any) -> bytes:
    """A JSON value as kube's YAML serializer writes it (sigs.k8s.io/yaml: keys sorted, block style,
    no line folding); a string that would read back as another type is quoted."""
    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=True, allow_unicode=True, width=1 << 30)
    return text.removesuffix("...\n").encode()
