"""Registry: one generic Store; kinds differ only by strategy and schema."""
