"""Strategic merge patch: applying the patches kubectl computes for built-in kinds.

A strategic merge patch is a JSON merge patch whose lists may merge by key instead of being replaced, plus
directives for what a merge patch cannot say: `$patch` (replace, delete or merge a map; delete an item or
replace the whole list), `$retainKeys`, `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>`.
The kind's schema (inline OpenAPI v3 with kube's patch extensions) says which lists merge, exactly as the
OpenAPI kubectl downloads tells kubectl how to build the patch; a server that merged a list kubectl treats
as replaced would keep the items `kubectl apply` removes.

Semantics follow apimachinery's `StrategicMergeMapPatch`, down to where merged items land (an item new to
a list goes before the live items it is compared with, unless `$setElementOrder` places it), because users
see that order. Where kube answers malformed patches with a 500 this raises BadRequest, and no directive
ever reaches the result: objects are stored as JSON, with no typed decode to drop stray keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Mapping
from functools import partial
from typing import Any, Final

from kcp.apimachinery.errors import BadRequest, Invalid
from kcp.apimachinery.serialization import clone

Schema = Mapping[str, Any]

PATCH: Final = "$patch"
RETAIN_KEYS: Final = "$retainKeys"
SET_ELEMENT_ORDER: Final = "$setElementOrder"
DELETE_FROM_PRIMITIVE_LIST: Final = "$deleteFromPrimitiveList"

# kube's wording for a patch it cannot apply (422); the reason stays on the exception chain.
REJECTED: Final = "the server rejected our request due to an error in our request"

_ABSENT: Final = ("absent",)  # identity of a list item that lacks the merge key


def strategic_merge_patch(
    original: Mapping[str, Any], patch: Mapping[str, Any], schema: Schema | None
) -> dict[str, Any]:
    """Apply `patch` to a copy of `original`; neither input is modified.

    `schema` is the kind's inline schema; without one every map merges and every list is replaced.
    """
    return _merge_map(clone(dict(original)), patch, schema)


# --- schema ------------------------------------------------------------------------------------------


def _field_schema(schema: Schema | None, key: str) -> Schema | None:
    if not schema:
        return None
    properties = schema.get("properties")
    if isinstance(properties, Mapping) and isinstance(properties.get(key), Mapping):
        return properties[key]  # type: ignore[no-any-return]
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, Mapping) else None


def _items_schema(schema: Schema | None) -> Schema | None:
    items = schema.get("items") if schema else None
    return items if isinstance(items, Mapping) else None


def _strategies(schema: Schema | None) -> frozenset[str]:
    raw = schema.get("x-kubernetes-patch-strategy") if schema else None
    return frozenset(s.strip() for s in raw.split(",")) if isinstance(raw, str) else frozenset()


def _merge_key(schema: Schema | None) -> str | None:
    """The key a list merges by; "" merges primitives as a set; None replaces the list.

    Only the patch extensions count, not `x-kubernetes-list-type: map`: kube's types have keyed lists
    that strategic merge replaces, and kubectl builds its patches from the same extensions.
    """
    if "merge" not in _strategies(schema):
        return None
    key = schema.get("x-kubernetes-patch-merge-key") if schema else None
    return key if isinstance(key, str) else ""


# --- identities: Go compares JSON values by type too, so 1, 1.0 and true are different ----------------


def _token(value: Any) -> Hashable:
    if isinstance(value, dict | list):
        return ("json", json.dumps(value, sort_keys=True))
    return (type(value), value)


def _item_id(item: Any, key: str) -> Hashable:
    """A live list item's identity; items without the key stay where they are rather than fail."""
    if not key:
        return _token(item)
    return _token(item[key]) if isinstance(item, dict) and key in item else _ABSENT


def _entry_id(entry: Any, key: str) -> Hashable:
    """A patch item's identity: it must carry the merge key, or nothing says which item it means."""
    if not key:
        return _token(entry)
    if not isinstance(entry, dict) or key not in entry:
        raise BadRequest(f"{_short(entry)} does not contain declared merge key: {key}")
    return _token(entry[key])


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 200 else text[:197] + "..."


