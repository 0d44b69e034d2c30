"""Serving CRD-defined kinds: schemas checked, compiled once per distinct content, then applied.

`compile_schema` is the entry point the registry uses; `crd_schema_causes` is what CRD
validation calls. Both work on plain JSON dicts, so a Store drives them without HTTP.
"""

from kcp.schema.compiled import CompiledSchema, cache_info, compile_schema
from kcp.schema.crd_checks import crd_schema_causes

__all__ = ["CompiledSchema", "cache_info", "compile_schema", "crd_schema_causes"]
