"""Hypothesis strategies for malformed requests: real API shapes, then mutated.

Paths come from the kinds the server serves (tests/support/fuzz_objects.py) so most requests reach a
handler; a share of segments, parameters, media types and body bytes is then broken in the ways
clients break them. Names starting with `sentinel` are never generated: the fuzz test keeps objects
there that nothing may change.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

import orjson
import yaml
from hypothesis import strategies as st

from tests.support.fuzz_objects import KINDS, subresource_body, valid

SENTINEL = "sentinel"
GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")  # strconv.ParseBool's true spellings
NAMES = ["a", "b", "fuzz-1", "default", "kube-system", "x.y", "cluster", "view", "admin", "w"]
NAMESPACES = ["fuzz", "default", "kube-system", "nope"]
ODD_SEGMENTS = [
    "..",
    ".",
    "%2e%2e",
    "%2F",
    "a%2Fb",
    "%00",
    "%",
    "%zz",
    "%ff",
    "*",
    "~",
    "A",
    "-a",
    "a-",
    "a_b",
    "root:x:y",
    "root:",
    ":",
    "é",
    "日本",
    "\U0001f600",
    "a" * 64,
    "b" * 254,
    "c" * 5000,
    "watch",
    "namespaces",
    "api",
    "apis",
    "v1",
    "status",
    "scale",
    "token",
    "finalize",
    "%20",
    "+",
    "%2e",
    "a;b",
    "a,b",
    "a=b",
    "%C0%AF",
    "%E2%80%AE",
]
CLUSTERS = ["root"] * 8 + ["root:fuzz"] * 10 + ["*", "*", "root:x:y", "root:fuzz:nope", "root:sentinel:x"]
ODD_CLUSTERS = ["system:admin", "ROOT", "root:", "root::x", "-", "root:" + "a" * 70, "%2A", "root%3Afuzz", ""]
PARAMS: dict[str, list[str]] = {
    "labelSelector": ["app=fuzz", "app in (a,b)", "!x", "a!=b,c", "a=", "=", "a in (", "x>1", "a==b", ","],
    "fieldSelector": ["metadata.name=a", "metadata.namespace!=x", "spec.size=m", "bogus=1", "a", "=="],
    "limit": ["1", "2", "0", "-1", "500", "99999999999999999999", "abc", "1.5"],
    "continue": ["abc", "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiJhIn0=", "=", "e30"],
    "resourceVersion": ["0", "1", "", "-1", "abc", "999999999999", "18446744073709551616", "1.5"],
    "resourceVersionMatch": ["NotOlderThan", "Exact", "exact", "Bogus"],
    "watch": ["true", "1", "false", "maybe", ""],
    "timeoutSeconds": ["1", "0", "-5", "abc", "1e3"],
    "dryRun": ["All", "all", "None", "x"],
    "fieldManager": ["fuzz", "", "x" * 200, "é"],
    "fieldValidation": ["Strict", "Warn", "Ignore", "strict", "Bogus"],
    "force": ["true", "false", "nah"],
    "propagationPolicy": ["Foreground", "Background", "Orphan", "Sideways"],
    "gracePeriodSeconds": ["0", "30", "-1", "abc", "99999999999999999999"],
    "timeout": ["30s", "1m", "abc", "-1s", "0", "10h", "5"],
    "allowWatchBookmarks": ["true", "false", "x"],
    "sendInitialEvents": ["true", "false", "x"],
    "includeObject": ["None", "Object", "Metadata", "x"],
    "pretty": ["true", "x"],
    "orphanDependents": ["true", "false", "x"],
}
CONTENT_TYPES = [
    "application/json",
    "application/json",
    "application/yaml",
    "application/merge-patch+json",
    "application/json-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
    "application/vnd.kubernetes.protobuf",
    "text/plain",
    "application/x-garbage",
    "application/json; charset=latin1",
    "",
    "json",
    "application/apply-patch+yaml; charset=utf-8",
    None,
]
ACCEPTS = [
    None,
    *["application/json"] * 8,
    "*/*",
    "application/json, */*",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/json;as=Table;v=v1;g=meta.k8s.io",
    "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
    "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io",
    "text/html",
    "garbage/;;",
    "application/*",
]
ODDS = [False] * 19 + [True]  # sampled: true one time in twenty (integers favour their bounds)
METHODS = ["GET", "GET", "POST", "POST", "PUT", "PUT", "PATCH", "PATCH", "DELETE"]


@dataclass
class Request:
    """One generated request; `token` is "admin", "none" or "bad"."""

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    token: str = "admin"

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query if self.query else "")

    @property
    def watching(self) -> bool:
        """Whether the server streams events: a /watch/ path, or a first `watch=` that Go's ParseBool
        reads as true on a collection's path (`watch=false` is a list, which a client preferring YAML
        gets as YAML; on an object's own path kube ignores `watch`: a plain GET)."""
        if self.method != "GET":
            return False
        asked = [v for k, v in parse_qsl(self.query, keep_blank_values=True) if k == "watch"]
        return "/watch/" in self.path or (
            bool(asked) and asked[0] in GO_TRUE and not _names_object(self.path)
        )


