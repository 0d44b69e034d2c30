"""Laying an applied configuration over a live object, and cutting fields out of one.

Both follow structured-merge-diff: leaves from the configuration win, maps merge key by key, and
associative lists merge item by item in the order kube gives them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from kcp.apimachinery.applyschema import Schema, Shape, child, drops_null, items, shape
from kcp.apimachinery.applytyped import ABSENT, TypedError, is_empty, item_elements, pair_shape
from kcp.apimachinery.fieldpath import Path, PathElement, PathTree
from kcp.apimachinery.serialization import clone

_EMPTIED: Final[Any] = object()  # a map or list whose every entry was removed


def merge(live: dict[str, Any], config: dict[str, Any], schema: Schema | None) -> dict[str, Any]:
    """`config` laid over `live`: leaves from config win, maps and associative lists merge."""
    out = _merge(live, config, schema, ())
    assert isinstance(out, dict)
    return out


def _merge(lhs: Any, rhs: Any, schema: Schema | None, path: Path) -> Any:
    kind = pair_shape(schema, lhs, rhs)
    if kind is Shape.LEAF or (is_empty(lhs) and is_empty(rhs)):
        return clone(lhs if rhs is ABSENT else rhs)
    if kind is Shape.MAP:
        left = lhs if isinstance(lhs, dict) else {}
        right = rhs if isinstance(rhs, dict) else {}
        out = {}
        for name in (*left, *(n for n in right if n not in left)):
            sub_path = (*path, PathElement.of_field(name))
            out[name] = _merge(
                left.get(name, ABSENT), right.get(name, ABSENT), child(schema, name)[0], sub_path
            )
        return out
    assert schema is not None
    return _merge_items(lhs, rhs, schema, kind, path)


def _merge_items(lhs: Any, rhs: Any, schema: Schema, kind: Shape, path: Path) -> list[Any]:
    """Merge associative lists in structured-merge-diff's order: applied items keep the applied order,
    live-only items keep their place relative to them. A duplicated live item is replaced whole."""
    left_values = lhs if isinstance(lhs, list) else []
    right_values = rhs if isinstance(rhs, list) else []
    left = list(zip(item_elements(left_values, schema, kind, path), left_values, strict=True))
    right = item_elements(right_values, schema, kind, path)
    seen: set[PathElement] = set()
    for pe in right:
        if pe in seen:
            raise TypedError(path, f"duplicate entries for key {pe}")
        seen.add(pe)
    applied = dict(zip(right, right_values, strict=True))
    observed: dict[PathElement, Any] = {}
    for pe, item in left:
        observed[pe] = None if pe in observed else item
    shared = iter([pe for pe in right if pe in observed])
    next_shared = next(shared, None)
    item_schema = items(schema)
    out: list[Any] = []
    done: set[PathElement] = set()
    li = ri = 0
    while li < len(left) or ri < len(right):
        if li < len(left) and ri < len(right):
            pe = left[li][0]
            if pe == right[ri]:
                done.add(pe)
                out.append(_merge(observed[pe], applied[pe], item_schema, (*path, pe)))
                li, ri = li + 1, ri + 1
                next_shared = next(shared, None)
                continue
            if pe in applied and next_shared is not None and next_shared != pe:
                li += 1
                continue
        if li < len(left):
            pe, item = left[li]
            if pe not in applied:
                out.append(clone(item))
                li += 1
                continue
            if pe in done:
                li += 1
        if ri < len(right):
            pe = right[ri]
            done.add(pe)
            out.append(_merge(observed.get(pe, ABSENT), applied[pe], item_schema, (*path, pe)))
            ri += 1
            if next_shared == pe:
                next_shared = next(shared, None)
    return out


def remove(value: dict[str, Any], paths: Iterable[Path], schema: Schema | None) -> dict[str, Any]:
    """A copy of `value` without the nodes in `paths` (and their subtrees).

    A map or list emptied by the removal becomes null, as in structured-merge-diff, unless the schema
    declares it: kube's typed decoding (built-in kinds) and null pruning (CRDs) then drop it, so it goes.
    """
    out = _remove(value, PathTree.of(paths), schema, ())
    return out if isinstance(out, dict) else {}


def _remove(value: Any, tree: PathTree, schema: Schema | None, path: Path) -> Any:
    kind = shape(schema, value)
    if kind is Shape.LEAF:
        return clone(value)
    if kind is Shape.MAP:
        out = {}
        for name, sub in value.items():
            node = tree.children.get(PathElement.of_field(name))
            if node is None:
                out[name] = clone(sub)
            elif not node.member:
                sub_schema = child(schema, name)[0]
                kept = _remove(sub, node, sub_schema, (*path, PathElement.of_field(name)))
                if kept is not _EMPTIED:
                    out[name] = kept
                elif not drops_null(sub_schema):
                    out[name] = None
        return out or _EMPTIED
    assert schema is not None
    kept_items = []
    for pe, item in zip(item_elements(value, schema, kind, path), value, strict=True):
        node = tree.children.get(pe)
        if node is None:
            kept_items.append(clone(item))
        elif not node.member:
            kept = _remove(item, node, items(schema), (*path, pe))
            kept_items.append(None if kept is _EMPTIED else kept)
    return kept_items or _EMPTIED
