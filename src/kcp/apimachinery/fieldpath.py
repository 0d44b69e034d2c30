"""Field paths and field sets, in the FieldsV1 form kube writes into `metadata.managedFields`.

A path names one node of an object (`.spec.containers[name="app"].image`); a field set is a frozenset of
paths. A parent is in a set only when it is owned as a node of its own (FieldsV1's `"."` marker), never
merely because a child is. Path elements sort as structured-merge-diff sorts them (fields, then keys,
values, indexes), which fixes the order of the FieldsV1 JSON we write and of conflict messages: clients
and tests compare both with kube-apiserver's output.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

FIELD, KEY, VALUE, INDEX = 0, 1, 2, 3  # element kinds, in sort order

# Tags of frozen JSON values, in structured-merge-diff's order: numbers, strings, bools, lists, maps, null.
_NUM, _STR, _BOOL, _LIST, _MAP, _NULL = range(6)

Frozen = tuple[Any, ...]


def freeze(value: Any) -> Frozen:
    """A hashable stand-in for a JSON value that orders like kube's and keeps `true` apart from `1`."""
    if value is None:
        return (_NULL,)
    if isinstance(value, bool):
        return (_BOOL, value)
    if isinstance(value, int | float):
        return (_NUM, value)
    if isinstance(value, str):
        return (_STR, value)
    if isinstance(value, list):
        return (_LIST, tuple(freeze(v) for v in value))
    if isinstance(value, dict):
        return (_MAP, tuple(sorted((str(k), freeze(v)) for k, v in value.items())))
    raise TypeError(f"not a JSON value: {value!r}")


def thaw(frozen: Frozen) -> Any:
    """The JSON value `freeze` was given."""
    tag = frozen[0]
    if tag == _NULL:
        return None
    if tag == _LIST:
        return [thaw(v) for v in frozen[1]]
    if tag == _MAP:
        return {k: thaw(v) for k, v in frozen[1]}
    return frozen[1]


class PathElement(NamedTuple):
    """One step of a path. `data` is a field name, sorted `(name, frozen value)` key pairs, a frozen
    value, or an index; tuple order is kube's element order."""

    kind: int
    data: Any

    @staticmethod
    def of_field(name: str) -> PathElement:
        return PathElement(FIELD, name)

    @staticmethod
    def of_key(fields: Mapping[str, Any]) -> PathElement:
        return PathElement(KEY, tuple(sorted((k, freeze(v)) for k, v in fields.items())))

    @staticmethod
    def of_value(value: Any) -> PathElement:
        return PathElement(VALUE, freeze(value))

    @staticmethod
    def of_index(index: int) -> PathElement:
        return PathElement(INDEX, index)

    def __str__(self) -> str:
        """kube's spelling in conflict messages: `.name`, `[k="v",n=1]`, `[="v"]`, `[3]`."""
        if self.kind == FIELD:
            return f".{self.data}"
        if self.kind == KEY:
            return "[" + ",".join(f"{k}={_show(v)}" for k, v in self.data) + "]"
        if self.kind == VALUE:
            return f"[={_show(self.data)}]"
        return f"[{self.data}]"


Path = tuple[PathElement, ...]
FieldSet = frozenset[Path]

EMPTY: FieldSet = frozenset()


def make_path(*parts: str | int | Mapping[str, Any]) -> Path:
    """Names become fields, ints indexes, mappings keys: `make_path("spec", "ports", {"port": 80})`."""
    out: list[PathElement] = []
    for part in parts:
        if isinstance(part, str):
            out.append(PathElement.of_field(part))
        elif isinstance(part, int):
            out.append(PathElement.of_index(part))
        else:
            out.append(PathElement.of_key(part))
    return tuple(out)


def path_string(path: Path) -> str:
    """A path as kube prints it in conflict causes: `.data.key`."""
    return "".join(str(pe) for pe in path)


def _show(frozen: Frozen) -> str:
    """structured-merge-diff's ToString: strings quoted, maps as `k=v` run together."""
    tag = frozen[0]
    if tag == _NULL:
        return "null"
    if tag == _STR:
        return json.dumps(frozen[1], ensure_ascii=False)
    if tag == _BOOL:
        return "true" if frozen[1] else "false"
    if tag == _LIST:
        return "[" + ",".join(_show(v) for v in frozen[1]) + "]"
    if tag == _MAP:
        return "".join(f"{k}={_show(v)}" for k, v in frozen[1])
    return _number(frozen[1])


def recursive_difference(paths: FieldSet, exclude: FieldSet) -> FieldSet:
    """`paths` without the members of `exclude` and everything under them."""
    return frozenset(p for p in paths if not any(p[:i] in exclude for i in range(1, len(p) + 1)))


