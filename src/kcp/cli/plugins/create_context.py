"""`kubectl ws create-context [<name>] [--overwrite]`: a named kubeconfig context for a workspace.

The new context copies the current one (same user), with a cluster entry of the same name whose server
is the current workspace, or `cluster_url` when `create workspace --create-context` passes the new one.
"""

from __future__ import annotations

import copy

from kcp.apimachinery.labels import go_quote
from kcp.cli.plugins import paths
from kcp.cli.plugins.clientconfig import ClientConfig
from kcp.cli.plugins.errors import PluginError


def create_context(
    config: ClientConfig,
    name: str = "",
    *,
    overwrite: bool = False,
    keep_current: bool = False,
    cluster_url: str = "",
) -> None:
    kubeconfig = config.kubeconfig
    current_name = config.context_name
    current_context = kubeconfig.contexts.get(current_name)
    if current_context is None:
        raise PluginError(f"current context {go_quote(current_name)} is not found in kubeconfig")
    cluster_name = str(current_context.get("cluster", ""))
    current_cluster = kubeconfig.clusters.get(cluster_name)
    if current_cluster is None:
        raise PluginError(f"current cluster {go_quote(cluster_name)} is not found in kubeconfig")
    server = str(current_cluster.get("server", ""))
    try:
        _, current_path = paths.split_cluster_url(server)
    except PluginError:
        raise PluginError(f"current URL {go_quote(server)} does not point to a workspace") from None

    name = name or current_path
    existed = name in kubeconfig.contexts
    if existed and not overwrite:
        raise PluginError(
            f"context {go_quote(name)} already exists in kubeconfig, use --overwrite to update it"
        )
    cluster = copy.deepcopy(current_cluster)
    if cluster_url:
        cluster["server"] = cluster_url
    switched_from = kubeconfig.current_context
    kubeconfig.save(
        clusters={name: cluster},
        contexts={name: {**current_context, "cluster": name}},
        current_context=None if keep_current else name,
        copied_from={
            ("clusters", name): ("clusters", cluster_name),
            ("contexts", name): ("contexts", current_name),
        },
    )
    verb = "Updated" if existed else "Created"
    if keep_current or switched_from == name:
        print(f"{verb} context {go_quote(name)}.")
    else:
        print(f"{verb} context {go_quote(name)} and switched to it.")
