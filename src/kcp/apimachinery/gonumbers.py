"""JSON numbers as a custom resource holds them after kube has decoded and re-encoded it.

kube decodes an unstructured body's numbers as int64 when the literal is an integer, else as float64,
and writes a float64 with Go's shortest form: `3.0` and `1e2` come back as `3` and `100`, which read
back as integers. A Python client that wrote `3.0` therefore reads an int, and `range(spec["size"])`
works against kube; here the same object must not hand it a float.
"""

from __future__ import annotations

from typing import Any

_INT64 = 2**63


def integral_floats_as_ints(obj: dict[str, Any]) -> dict[str, Any]:
    """`obj`, changed in place: every integral float in int64's range an int, as a round trip through
    kube makes it (-0.0 included: Go writes `-0`, which reads back as 0)."""
    for key, item in obj.items():
        if type(item) is float or isinstance(item, dict | list):
            obj[key] = _value(item)
    return obj


def _value(value: Any) -> Any:
    if type(value) is float:
        return int(value) if value.is_integer() and -_INT64 <= value < _INT64 else value
    if isinstance(value, dict):
        return integral_floats_as_ints(value)
    if isinstance(value, list):
        for i, item in enumerate(value):
            if type(item) is float or isinstance(item, dict | list):
                value[i] = _value(item)
    return value
