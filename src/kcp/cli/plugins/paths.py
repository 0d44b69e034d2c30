"""Workspace path arithmetic as kcp's plugins do it: cluster URLs, `.` and `..`, absolute and relative.

A path is colon separated (`root:org:team`); on the command line a leading `:` makes it absolute and
anything else is relative to the current workspace. The server URL of a kubeconfig cluster names the
current workspace as `<base>/clusters/<path>`.
"""

from __future__ import annotations

import posixpath
from urllib.parse import urlsplit, urlunsplit

from kcp.apimachinery.labels import go_quote
from kcp.cli.plugins.errors import PluginError
from kcp.logicalcluster import is_valid_path

ROOT = "root"
_CLUSTERS = "/clusters/"


def split_cluster_url(url: str) -> tuple[str, str]:
    """`https://h/clusters/root:a/api` → (`https://h`, `root:a`); raises if the URL names no workspace."""
    parts = urlsplit(url)
    index = parts.path.find(_CLUSTERS)
    if index < 0:
        raise PluginError(f"current cluster URL {url} is not pointing to a workspace")
    path = parts.path[index + len(_CLUSTERS) :].split("/", 1)[0]
    if not is_valid_path(path):
        raise PluginError(f"invalid cluster name: {go_quote(path)}")
    return urlunsplit(parts._replace(path=parts.path[:index])), path


def cluster_url(base_url: str, path: str) -> str:
    """The URL of workspace `path` on the server at `base_url` (the inverse of `split_cluster_url`)."""
    parts = urlsplit(base_url)
    joined = posixpath.normpath(posixpath.join("/", parts.path.lstrip("/"), _CLUSTERS.strip("/"), path))
    return urlunsplit(parts._replace(path=joined))


def resolve_dots(path: str, *, above_root: str = "cannot go up from root") -> str:
    """Drop `.` segments and let `..` remove the one before; going above the first one raises `above_root`."""
    out: list[str] = []
    for segment in path.split(":"):
        if segment == ".":
            continue
        if segment == "..":
            if not out:
                raise PluginError(above_root)
            out.pop()
        else:
            out.append(segment)
    return ":".join(out)


def join(path: str, relative: str) -> str:
    return f"{path}:{relative}" if path else relative


def split(path: str) -> tuple[str, str]:
    """(`parent`, `base`); the parent of a one-segment path is empty."""
    parent, _, base = path.rpartition(":")
    return parent, base


def root_of(path: str) -> str:
    """The first segment: the root of the tree the workspace lives in (`root`, or e.g. `user`)."""
    return path.split(":", 1)[0]