# --- directives --------------------------------------------------------------------------------------


def _map_directive(value: Any) -> str:
    if isinstance(value, str) and value in ("replace", "delete", "merge"):
        return value
    raise BadRequest(f"unknown patch type: {_short(value)}; a map accepts $patch: replace, delete or merge")


def _list_directive(value: Any) -> str:
    if isinstance(value, str) and value in ("replace", "delete"):
        return value
    if value == "merge":
        raise BadRequest("$patch: merge is not supported in a list; list items merge by their merge key")
    raise BadRequest(f"unknown patch type: {_short(value)}; a list item accepts $patch: replace or delete")


def _directive_field(key: str, prefix: str) -> str:
    """The field a parallel-list directive names: `$setElementOrder/containers` → `containers`."""
    rest = key[len(prefix) :]
    if len(rest) < 2 or rest[0] != "/":
        raise BadRequest(f"invalid patch directive {key!r}: expected {prefix}/<field>")
    return rest[1:]


def _directive_list(key: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise BadRequest(f"invalid patch format of {key}: expected a list, got {_short(value)}")
    return value


def _is_directive(key: str, value: Any) -> bool:
    """Whether `key` is a directive, checking its form: malformed ones fail even where they do nothing."""
    if key == RETAIN_KEYS:
        _directive_list(key, value)
        return True
    for prefix in (SET_ELEMENT_ORDER, DELETE_FROM_PRIMITIVE_LIST):
        if key.startswith(prefix):
            _directive_field(key, prefix)
            _directive_list(key, value)
            return True
    return key == PATCH


# --- content with nothing to merge into --------------------------------------------------------------


def _fresh(value: Any, schema: Schema | None) -> Any:
    """What a patch fragment means where nothing is there: nulls dropped, directives spent.

    A map asking to be deleted comes back as None. Lists here are new or replaced ones, so their
    `$patch` items (delete, or the replace marker) have nothing to act on and are dropped, as in kube.
    """
    if isinstance(value, dict):
        return _fresh_map(value, schema)
    if isinstance(value, list):
        items = _items_schema(schema)
        out = []
        for item in value:
            if isinstance(item, dict) and PATCH in item:
                _list_directive(item[PATCH])
                continue
            out.append(_fresh(item, items))
        return out
    return value


def _fresh_map(patch: Mapping[str, Any], schema: Schema | None) -> dict[str, Any] | None:
    if PATCH in patch and _map_directive(patch[PATCH]) == "delete":
        return None
    return _fresh_entries(patch, schema)


def _fresh_entries(patch: Mapping[str, Any], schema: Schema | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in patch.items():
        if value is None or _is_directive(key, value):
            continue
        fresh = _fresh(value, _field_schema(schema, key))
        if fresh is not None:
            out[key] = fresh
    return out


# --- maps --------------------------------------------------------------------------------------------


def _merge_map(original: dict[str, Any], patch: Mapping[str, Any], schema: Schema | None) -> dict[str, Any]:
    """Merge `patch` into `original`, which the caller hands over: it is mutated and returned."""
    if PATCH in patch:
        directive = _map_directive(patch[PATCH])
        if directive == "delete":
            return {}  # kube keeps the field, emptied
        if directive == "replace":
            return _fresh_entries(patch, schema)
    if RETAIN_KEYS in patch:
        _retain_keys(original, patch)
    ordered = _apply_element_orders(original, patch, schema)
    for key, value in patch.items():
        if key in (PATCH, RETAIN_KEYS) or key in ordered or key.startswith(SET_ELEMENT_ORDER):
            continue
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST):
            field = _directive_field(key, DELETE_FROM_PRIMITIVE_LIST)
            _delete_from_primitive_list(original, field, _directive_list(key, value))
            continue
        if value is None:
            original.pop(key, None)
            continue
        current, sub = original.get(key), _field_schema(schema, key)
        merged: Any
        if isinstance(current, dict) and isinstance(value, dict) and "replace" not in _strategies(sub):
            merged = _merge_map(current, value, sub)
        elif isinstance(current, list) and isinstance(value, list):
            merged = _merge_list(current, value, sub)[0]
        else:
            merged = _fresh(value, sub)
        if merged is None:
            original.pop(key, None)
        else:
            original[key] = merged
    return original


def _retain_keys(original: dict[str, Any], patch: Mapping[str, Any]) -> None:
    """`$retainKeys`: drop every field it does not list; the patch may set only fields it lists."""
    allowed = {k for k in _directive_list(RETAIN_KEYS, patch[RETAIN_KEYS]) if isinstance(k, str)}
    for key, value in patch.items():
        if value is None or key in (PATCH, RETAIN_KEYS):
            continue
        if key.startswith((SET_ELEMENT_ORDER, DELETE_FROM_PRIMITIVE_LIST)):
            continue
        if key not in allowed:
            raise BadRequest(
                f"invalid patch format of $retainKeys: the patch sets {key!r}, which it does not list"
            )
    for key in [k for k in original if k not in allowed]:
        del original[key]


def _delete_from_primitive_list(original: dict[str, Any], field: str, values: list[Any]) -> None:
    current = original.get(field)
    if not isinstance(current, list):
        return
    if any(isinstance(v, dict) for v in current) or any(isinstance(v, dict) for v in values):
        raise BadRequest(f"invalid patch format of primitive list: {field} is a list of objects")
    drop = {_token(v) for v in values}
    original[field] = [v for v in current if _token(v) not in drop]


def _apply_element_orders(
    original: dict[str, Any], patch: Mapping[str, Any], schema: Schema | None
) -> set[str]:
    """Merge each list a `$setElementOrder/<field>` names, then order it; returns the fields done."""
    done: set[str] = set()
    for directive, order in patch.items():
        if not directive.startswith(SET_ELEMENT_ORDER):
            continue
        field = _directive_field(directive, SET_ELEMENT_ORDER)
        order = _directive_list(directive, order)
        if field in patch and not isinstance(patch[field], list):
            continue  # the patch deletes the field or sets a non-list: nothing to order
        current, wanted = original.get(field), patch.get(field)
        if not isinstance(current, list):
            current = None
        if current is None and wanted is None:
            continue
        sub = _field_schema(schema, field)
        key = _merge_key(sub) or ""
        if not key and _has_maps(current or [], wanted or []):
            continue  # items without a merge key cannot be matched to the order
        _check_order(wanted or [], order, key)
        if current is not None and wanted is not None:
            merged, live = _merge_list(current, wanted, sub)
        elif wanted is not None:
            merged, live = _fresh(wanted, sub), []
        else:
            merged = live = current or []
        ident = partial(_item_id, key=key)
        original[field] = _arrange(merged, [_entry_id(e, key) for e in order], live, ident)
        done.add(field)
    return done


def _has_maps(*lists: list[Any]) -> bool:
    return any(isinstance(item, dict) for items in lists for item in items)


def _check_order(patch_list: list[Any], order: list[Any], key: str) -> None:
    """The patch's items must appear in `$setElementOrder`, in the same relative order."""
    if not order or not patch_list:
        return
    remaining = iter([_entry_id(e, key) for e in order])
    for item in patch_list:
        if isinstance(item, dict) and PATCH in item:
            continue
        if _entry_id(item, key) not in remaining:  # consumes `remaining` up to the match
            raise BadRequest(
                f"invalid patch format of {SET_ELEMENT_ORDER} list: {_short(patch_list)} is not in the "
                f"order of {_short(order)}"
            )


# --- lists -------------------------------------------------------------------------------------------


def _merge_list(current: list[Any], patch: list[Any], schema: Schema | None) -> tuple[list[Any], list[Any]]:
    """The merged list, and the live order a `$setElementOrder` on it is then reconciled with.

    That second list is kube's by accident: Go's merge deletes and appends within the live list's own
    array, so $setElementOrder sees it with deleted items' slots taken by new ones. kubectl's patches
    are computed against that behaviour, and it decides where server-only items end up.
    """
    key = _merge_key(schema)
    if key is None:
        return _fresh(patch, schema), current
    kind = _element_kind(current, patch)
    if kind is None:
        return current, current
    if kind is not dict:
        return _merge_primitives(current, patch), current
    if not key:
        return _fresh(patch, schema), current
    return _merge_keyed(current, patch, key, _items_schema(schema))


def _element_kind(*lists: list[Any]) -> type | None:
    """dict or object (primitives) for a list that merges; None when there is nothing to merge."""
    kinds = {
        dict if isinstance(v, dict) else list if isinstance(v, list) else object for vs in lists for v in vs
    }
    if list in kinds:
        raise Invalid(REJECTED) from ValueError("lists of lists are not supported")
    if len(kinds) > 1:
        raise BadRequest(f"list element types are not identical: {_short(list(lists))}")
    return next(iter(kinds), None)


def _merge_primitives(current: list[Any], patch: list[Any]) -> list[Any]:
    """A set union, each value once, ordered as kube orders it."""
    merged: dict[Hashable, Any] = {}
    for value in [*current, *patch]:
        merged.setdefault(_token(value), value)
    return _arrange(list(merged.values()), [_token(v) for v in patch], current, _token)


def _merge_keyed(
    current: list[Any], patch: list[Any], key: str, items: Schema | None
) -> tuple[list[Any], list[Any]]:
    """Merge by `key`: `$patch` items first (delete drops by key, replace drops all), then the rest."""
    plain: list[dict[str, Any]] = []
    kept, replace = current, False
    for entry in patch:
        if PATCH not in entry:
            plain.append(entry)
        elif _list_directive(entry[PATCH]) == "delete":
            gone = _entry_id(entry, key)
            kept = [item for item in kept if _item_id(item, key) != gone]
        else:
            replace = True
    ident = partial(_item_id, key=key)
    if replace:
        for entry in plain:
            _entry_id(entry, key)
        fresh = [_fresh_entries(entry, items) for entry in plain]
        return _arrange(fresh, [], fresh, ident), kept
    merged = list(kept)
    where: dict[Hashable, int] = {}
    for i, item in enumerate(merged):
        where.setdefault(ident(item), i)
    for entry in plain:
        wanted = _entry_id(entry, key)
        if wanted in where:
            merged[where[wanted]] = _merge_map(merged[where[wanted]], entry, items)
        else:
            where[wanted] = len(merged)
            merged.append(_fresh_entries(entry, items))
    return _arrange(merged, [_entry_id(e, key) for e in plain], kept, ident), merged[: len(current)]


def _arrange(
    merged: list[Any], wanted: list[Hashable], server: list[Any], ident: Callable[[Any], Hashable]
) -> list[Any]:
    """kube's order for a merged list (apimachinery's normalizeElementOrder).

    Items named in `wanted` come in that order; the others in the order of the `server` (live) list,
    items sharing a key gathered at the first; then the two are interleaved: a server item goes first
    only if both it and the next wanted item are in the live list and it came earlier there. So
    items new to the list land before the live items they are compared with.
    """
    wanted_at = _first_positions(wanted)
    server_at = _first_positions([ident(item) for item in server])
    tagged = [(ident(item), item) for item in merged]
    listed = sorted((t for t in tagged if t[0] in wanted_at), key=lambda t: wanted_at[t[0]])
    rest = sorted((t for t in tagged if t[0] not in wanted_at), key=lambda t: server_at.get(t[0], -1))
    out: list[Any] = []
    i = j = 0
    while i < len(rest) and j < len(listed):
        if 0 <= server_at.get(rest[i][0], -1) < server_at.get(listed[j][0], -1):
            out.append(rest[i][1])
            i += 1
        else:
            out.append(listed[j][1])
            j += 1
    out.extend(item for _, item in rest[i:])
    out.extend(item for _, item in listed[j:])
    return out


def _first_positions(ids: list[Hashable]) -> dict[Hashable, int]:
    at: dict[Hashable, int] = {}
    for i, ident in enumerate(ids):
        at.setdefault(ident, i)
    return at
