"""The one exception a plugin command raises; the entry point prints it and exits 1."""

from __future__ import annotations


class PluginError(Exception):
    """A failure to show the user as `Error: <message>` (kcp's cobra commands print it so)."""
