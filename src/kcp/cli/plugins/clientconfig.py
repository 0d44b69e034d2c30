"""The effective connection: kubeconfig context plus command-line overrides, as clientcmd merges them.

`host` is the server URL kubectl would use, `/clusters/<path>` included; `client()` talks to the same
server with the path dropped, so requests name their workspace themselves (kcp's cluster client).
`-w/--workspace` re-points `host` at another workspace without touching the kubeconfig.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlsplit, urlunsplit

from kcp.apimachinery.labels import go_quote
from kcp.cli.plugins import paths
from kcp.cli.plugins.credentials import credentials_for
from kcp.cli.plugins.errors import PluginError
from kcp.cli.plugins.kubeconfig import Entry, Kubeconfig
from kcp.cli.plugins.rest import RestClient
from kcp.logicalcluster import is_valid_path

_NO_CONFIG = (
    "invalid configuration: no configuration has been provided, "
    "try setting KUBERNETES_MASTER environment variable"
)


@dataclass(frozen=True)
class Overrides:
    """kubectl's connection flags that kcp's plugins accept."""

    context: str = ""
    user: str = ""
    server: str = ""
    token: str = ""
    username: str = ""
    password: str = ""
    certificate_authority: str = ""
    insecure_skip_tls_verify: bool = False
    tls_server_name: str = ""


@dataclass
class ClientConfig:
    kubeconfig: Kubeconfig
    overrides: Overrides
    workspace: str = ""

    @property
    def context_name(self) -> str:
        return self.overrides.context or self.kubeconfig.current_context

    def context(self) -> Entry:
        name = self.context_name
        if not name:
            raise PluginError(_NO_CONFIG)
        ctx = self.kubeconfig.contexts.get(name)
        if ctx is None:
            raise PluginError(f"context was not found for specified context: {name}")
        return ctx

    def cluster(self) -> Entry:
        """The context's cluster with `--server`, `--certificate-authority`, TLS flags applied."""
        cluster = copy.deepcopy(self.kubeconfig.clusters.get(str(self.context().get("cluster", ""))) or {})
        o = self.overrides
        if o.server:
            cluster["server"] = o.server
        if o.certificate_authority:
            cluster["certificate-authority"] = o.certificate_authority
            cluster.pop("certificate-authority-data", None)
        if o.insecure_skip_tls_verify:
            cluster["insecure-skip-tls-verify"] = True
        if o.tls_server_name:
            cluster["tls-server-name"] = o.tls_server_name
        if not cluster.get("server"):
            raise PluginError(
                f"invalid configuration: no server found for cluster {go_quote(self.context_name)}"
            )
        return cluster

    def user(self) -> Entry:
        name = self.overrides.user or str(self.context().get("user", ""))
        user = copy.deepcopy(self.kubeconfig.users.get(name) or {})
        o = self.overrides
        if o.token:
            user["token"] = o.token
            user.pop("tokenFile", None)
        if o.username or o.password:
            user |= {"username": o.username, "password": o.password}
        return user

    def host(self) -> str:
        """The server URL requests would go to, after `-w/--workspace` if given."""
        server = str(self.cluster()["server"])
        if not self.workspace:
            return server
        try:
            base, current = paths.split_cluster_url(server)
        except PluginError as err:
            raise PluginError(
                f"current URL {go_quote(server)} does not point to a workspace: {err}"
            ) from None
        name = self.workspace[1:] if self.workspace.startswith(":") else paths.join(current, self.workspace)
        path = paths.resolve_dots(name, above_root="cannot go above the root workspace")
        if not is_valid_path(path):
            raise PluginError(f"invalid workspace path: {self.workspace}")
        return paths.cluster_url(base, path)

    def client(self) -> RestClient:
        """A client for the server of `host()`; its URL path is dropped as kcp's cluster client does."""
        parts = urlsplit(self.host())
        base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        return RestClient(base, credentials_for(self.cluster(), self.user()), user_agent=_user_agent())


def _user_agent() -> str:
    try:
        return f"kubectl-kcp/{version('pykcp')}"
    except PackageNotFoundError:
        return "kubectl-kcp"
