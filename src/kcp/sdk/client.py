"""A cluster-aware REST client: one connection pool for every logical cluster.

`client.cluster("root:org")` returns a view that prefixes `/clusters/<path>`; nothing is held per
cluster. Errors come back as the server's Status, raised as kcp.apimachinery.errors classes.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import yaml

from kcp.apimachinery import errors


@dataclass(frozen=True, slots=True)
class GVR:
    """Group, version, resource: what a URL names."""

    group: str
    version: str
    resource: str

    def path(self, namespace: str = "", name: str = "", subresource: str = "") -> str:
        base = f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"
        if namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.resource}"
        if name:
            base += f"/{name}"
        if subresource:
            base += f"/{subresource}"
        return base


def _raise_for(status: int, body: bytes) -> None:
    try:
        doc = orjson.loads(body)
        message = str(doc.get("message", "")) if isinstance(doc, dict) else body.decode()
        reason = doc.get("reason", "") if isinstance(doc, dict) else ""
    except orjson.JSONDecodeError:
        message, reason = body.decode(errors="replace"), ""
    if status == 409:
        raise (errors.AlreadyExists if reason == "AlreadyExists" else errors.Conflict)(message)
    raise errors.for_code(status)(message)


class Client:
    """Owns the aiohttp session; use `async with Client(...)` or call `close()`."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str = "",
        ca_file: str | Path | None = None,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = "kcp-sdk",
        unix_socket: str | Path | None = None,
    ) -> None:
        """`unix_socket`: reach the server through that socket file (`base_url` then only names the
        host in request lines), as controllers in the server's own process do, without TLS."""
        self.base_url = base_url.rstrip("/")
        ctx = ssl_context or (ssl.create_default_context(cafile=str(ca_file)) if ca_file else None)
        headers = {"User-Agent": user_agent, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connector: aiohttp.BaseConnector
        if unix_socket is not None:
            connector = aiohttp.UnixConnector(path=str(unix_socket), limit=64)
        else:
            connector = aiohttp.TCPConnector(ssl=ctx if ctx else True, limit=64)
        self._session = aiohttp.ClientSession(headers=headers, connector=connector)
        # aiohttp resends a PUT or DELETE once when a kept-alive connection drops before the answer;
        # the first may have been applied, so a resend would report a 409 or 404 for a write that
        # succeeded. An ambiguous failure reaches the caller instead, who re-reads (reliability ST11).
        self._session._retry_connection = False

    @classmethod
    def from_kubeconfig(cls, path: str | Path, context: str = "base", **kw: Any) -> Client:
        """Build from a kubeconfig context; the server URL's `/clusters/...` suffix is dropped."""
        config = yaml.safe_load(Path(path).read_text())
        ctx = next(c["context"] for c in config["contexts"] if c["name"] == context)
        cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == ctx["cluster"])
        user = next(u["user"] for u in config["users"] if u["name"] == ctx["user"])
        ssl_ctx = ssl.create_default_context()
        if "certificate-authority-data" in cluster:
            import base64

            ssl_ctx.load_verify_locations(
                cadata=base64.b64decode(cluster["certificate-authority-data"]).decode()
            )
        server = cluster["server"].split("/clusters/", 1)[0]
        return cls(server, token=user.get("token", ""), ssl_context=ssl_ctx, **kw)

    async def close(self) -> None:
        await self._session.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def cluster(self, path: str) -> ClusterClient:
        return ClusterClient(self, path)

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        data = orjson.dumps(body) if body is not None and not isinstance(body, bytes) else body
        headers = {"Content-Type": content_type} if data is not None else None
        async with self._session.request(
            method, self.base_url + path, data=data, params=params, headers=headers
        ) as resp:
            payload = await resp.read()
            if resp.status >= 400:
                _raise_for(resp.status, payload)
            return orjson.loads(payload) if payload else None

    async def stream(self, path: str, params: dict[str, str]) -> AsyncIterator[dict[str, Any]]:
        """Watch events as dicts; ends when the server closes the stream."""
        timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
        async with self._session.get(self.base_url + path, params=params, timeout=timeout) as resp:
            if resp.status >= 400:
                _raise_for(resp.status, await resp.read())
            async for line in resp.content:
                if line.strip():
                    yield orjson.loads(line)


class ClusterClient:
    """A view of one logical cluster (or `*` for list/watch across all, given the permission)."""

    def __init__(self, client: Client, path: str) -> None:
        self.client = client
        self.path = path

    def _url(self, gvr: GVR, namespace: str = "", name: str = "", subresource: str = "") -> str:
        return f"/clusters/{self.path}{gvr.path(namespace, name, subresource)}"

    async def get(self, gvr: GVR, name: str, namespace: str = "") -> dict[str, Any]:
        result: dict[str, Any] = await self.client.request("GET", self._url(gvr, namespace, name))
        return result

    async def list(self, gvr: GVR, namespace: str = "", **params: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.client.request("GET", self._url(gvr, namespace), params=params)
        return result

    async def create(self, gvr: GVR, obj: dict[str, Any] | bytes, namespace: str = "") -> dict[str, Any]:
        """`obj` may come JSON-encoded already (a body sent many times is encoded once)."""
        result: dict[str, Any] = await self.client.request("POST", self._url(gvr, namespace), body=obj)
        return result

    async def update(
        self, gvr: GVR, obj: dict[str, Any], namespace: str = "", subresource: str = ""
    ) -> dict[str, Any]:
        name = obj["metadata"]["name"]
        result: dict[str, Any] = await self.client.request(
            "PUT", self._url(gvr, namespace, name, subresource), body=obj
        )
        return result

    async def patch(
        self,
        gvr: GVR,
        name: str,
        patch: Any,
        namespace: str = "",
        subresource: str = "",
        content_type: str = "application/merge-patch+json",
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self.client.request(
            "PATCH", self._url(gvr, namespace, name, subresource), body=patch, content_type=content_type
        )
        return result

    async def delete(self, gvr: GVR, name: str, namespace: str = "") -> Any:
        return await self.client.request("DELETE", self._url(gvr, namespace, name))

    async def delete_collection(self, gvr: GVR, namespace: str = "", **params: str) -> Any:
        return await self.client.request("DELETE", self._url(gvr, namespace), params=params)

    def watch(self, gvr: GVR, namespace: str = "", **params: str) -> AsyncIterator[dict[str, Any]]:
        return self.client.stream(self._url(gvr, namespace), {"watch": "true", **params})


@dataclass(frozen=True, slots=True)
class ServedResource:
    gvr: GVR
    kind: str
    namespaced: bool
    verbs: tuple[str, ...]


AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


async def discover(cluster: ClusterClient) -> list[ServedResource]:
    """Every resource a logical cluster serves, from aggregated discovery (two requests)."""
    out: list[ServedResource] = []
    session = cluster.client
    for prefix in ("/api", "/apis"):
        async with session._session.get(
            f"{session.base_url}/clusters/{cluster.path}{prefix}", headers={"Accept": AGGREGATED}
        ) as resp:
            payload = await resp.read()
            if resp.status >= 400:
                _raise_for(resp.status, payload)
        for group in orjson.loads(payload).get("items", []):
            name = group["metadata"].get("name", "")
            for version in group.get("versions", []):
                for r in version.get("resources", []):
                    out.append(
                        ServedResource(
                            GVR(name, version["version"], r["resource"]),
                            r["responseKind"]["kind"],
                            r["scope"] == "Namespaced",
                            tuple(r.get("verbs", ())),
                        )
                    )
    return out