def _names_object(path: str) -> bool:
    """Whether `path` names one object, as kube's RequestInfo reads it (`namespaces/<ns>` does)."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["clusters"]:
        parts = parts[2:]
    start = {"api": 2, "apis": 3}.get(parts[0] if parts else "")
    if start is None:
        return False
    rest = parts[start:]
    if len(rest) >= 3 and rest[0] == "namespaces":
        rest = rest[2:]
    return len(rest) >= 2


# -- values ------------------------------------------------------------------------------------------

RAW = "@@raw{}@@"  # a placeholder orjson writes as a string, then replaced by JSON it cannot write
RAW_JSON = [
    "1e400",
    "-1e400",
    "123456789012345678901234567890",
    "-0",
    "1E2",
    "0.1e-999999",
    "1.5",
    *('{"a":' * n + "1" + "}" * n for n in (300, 3000, 10_001)),
    *("[" * n + "]" * n for n in (300, 10_001)),
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([2**31, -(2**31) - 1, 2**53 + 1, 2**63 - 1, -(2**63)]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["", "a", "null", "1", "true", "2024-13-45T99:99:99Z", "é" * 300, "a" * 70000]),
    st.sampled_from([RAW.format(i) for i in range(len(RAW_JSON))]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def _paths(obj: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at]
    if len(at) > 12:
        return found
    if isinstance(obj, dict):
        for k, v in obj.items():
            found += _paths(v, (*at, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            found += _paths(v, (*at, i))
    return found


@st.composite
def mutated(draw: st.DrawFn, obj: Any) -> Any:
    """Drop, replace, retype or wrap values at random depth; a few at once."""
    obj = copy.deepcopy(obj)
    for _ in range(draw(st.integers(0, 4))):
        paths = _paths(obj)
        at = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["drop", "replace", "retype", "wrap", "null", "deep", "add"]))
        if not at:
            if op in ("replace", "retype"):
                obj = draw(values)
            continue
        parent: Any = obj
        for step in at[:-1]:
            parent = parent[step]
        last, old = at[-1], parent[at[-1]]
        if op == "drop":
            del parent[last]
        elif op == "replace":
            parent[last] = draw(values)
        elif op == "retype":
            parent[last] = _retyped(old)
        elif op == "wrap":
            parent[last] = [old] if draw(st.booleans()) else {"x": old}
        elif op == "null":
            parent[last] = None
        elif op == "deep":
            parent[last] = RAW.format(draw(st.integers(7, len(RAW_JSON) - 1)))
        elif op == "add" and isinstance(old, dict):
            old[draw(st.sampled_from(["status", "spec", "x", "$patch", "", "metadata", "kind"]))] = draw(
                values
            )
    return obj


def _retyped(old: Any) -> Any:
    if isinstance(old, bool):
        return "true"
    if isinstance(old, int | float):
        return str(old) if old != 0 else 1.5
    if isinstance(old, str):
        return 7 if not old else [old]
    if isinstance(old, list):
        return {str(i): v for i, v in enumerate(old)}
    if isinstance(old, dict):
        return list(old.values())
    return {}


def _metadata_noise(obj: Any) -> st.SearchStrategy[Any]:
    """Values clients get wrong in metadata, set on a valid object."""
    keys = st.sampled_from(
        [
            "resourceVersion",
            "uid",
            "generateName",
            "finalizers",
            "ownerReferences",
            "managedFields",
            "deletionTimestamp",
            "creationTimestamp",
            "namespace",
            "name",
            "labels",
            "annotations",
            "generation",
        ]
    )
    odd = st.one_of(
        values,
        st.sampled_from(
            [
                "1",
                "0",
                "abc",
                ["x/y"],
                [{"apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": "u", "controller": True}],
                [{"manager": 5}],
                {"a/b/c": "d"},
                {"": ""},
                {"x": "y" * 70},
                "2024-01-01T00:00:00Z",
                "Z" * 300,
                "a" * 254,
                "Foo",
            ]
        ),
    )

    @st.composite
    def apply(draw: st.DrawFn) -> Any:
        if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict):
            return obj
        out = copy.deepcopy(obj)
        out["metadata"][draw(keys)] = draw(odd)
        return out

    return apply()


# -- bodies ------------------------------------------------------------------------------------------


def _dumps(obj: Any) -> bytes:
    text = orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)
    for i, raw in enumerate(RAW_JSON):
        text = text.replace(b'"' + RAW.format(i).encode() + b'"', raw.encode())
    return text


_YAML_BOMB = b'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n' + (
    b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
)


@st.composite
def encoded(draw: st.DrawFn, obj: Any) -> bytes:
    """The object as JSON or YAML, sometimes broken on the way to bytes."""
    how = draw(
        st.sampled_from(
            ["json"] * 14
            + ["yaml", "yaml", "dupkey", "utf8", "truncate", "anchor", "bomb", "brackets"]
            + ["protobuf", "bytes", "empty", "bom", "multi", "trailing"]
        )
    )
    data = _dumps(obj)
    if how == "yaml":
        return yaml.safe_dump(_plain(obj), allow_unicode=draw(st.booleans())).encode()
    if how == "dupkey" and data.startswith(b"{") and len(data) > 2:
        key = draw(st.sampled_from([b"metadata", b"kind", b"apiVersion", b"spec", b"data"]))
        return b'{"' + key + b'":' + _dumps(draw(values)) + b"," + data[1:]
    if how == "utf8":
        cut = draw(st.integers(0, len(data)))
        return data[:cut] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00"])) + data[cut:]
    if how == "truncate":
        return data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if how == "anchor":
        return b"base: &b {name: x}\nkind: ConfigMap\napiVersion: v1\nmetadata:\n  <<: *b\ndata: *b\n"
    if how == "bomb":
        return _YAML_BOMB
    if how == "brackets":
        n = draw(st.sampled_from([100, 10_000, 200_000]))
        return b"[" * n + (b"]" * n if draw(st.booleans()) else b"")
    if how == "protobuf":
        return b"k8s\x00" + draw(st.binary(max_size=64))
    if how == "bytes":
        return draw(st.binary(max_size=64))
    if how == "empty":
        return b""
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    if how == "multi":
        return yaml.safe_dump(_plain(obj)).encode() + b"\n---\n" + yaml.safe_dump(_plain(obj)).encode()
    if how == "trailing":
        return data + draw(st.sampled_from([b" {}", b"x", b"\n\n", b"]"]))
    return data


def _plain(obj: Any) -> Any:
    """YAML cannot carry the raw-number placeholders; they stay strings there."""
    return orjson.loads(orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS))


JSON_PATCH_PATHS = [
    "/metadata/labels/x",
    "/metadata/labels",
    "/metadata/name",
    "/metadata/resourceVersion",
    "/spec",
    "/spec/replicas",
    "/data/k",
    "/data",
    "/status",
    "/",
    "",
    "/a~2b",
    "/rules/0",
    "/rules/-",
    "/webhooks/0/name",
    "/spec/ports/-",
    "/metadata/finalizers/-",
    "/items/99999999999999999999",
    "/metadata/managedFields/0",
]


@st.composite
def json_patch(draw: st.DrawFn) -> Any:
    op = st.fixed_dictionaries(
        {
            "op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "bogus"]),
            "path": st.sampled_from(JSON_PATCH_PATHS),
        },
        optional={"value": values, "from": st.sampled_from(JSON_PATCH_PATHS)},
    )
    patch = draw(st.lists(op, max_size=5))
    return draw(st.sampled_from([patch, patch, {"op": "add"}, [patch], "x", [1, 2]]))


STRATEGIC_NOISE: list[Any] = [
    {"$patch": "replace"},
    {"$patch": "delete"},
    {"$patch": "bogus"},
    {"$retainKeys": ["data"]},
    {"$retainKeys": 5},
    {"$setElementOrder/rules": [{"apiGroups": [""]}]},
    {"$deleteFromPrimitiveList/finalizers": ["x"]},
    {"rules": [{"$patch": "delete", "verbs": ["get"]}]},
    {"metadata": {"finalizers": [{"$patch": "replace"}]}},
    {"$setElementOrder/metadata": "x"},
    {"spec": {"ports": [{"$patch": "delete"}]}},
    {"webhooks": [{"$patch": "merge"}]},
]


@st.composite
def body_for(draw: st.DrawFn, method: str, kind: str, sub: str, name: str, namespace: str) -> Any:
    """A JSON value for the request: an object, a patch, or delete options, mutated or not."""
    base = subresource_body(kind, sub, name, namespace) if sub else valid(kind, name, namespace)
    if method == "DELETE":
        base = {
            "apiVersion": "v1",
            "kind": "DeleteOptions",
            "propagationPolicy": "Background",
            "gracePeriodSeconds": 0,
            "preconditions": {"uid": "u", "resourceVersion": "1"},
            "dryRun": ["All"],
        }
    if method == "PATCH":
        shape = draw(st.sampled_from(["merge", "merge", "jsonpatch", "strategic", "full"]))
        if shape == "jsonpatch":
            return draw(json_patch())
        if shape == "strategic":
            extra = draw(st.sampled_from(STRATEGIC_NOISE))
            patch = draw(mutated({k: v for k, v in base.items() if k not in ("apiVersion", "kind")}))
            return {**patch, **extra} if isinstance(patch, dict) else patch
        if shape == "merge":
            keep = draw(st.sets(st.sampled_from(sorted(base)), max_size=3))
            base = {k: base[k] for k in keep}
    base = draw(
        st.sampled_from(
            [
                lambda: base,
                lambda: base,
                lambda: draw(mutated(base)),
                lambda: draw(mutated(base)),
                lambda: draw(_metadata_noise(base)),
            ]
        )
    )()
    if draw(st.integers(0, 9)) == 0:  # a wrong kind or apiVersion
        other = draw(st.sampled_from(sorted(KINDS)))
        if isinstance(base, dict):
            base["kind"] = draw(st.sampled_from([other.split(".")[0], "Status", "", "List", 5]))
            base["apiVersion"] = draw(st.sampled_from([KINDS[other].api_version, "v2", "x/y/z", "", None]))
    return base


# -- paths and queries -------------------------------------------------------------------------------


def _segment(draw: st.DrawFn, real: str) -> str:
    """A path segment, %-encoded; one time in twenty replaced by something odd."""
    if draw(st.sampled_from(ODDS)):
        odd = draw(st.one_of(st.sampled_from(ODD_SEGMENTS), st.text(min_size=1, max_size=12)))
        if draw(st.booleans()) and "%" not in odd:
            return quote(odd, safe="")
        return quote(odd, safe="%:*~+;,=")
    return quote(real, safe=":*")


@st.composite
def requests(draw: st.DrawFn, extra_clusters: tuple[str, ...] = ()) -> Request:
    """One request: method, path from a served kind, query, headers and body."""
    kind_name = draw(st.sampled_from(sorted(KINDS)))
    kind = KINDS[kind_name]
    method = draw(st.sampled_from(METHODS))
    if kind.review and draw(st.integers(0, 3)):
        method = "POST"
    ns = draw(st.sampled_from(NAMESPACES))
    name = draw(st.sampled_from(NAMES))
    if draw(st.sampled_from(ODDS)):
        name = draw(st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?", fullmatch=True))
    named = method in ("PUT", "PATCH") or (method != "POST" and draw(st.booleans()))
    sub = ""
    if kind.subresources and named and draw(st.integers(0, 2)) == 0:
        sub = draw(st.sampled_from(kind.subresources))
        if sub == "token":
            method = draw(st.sampled_from(["POST", "POST", "GET", "PUT"]))
    cluster = draw(st.sampled_from([*CLUSTERS, *extra_clusters]))
    if draw(st.sampled_from(ODDS)):
        cluster = draw(st.sampled_from(ODD_CLUSTERS))
    if method == "DELETE" and not named:
        cluster = draw(st.sampled_from(["root:fuzz", "*", "root:x:y", *extra_clusters]))
    segs: list[str] = []
    if draw(st.integers(0, 15)) != 0 or cluster != "root":  # bare /api is root
        segs += ["clusters", _segment(draw, cluster) if cluster != "root" else "root"]
    segs += kind.prefix.split("/")
    if method == "GET" and not named and draw(st.integers(0, 6)) == 0:
        segs.append("watch")
    if kind.namespaced and (named or draw(st.integers(0, 3))):
        segs += ["namespaces", _segment(draw, ns)]
    segs.append(kind.resource)
    if named:
        segs.append(_segment(draw, name))
    if sub:
        segs.append(sub)
    if draw(st.sampled_from(ODDS)):
        segs.append(_segment(draw, draw(st.sampled_from(ODD_SEGMENTS))))
    path = "/" + "/".join(segs) + ("/" if draw(st.sampled_from(ODDS)) else "")
    if SENTINEL in path.lower():
        path = path.lower().replace(SENTINEL, "fuzz")

    query = draw(_query())
    headers: dict[str, str] = {}
    accept = draw(st.sampled_from(ACCEPTS))
    if accept is not None:
        headers["Accept"] = accept
    body: bytes | None = None
    if method in ("POST", "PUT", "PATCH") or (method == "DELETE" and draw(st.integers(0, 3)) == 0):
        content_type = draw(st.sampled_from(CONTENT_TYPES))
        if method == "PATCH" and draw(st.booleans()):
            content_type = draw(st.sampled_from(CONTENT_TYPES[3:7]))
        obj = draw(body_for(method, kind_name, sub, name, ns))
        body = draw(encoded(obj))
        if content_type and "yaml" in content_type and draw(st.booleans()):
            body = yaml.safe_dump(_plain(obj)).encode() if body.startswith((b"{", b"[")) else body
        if content_type is not None:
            headers["Content-Type"] = content_type
    token = draw(st.sampled_from(["admin"] * 12 + ["none", "bad"]))
    return Request(method, path, query, headers, body, token)


@st.composite
def _query(draw: st.DrawFn) -> str:
    pairs: list[tuple[str, str]] = []
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3, 4]))):
        key = (
            draw(st.sampled_from(sorted(PARAMS)))
            if not draw(st.sampled_from(ODDS))
            else draw(st.text(max_size=6))
        )
        pool = PARAMS.get(key, [])
        value = (
            draw(st.sampled_from(pool))
            if pool and not draw(st.sampled_from(ODDS))
            else draw(st.text(max_size=12))
        )
        pairs.append((key, value))
    parts = [quote(k, safe="") + "=" + quote(v, safe="") for k, v in pairs]
    if draw(st.sampled_from(ODDS)):
        parts.append(draw(st.sampled_from(["%zz=1", "a", "=", "&&", "labelSelector=%ff", "limit"])))
    return "&".join(parts)