class PathTree:
    """A field set as a trie, for walks that descend an object and the set side by side."""

    __slots__ = ("children", "member")

    def __init__(self) -> None:
        self.member = False
        self.children: dict[PathElement, PathTree] = {}

    @classmethod
    def of(cls, paths: Iterable[Path]) -> PathTree:
        root = cls()
        for path in paths:
            node = root
            for pe in path:
                nxt = node.children.get(pe)
                if nxt is None:
                    nxt = node.children[pe] = cls()
                node = nxt
            node.member = True
        return root

    def ordered(self, prefix: Path = ()) -> Iterator[Path]:
        """kube's iteration order: a node's members first, then each child's subtree, all sorted."""
        elements = sorted(self.children)
        for pe in elements:
            if self.children[pe].member:
                yield (*prefix, pe)
        for pe in elements:
            yield from self.children[pe].ordered((*prefix, pe))


def ordered(paths: FieldSet) -> list[Path]:
    return list(PathTree.of(paths).ordered())


# --- FieldsV1 -------------------------------------------------------------------------------------------


def serialize_element(pe: PathElement) -> str:
    if pe.kind == FIELD:
        return f"f:{pe.data}"
    if pe.kind == KEY:
        return "k:{" + ",".join(f"{go_json(k)}:{go_json(thaw(v))}" for k, v in pe.data) + "}"
    if pe.kind == VALUE:
        return f"v:{go_json(thaw(pe.data))}"
    return f"i:{pe.data}"


def parse_element(text: str) -> PathElement | None:
    """The element a FieldsV1 key names; None for kinds a newer kube may add (kube skips those too)."""
    if len(text) < 2:
        raise ValueError(f"key must be 2 characters long: {text!r}")
    if text[1] != ":":
        raise ValueError(f"missing colon: {text}")
    kind, body = text[0], text[2:]
    if kind == "f":
        return PathElement.of_field(body)
    if kind == "i":
        return PathElement.of_index(int(body))
    if kind not in "kv":
        return None
    try:
        decoded = json.loads(body)
    except json.JSONDecodeError as e:
        raise ValueError(f"parsing {text!r}: {e}") from None
    if kind == "v":
        return PathElement.of_value(decoded)
    if not isinstance(decoded, dict):
        raise ValueError(f"parsing {text!r}: key fields must be a JSON object")
    return PathElement.of_key(decoded)


def to_fields_v1(paths: FieldSet) -> dict[str, Any]:
    """The FieldsV1 JSON object of a set, keys in kube's order."""
    return _emit(PathTree.of(paths))


def _emit(node: PathTree) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pe in sorted(node.children):
        child = node.children[pe]
        body = _emit(child)
        out[serialize_element(pe)] = {".": {}, **body} if child.member and body else body
    return out


def from_fields_v1(fields: Any) -> FieldSet:
    """Parse FieldsV1; ValueError if it is not a trie of path elements."""
    if not isinstance(fields, dict):
        raise ValueError("fieldsV1 must be a JSON object")
    out: set[Path] = set()
    _read(fields, (), out)
    return frozenset(out)


def _read(node: dict[str, Any], prefix: Path, out: set[Path]) -> None:
    for text, sub in node.items():
        if text == ".":
            continue
        pe = parse_element(text)
        if pe is None:
            continue
        if not isinstance(sub, dict):
            raise ValueError(f"value of {text!r} must be a JSON object")
        path = (*prefix, pe)
        if "." in sub or not any(k != "." and _known(k) for k in sub):
            out.add(path)
        _read(sub, path, out)


def _known(text: str) -> bool:
    """Whether a FieldsV1 key names an element kind we read (unknown kinds are dropped, not children)."""
    return len(text) >= 2 and text[0] in "fkvi"


# --- Go-compatible JSON ---------------------------------------------------------------------------------


def go_json(value: Any) -> str:
    """Compact JSON as Go's encoding/json writes it: sorted keys, HTML-safe escapes, Go float spelling.

    Key elements, manager identifiers and the last-applied annotation are compared as strings by
    clients, so they must match byte for byte what kube-apiserver would have written.
    """
    if isinstance(value, dict):
        return "{" + ",".join(f"{go_json(str(k))}:{go_json(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        for raw, escaped in _GO_ESCAPES:
            text = text.replace(raw, escaped)
        return text
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return _number(value)


_GO_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def _number(value: int | float) -> str:
    """Go's float64 spelling: plain decimals between 1e-6 and 1e21, exponent form outside."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if 1e-6 <= abs(value) < 1e21:
        return format(Decimal(repr(value)), "f")
    mantissa, _, exponent = repr(value).partition("e")
    return f"{mantissa}e{exponent[0]}{int(exponent[1:]):02d}"
