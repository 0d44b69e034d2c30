"""The vocabulary every layer shares: errors, metadata, selectors, patches, names."""
