"""`kubectl ws <workspace>` (`use`, `cd`), `ws .` and `ws current`: switch the kubeconfig or print it.

Switching points context `workspace.kcp.io/current` (with a cluster of the same name) at the target
workspace, keeps the context used before as `workspace.kcp.io/previous`, and makes `current` the
current context. `-` swaps the two. Whether the target exists is judged as kcp does: discovery in the
target, then a GET of the Workspace object in its parent for a 404 and the type to print.
"""

from __future__ import annotations

import copy
import os
import sys
from typing import Any
from urllib.parse import urlsplit

from kcp.apimachinery.labels import go_quote
from kcp.cli.plugins import paths
from kcp.cli.plugins.claims import warn_unresolved_claims
from kcp.cli.plugins.clientconfig import ClientConfig
from kcp.cli.plugins.errors import PluginError
from kcp.cli.plugins.kubeconfig import CURRENT, PREVIOUS, Entry, Kubeconfig
from kcp.cli.plugins.rest import APIError, RestClient
from kcp.cli.plugins.tenancy import WORKSPACES, in_cluster, type_string
from kcp.logicalcluster import is_valid_path

ROOT_PREFIX_NOTE = (
    "Note: Using 'root:' to define an absolute path is no longer supported. "
    "Instead, use ':root' to specify an absolute path."
)
HOME_NOTE = (
    "Note: 'kubectl ws' now matches 'cd' semantics: go to home workspace. "
    "'kubectl ws -' to go back. 'kubectl ws .' to print current workspace."
)


def use_workspace(config: ClientConfig, arg: str, *, short: bool = False) -> None:
    """Enter `arg`: relative `a:b`, absolute `:root:a`, `..`, `-` (previous), `:` (root), `~` or `` (home)."""
    name = arg
    home = os.path.expanduser("~")
    if home not in ("", "~") and name.startswith(home):
        name = "~" + name[len(home) :]
    name = name.replace("/", ":")
    if name == paths.ROOT or (name.startswith(paths.ROOT + ":") and not short):
        name = ":" + name
        print(ROOT_PREFIX_NOTE, file=sys.stderr)
    going_home = name == ""
    if going_home:
        name = "~"

    kubeconfig = config.kubeconfig
    current_context = kubeconfig.contexts.get(config.context_name)
    if current_context is None:
        raise PluginError(f"current {go_quote(config.context_name)} context not found")
    client = config.client()

    if name == "-":
        host = _swap_contexts(kubeconfig, config.context_name, current_context)
        warn_unresolved_claims(client, host)
        print_current(host, short=short)
        return
    if name == ":":
        base, current = _current(config)
        url = paths.cluster_url(base, paths.root_of(current))
        _commit(kubeconfig, config.context_name, current_context, url, client, short)
        return
    if name == ".":
        print_current(config.host(), short=short)
        return
    if name == "~" or name.startswith("~:"):
        name = ":" + _home_path(client) + name[1:]

    base, current = _current(config)
    name = name[1:] if name.startswith(":") else paths.join(current, name)
    path = paths.resolve_dots(name)
    if not is_valid_path(path):
        raise PluginError(f"invalid workspace path: {arg}")
    denied = _discovery_denied(client, path)
    workspace_type, not_found = _lookup_type(client, name, path)
    if denied and not_found:
        raise PluginError(f"workspace {go_quote(name)} not found")
    if denied:
        raise PluginError(f"access to workspace {go_quote(name)} denied")
    url = paths.cluster_url(base, path)
    _commit(kubeconfig, config.context_name, current_context, url, client, short, workspace_type)
    if going_home and not short:
        print(HOME_NOTE, file=sys.stderr)


def print_current(host: str, *, short: bool, workspace_type: Entry | None = None) -> None:
    """`Current workspace is '<path>' [(type <type>)].`, the bare path with `short`, or the URL."""
    try:
        _, path = paths.split_cluster_url(host)
    except PluginError:
        if not short:
            print(f"Current workspace is the URL {go_quote(host)}.")
        return
    if short:
        print(path)
        return
    suffix = f" (type {type_string(workspace_type)})" if workspace_type is not None else ""
    print(f"Current workspace is '{path}'{suffix}.")


def _current(config: ClientConfig) -> tuple[str, str]:
    host = config.host()
    try:
        return paths.split_cluster_url(host)
    except PluginError:
        raise PluginError(f"current URL {go_quote(host)} does not point to a workspace") from None


