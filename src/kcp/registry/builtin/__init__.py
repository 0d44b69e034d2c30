"""Built-in kinds: their descriptors and strategies."""
