"""A fake kcp over plain HTTP, enough for the plugins: discovery, Workspaces, LogicalCluster, APIBindings.

The fake keeps a tree of workspaces; a new Workspace turns Ready after `ready_after` GETs of it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

WORKSPACES = "/apis/tenancy.kcp.io/v1alpha1/workspaces"
_ROUTE = re.compile(r"/clusters/([^/]+)(/.*)")


@dataclass
class FakeKcp:
    base_url: str = ""
    # parent path → workspace name → Workspace object
    workspaces: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    clusters: set[str] = field(default_factory=lambda: {"root", "system:admin"})
    forbidden: set[str] = field(default_factory=set)  # paths answering 403 to everything
    bindings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    create_errors: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # name → code, reason, msg
    ready_after: int = 1
    home: str = ""  # path of the caller's home workspace; "" = not served
    requests: list[tuple[str, str]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)  # POSTed Workspace bodies
    _gets: dict[str, int] = field(default_factory=dict)

    def add(
        self, path: str, type_name: str = "universal", phase: str = "Ready", **spec: Any
    ) -> dict[str, Any]:
        """Put a Workspace at `path` (its parent must exist) and make the workspace itself reachable."""
        parent, _, name = path.rpartition(":")
        workspace = {
            "apiVersion": "tenancy.kcp.io/v1alpha1",
            "kind": "Workspace",
            "metadata": {"name": name},
            "spec": {
                "type": {"name": type_name, "path": "root"},
                "cluster": f"lc{len(self.clusters):014d}",
                "URL": f"{self.base_url}/clusters/{path}",
                **spec,
            },
            "status": {"phase": phase},
        }
        self.workspaces.setdefault(parent, {})[name] = workspace
        self.clusters.add(path)
        return workspace

    def handle(self, method: str, url: str, body: Any) -> tuple[int, Any]:
        self.requests.append((method, url))
        match = _ROUTE.fullmatch(url)
        if not match:
            return 404, _status(404, "NotFound", "the server could not find the requested resource")
        cluster, rest = match.groups()
        if cluster in self.forbidden:
            return 403, _status(403, "Forbidden", f'access to workspace "{cluster}" is not allowed')
        if cluster not in self.clusters:
            return 404, _status(404, "NotFound", f'workspace "{cluster}" not found')
        if rest == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"]}
        if rest == "/apis":
            return 200, {"kind": "APIGroupList", "groups": [{"name": "tenancy.kcp.io"}]}
        if rest == "/apis/core.kcp.io/v1alpha1/logicalclusters/cluster":
            return 200, {
                "kind": "LogicalCluster",
                "metadata": {"name": "cluster"},
                "status": {"phase": "Ready"},
            }
        if rest == "/apis/apis.kcp.io/v1alpha2/apibindings":
            if cluster not in self.bindings:
                return 404, _status(404, "NotFound", "the server could not find the requested resource")
            return 200, {"kind": "APIBindingList", "items": self.bindings[cluster]}
        children = self.workspaces.setdefault(cluster, {})
        if rest == WORKSPACES and method == "GET":
            return 200, {"kind": "WorkspaceList", "items": [children[n] for n in sorted(children)]}
        if rest == WORKSPACES and method == "POST":
            return self._create(cluster, body)
        if rest == f"{WORKSPACES}/~" and self.home:
            return 200, {"kind": "Workspace", "spec": {"URL": f"{self.base_url}/clusters/{self.home}"}}
        if rest.startswith(WORKSPACES + "/"):
            name = rest.removeprefix(WORKSPACES + "/")
            if name not in children:
                return 404, _status(404, "NotFound", f'workspaces.tenancy.kcp.io "{name}" not found')
            key = f"{cluster}:{name}"
            self._gets[key] = self._gets.get(key, 0) + 1
            if self._gets[key] >= self.ready_after:
                children[name]["status"]["phase"] = "Ready"
            return 200, children[name]
        return 404, _status(404, "NotFound", "the server could not find the requested resource")

    def _create(self, cluster: str, body: dict[str, Any]) -> tuple[int, Any]:
        self.created.append(body)
        name = body["metadata"]["name"]
        if name in self.create_errors:
            code, reason, message = self.create_errors[name]
            return code, _status(code, reason, message)
        if name in self.workspaces.get(cluster, {}):
            return 409, _status(409, "AlreadyExists", f'workspaces.tenancy.kcp.io "{name}" already exists')
        requested = body.get("spec", {}).get("type") or {"name": "universal"}
        workspace = self.add(f"{cluster}:{name}", requested["name"], phase="Scheduling")
        workspace["spec"]["type"] = {"name": requested["name"], "path": requested.get("path") or "root"}
        if "location" in body.get("spec", {}):
            workspace["spec"]["location"] = body["spec"]["location"]
        return 201, workspace


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": reason,
        "message": message,
        "code": code,
    }


@contextmanager
def serve() -> Iterator[FakeKcp]:
    state = FakeKcp()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            code, payload = state.handle(self.command, self.path, body)
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def write_kubeconfig(path: Path, server: str, current: str = "root") -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "root", "cluster": {"server": f"{server}/clusters/root"}},
            {"name": "base", "cluster": {"server": server}},
        ],
        "contexts": [
            {"name": "root", "context": {"cluster": "root", "user": "admin"}},
            {"name": "base", "context": {"cluster": "base", "user": "admin"}},
        ],
        "users": [{"name": "admin", "user": {"token": "secret"}}],
        "current-context": current,
    }
    path.write_text(yaml.safe_dump(config))
    return path


def load(kubeconfig: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(kubeconfig.read_text())
    return doc


def server_of(kubeconfig: Path, cluster: str) -> str:
    return str(next(c["cluster"]["server"] for c in load(kubeconfig)["clusters"] if c["name"] == cluster))


def context_of(kubeconfig: Path, name: str) -> dict[str, Any]:
    return dict(next(c["context"] for c in load(kubeconfig)["contexts"] if c["name"] == name))


@dataclass
class Result:
    code: int
    out: str
    err: str
