"""The nesting limit every request body gets, whatever its encoding (JSON, YAML, protobuf).

User objects are rarely deeper than 20 levels; capping at 100 keeps our recursive algorithms far
from Python's recursion limit, so a deep body is a 400, never a RecursionError.
"""

from __future__ import annotations

from typing import Any

from kcp.apimachinery.errors import BadRequest

MAX_DEPTH = 100


def too_deep() -> BadRequest:
    return BadRequest(f"the object is nested too deeply (more than {MAX_DEPTH} levels)")


def check_depth(value: Any, depth: int = 1) -> None:
    """Raise 400 if `value`, itself at nesting level `depth`, reaches below MAX_DEPTH."""
    stack: list[tuple[Any, int]] = [(value, depth)]
    while stack:
        node, level = stack.pop()
        if level > MAX_DEPTH:
            raise too_deep()
        if isinstance(node, dict):
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node)
