"""Shared test helpers: a real `kcp start` process on a free loopback port."""
