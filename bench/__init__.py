"""Benchmarks for kcp: `python -m bench` starts a server in a temp dir, measures, prints, stops it."""
