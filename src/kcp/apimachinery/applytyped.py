"""Reading JSON objects as server-side apply does: which fields a value sets and which changed.

`field_set` lists the fields a value sets and `compare` says which changed between two values (merging
and removing are in applymerge). They follow structured-merge-diff's typed package, including its edge
cases: a node that is empty on both sides is compared as a leaf, a null stands for an empty map or list
of whatever shape the other side has, and duplicate items that live objects may carry are tracked as
one opaque item.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from kcp.apimachinery.applyschema import (
    MISSING,
    Schema,
    Shape,
    child,
    is_atomic,
    items,
    key_default,
    list_keys,
    shape,
    undeclared,
)
from kcp.apimachinery.fieldpath import (
    FIELD,
    KEY,
    FieldSet,
    Path,
    PathElement,
    PathTree,
    path_string,
    recursive_difference,
)

ABSENT: Final[Any] = object()  # a field that is not there, as opposed to one that is null


class TypedError(ValueError):
    """A value apply cannot take apart: a keyed list item without keys, a duplicate, a map in a set."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path_string(path)}: {message}" if path else message)


@dataclass(frozen=True, slots=True)
class Comparison:
    """What a write added, modified and removed: who gains and who loses ownership follows from it."""

    added: FieldSet
    modified: FieldSet
    removed: FieldSet


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: `1 == 1.0`, but `true != 1` (Python's == would say equal)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(json_equal, a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) or isinstance(b, int | float):
        return isinstance(a, int | float) and isinstance(b, int | float) and a == b
    return type(a) is type(b) and bool(a == b)


def _item_element(item: Any, schema: Schema, kind: Shape) -> PathElement:
    """The element naming a set or keyed-list item; ValueError worded as kube words it."""
    if kind is Shape.SET:
        if isinstance(item, dict):
            raise ValueError("associative list without keys has an element that's a map type")
        if isinstance(item, list):
            raise ValueError("not supported: associative list with lists as elements")
        if item is None:
            raise ValueError("associative list without keys has an element that's an explicit null")
        return PathElement.of_value(item)
    if item is None:
        raise ValueError("associative list with keys may not have a null element")
    if not isinstance(item, dict):
        raise ValueError("associative list with keys may not have non-map elements")
    keys = list_keys(schema)
    fields: dict[str, Any] = {}
    for key in keys:
        if key in item:
            fields[key] = item[key]
        elif (default := key_default(schema, key)) is not MISSING and default is not None:
            fields[key] = default
    if not fields:
        names = "[" + " ".join(f'"{k}"' for k in keys) + "]"
        raise ValueError(
            f"associative list with keys has an element that omits all key fields {names} "
            "(and doesn't have default values for any key fields)"
        )
    return PathElement.of_key(fields)


def item_elements(values: list[Any], schema: Schema, kind: Shape, path: Path) -> list[PathElement]:
    """The element of each item of an associative list, in order; TypedError names the bad item."""
    out = []
    for i, item in enumerate(values):
        try:
            out.append(_item_element(item, schema, kind))
        except ValueError as e:
            raise TypedError(path, f"element {i}: {e}") from None
    return out


def pair_shape(schema: Schema | None, lhs: Any, rhs: Any) -> Shape:
    """The shape two sides share; null and absent take the other side's, a mismatch is a leaf."""
    shapes = {shape(schema, v) for v in (lhs, rhs) if v is not ABSENT and v is not None}
    return shapes.pop() if len(shapes) == 1 else Shape.LEAF


def is_empty(value: Any) -> bool:
    """Absent, null or an empty container: two such sides compare and merge as leaves."""
    return value is ABSENT or value is None or value == {} or value == []


# --- field sets -----------------------------------------------------------------------------------------


def field_set(
    value: Any, schema: Schema | None, *, allow_duplicates: bool, declared_only: bool = False
) -> FieldSet:
    """The fields `value` sets: leaves, list items, and map entries that are null, empty or not struct
    fields. Duplicate list items raise unless `allow_duplicates` (live objects may hold them); so do
    fields a struct does not declare if `declared_only` (an applied object)."""
    out: set[Path] = set()
    _collect(value, schema, (), out, allow_duplicates, declared_only)
    return frozenset(out)


def _collect(
    value: Any, schema: Schema | None, path: Path, out: set[Path], dups: bool, strict: bool = False
) -> None:
    kind = shape(schema, value)
    if kind is Shape.LEAF:
        if path:
            out.add(path)
        return
    if kind is Shape.MAP:
        for name, sub in value.items():
            sub_schema, named = child(schema, name)
            sub_path = (*path, PathElement.of_field(name))
            if strict and not named and undeclared(schema, name, resource=not path):
                raise TypedError(sub_path, "field not declared in schema")
            _collect(sub, sub_schema, sub_path, out, dups, strict)
            if sub is None or sub == {} or not named:
                out.add(sub_path)
        return
    assert schema is not None
    elements = item_elements(value, schema, kind, path)
    repeated = {pe for pe, n in Counter(elements).items() if n > 1}
    if repeated and not dups:
        raise TypedError(path, f"duplicate entries for key {min(repeated)}")
    for pe, item in zip(elements, value, strict=True):
        if pe in repeated:
            out.add((*path, pe))
            continue
        _collect(item, items(schema), (*path, pe), out, dups, strict)
        out.add((*path, pe))


def ensure_named(paths: FieldSet, schema: Schema | None) -> FieldSet:
    """Add every struct field that has owned children: removing such a field removes the whole struct,
    while a granular map stays owned key by key (structured-merge-diff's EnsureNamedFieldsAreMembers)."""
    out = set(paths)
    _add_named(PathTree.of(paths), schema, (), out)
    return frozenset(out)


def _add_named(tree: PathTree, schema: Schema | None, path: Path, out: set[Path]) -> None:
    for pe, node in tree.children.items():
        if not node.children or schema is None:
            continue
        sub_path = (*path, pe)
        if pe.kind == FIELD:
            sub_schema, named = child(schema, pe.data)
            if named:
                out.add(sub_path)
        elif pe.kind == KEY:
            sub_schema = items(schema)
        else:
            continue
        _add_named(node, sub_schema, sub_path, out)


def collapse_atomic(paths: FieldSet, schema: Schema | None) -> FieldSet:
    """`paths` as the schema reads them now: owning anything inside a field that has since become
    atomic (a CRD changed) is owning the field (structured-merge-diff's ReconcileFieldSetWithSchema)."""
    collapsed: set[Path] = set()
    _find_atomic(PathTree.of(paths), schema, (), collapsed)
    return recursive_difference(paths, frozenset(collapsed)) | collapsed if collapsed else paths


def _find_atomic(tree: PathTree, schema: Schema | None, path: Path, out: set[Path]) -> None:
    for pe, node in tree.children.items():
        if not node.children:
            continue
        sub_schema = child(schema, pe.data)[0] if pe.kind == FIELD else items(schema)
        if sub_schema is None:
            continue
        if is_atomic(sub_schema):
            out.add((*path, pe))
        else:
            _find_atomic(node, sub_schema, (*path, pe), out)


# --- compare --------------------------------------------------------------------------------------------


def compare(lhs: Any, rhs: Any, schema: Schema | None) -> Comparison:
    """Which fields `rhs` added, modified or removed relative to `lhs` (both whole objects)."""
    added: set[Path] = set()
    modified: set[Path] = set()
    removed: set[Path] = set()
    _compare(lhs, rhs, schema, (), (added, modified, removed))
    return Comparison(frozenset(added), frozenset(modified), frozenset(removed))


_Sink = tuple[set[Path], set[Path], set[Path]]


def _compare(lhs: Any, rhs: Any, schema: Schema | None, path: Path, sink: _Sink) -> None:
    added, modified, removed = sink
    if lhs is ABSENT and rhs is not ABSENT:
        _added(rhs, schema, path, added)  # every create, and each new subtree of an update
        return
    kind = pair_shape(schema, lhs, rhs)
    if kind is Shape.LEAF or (is_empty(lhs) and is_empty(rhs)):
        if lhs is ABSENT:
            added.add(path)
        elif rhs is ABSENT:
            removed.add(path)
        elif not json_equal(lhs, rhs):
            modified.add(path)
        return
    if kind is Shape.MAP:
        left = lhs if isinstance(lhs, dict) else {}
        right = rhs if isinstance(rhs, dict) else {}
        for name in left.keys() | right.keys():
            sub_schema, _ = child(schema, name)
            sub_path = (*path, PathElement.of_field(name))
            _compare(left.get(name, ABSENT), right.get(name, ABSENT), sub_schema, sub_path, sink)
    else:
        assert schema is not None
        _compare_items(lhs, rhs, schema, kind, path, sink)
    if lhs is ABSENT:
        added.add(path)
    elif rhs is ABSENT:
        removed.add(path)


def _added(rhs: Any, schema: Schema | None, path: Path, added: set[Path]) -> None:
    """`_compare(ABSENT, rhs)` without pairing each node with nothing: same paths, less work."""
    kind = shape(schema, rhs) if rhs is not None else Shape.LEAF
    if kind is Shape.LEAF or rhs == {} or rhs == []:
        added.add(path)
        return
    if kind is Shape.MAP:
        for name, value in rhs.items():
            _added(value, child(schema, name)[0], (*path, PathElement.of_field(name)), added)
    else:
        assert schema is not None
        item_schema = items(schema)
        for pe, values in _groups(rhs, schema, kind, path).items():
            if len(values) == 1:
                _added(values[0], item_schema, (*path, pe), added)
            else:
                added.add((*path, pe))  # duplicates: one opaque item
    added.add(path)


def _groups(value: Any, schema: Schema, kind: Shape, path: Path) -> dict[PathElement, list[Any]]:
    values = value if isinstance(value, list) else []
    out: dict[PathElement, list[Any]] = {}
    for pe, item in zip(item_elements(values, schema, kind, path), values, strict=True):
        out.setdefault(pe, []).append(item)
    return out


def _compare_items(lhs: Any, rhs: Any, schema: Schema, kind: Shape, path: Path, sink: _Sink) -> None:
    """Items pair up by element; duplicated items compare as one opaque value."""
    added, modified, removed = sink
    left, right = _groups(lhs, schema, kind, path), _groups(rhs, schema, kind, path)
    item_schema = items(schema)
    for pe in left.keys() | right.keys():
        ls, rs = left.get(pe, []), right.get(pe, [])
        sub_path = (*path, pe)
        if len(ls) <= 1 and len(rs) <= 1:
            _compare(ls[0] if ls else ABSENT, rs[0] if rs else ABSENT, item_schema, sub_path, sink)
        elif len(ls) >= 2 and len(rs) >= 2:
            if not json_equal(ls, rs):
                modified.add(sub_path)
        elif len(ls) >= 2:
            if rs:
                _compare(ABSENT, rs[0], item_schema, sub_path, sink)
            removed.add(sub_path)
        else:
            if ls:
                _compare(ls[0], ABSENT, item_schema, sub_path, sink)
            added.add(sub_path)