def _discovery_denied(client: RestClient, path: str) -> bool:
    """No API group visible in the workspace: it is missing or closed to us (403 and 404 look alike)."""
    groups = 0
    for prefix, key in (("/api", "versions"), ("/apis", "groups")):
        try:
            doc = client.get(f"/clusters/{path}{prefix}")
        except APIError as err:
            if err.forbidden or err.not_found:
                continue
            raise
        groups += len(doc.get(key) or []) if isinstance(doc, dict) else 0
    return groups == 0


def _lookup_type(client: RestClient, name: str, path: str) -> tuple[Entry | None, bool]:
    """(type reference, Workspace 404 in the parent); like kcp, the parent comes from the unresolved name.

    So `..` or `a:..:b` print no type; a 403 in the parent is no obstacle when discovery succeeded.
    """
    if path == paths.ROOT:
        return {"name": paths.ROOT}, False
    parent, base = paths.split(name)
    if not (parent and is_valid_path(parent) and is_valid_path(base)):
        return None, False
    try:
        workspace: dict[str, Any] = client.get(in_cluster(parent, WORKSPACES, base))
    except APIError as err:
        return None, err.not_found
    return (workspace.get("spec") or {}).get("type"), False


def _home_path(client: RestClient) -> str:
    home: dict[str, Any] = client.get(in_cluster(paths.ROOT, WORKSPACES, "~"))
    url = str((home.get("spec") or {}).get("URL", ""))
    return urlsplit(url).path.removeprefix("/clusters/")


def _commit(
    kubeconfig: Kubeconfig,
    context_name: str,
    current_context: Entry,
    url: str,
    client: RestClient,
    short: bool,
    workspace_type: Entry | None = None,
) -> None:
    """Point `workspace.kcp.io/current` at `url`; what was current becomes `workspace.kcp.io/previous`."""
    cluster_name = str(current_context.get("cluster", ""))
    old_cluster = kubeconfig.clusters.get(cluster_name)
    if old_cluster is None:
        raise PluginError(f"cluster {go_quote(cluster_name)} not found in kubeconfig")
    clusters = {CURRENT: {**copy.deepcopy(old_cluster), "server": url}}
    previous = current_context
    context = ("contexts", context_name)
    copied_from = {("clusters", CURRENT): ("clusters", cluster_name), ("contexts", CURRENT): context}
    if cluster_name == CURRENT:
        previous = {**current_context, "cluster": PREVIOUS}
        clusters[PREVIOUS] = old_cluster
        copied_from[("clusters", PREVIOUS)] = ("clusters", CURRENT)
    contexts = {CURRENT: {**current_context, "cluster": CURRENT}, PREVIOUS: previous}
    copied_from[("contexts", PREVIOUS)] = context
    kubeconfig.save(clusters=clusters, contexts=contexts, current_context=CURRENT, copied_from=copied_from)
    warn_unresolved_claims(client, url)
    print_current(url, short=short, workspace_type=workspace_type)


def _swap_contexts(kubeconfig: Kubeconfig, context_name: str, current_context: Entry) -> str:
    """`ws -`: exchange current and previous (with their clusters); returns the new server URL."""
    previous = kubeconfig.contexts.get(PREVIOUS)
    if previous is None:
        raise PluginError("no previous workspace found in kubeconfig")
    clusters: dict[str, Entry] = {}
    copied_from = {
        ("contexts", CURRENT): ("contexts", PREVIOUS),
        ("contexts", PREVIOUS): ("contexts", context_name),
    }
    if current_context.get("cluster") == CURRENT:
        clusters[PREVIOUS] = _cluster(kubeconfig, CURRENT)
        copied_from[("clusters", PREVIOUS)] = ("clusters", CURRENT)
        current_context = {**current_context, "cluster": PREVIOUS}
    if previous.get("cluster") == PREVIOUS:
        clusters[CURRENT] = _cluster(kubeconfig, PREVIOUS)
        copied_from[("clusters", CURRENT)] = ("clusters", PREVIOUS)
        previous = {**previous, "cluster": CURRENT}
    kubeconfig.save(
        clusters=clusters,
        contexts={CURRENT: previous, PREVIOUS: current_context},
        current_context=CURRENT,
        copied_from=copied_from,
    )
    return str(kubeconfig.clusters.get(str(previous.get("cluster", "")), {}).get("server", ""))


def _cluster(kubeconfig: Kubeconfig, name: str) -> Entry:
    cluster = kubeconfig.clusters.get(name)
    if cluster is None:
        raise PluginError(f"cluster {go_quote(name)} not found in kubeconfig")
    return copy.deepcopy(cluster)
