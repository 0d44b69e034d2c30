"""A small synchronous JSON client: enough REST for the plugins, errors as the server's Status.

Synchronous on purpose: a plugin run is a handful of requests in sequence, and a blocking client keeps
it free of event-loop start-up and shutdown.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from kcp.cli.plugins.credentials import Credentials
from kcp.cli.plugins.errors import PluginError

_GENERIC = {
    400: "the server rejected our request for an unknown reason",
    401: "Unauthorized",
    403: "the server does not allow access to the requested resource",
    404: "the server could not find the requested resource",
    409: "the server reported a conflict",
    429: "the server has received too many requests and has asked us to try again later",
}
MAX_RETRIES = 10  # client-go's default for 429 (and 5xx) answers that carry Retry-After


class APIError(PluginError):
    """A failed request: the HTTP code, and the Status reason and message when the server sent one."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason

    @property
    def not_found(self) -> bool:
        return self.code == 404

    @property
    def forbidden(self) -> bool:
        return self.code == 403

    @property
    def already_exists(self) -> bool:
        return self.code == 409 and self.reason == "AlreadyExists"


class RestClient:
    """Requests against one server (`scheme://host:port`); paths carry `/clusters/<path>` themselves."""

    def __init__(
        self, base_url: str, credentials: Credentials, *, user_agent: str, timeout: float = 30
    ) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PluginError(f"invalid server URL {base_url!r}")
        self._parts = parts
        self._credentials = credentials
        self._headers = {"Accept": "application/json", "User-Agent": user_agent, **credentials.headers}
        self._timeout = timeout

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """One call; like client-go, waits out `Retry-After` (e.g. a home workspace being created)."""
        data = json.dumps(body).encode() if body is not None else None
        headers = dict(self._headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(MAX_RETRIES + 1):
            status, retry_after, payload = self._send(method, path, data, headers)
            if retry_after is None or status < 429 or 429 < status < 500 or attempt == MAX_RETRIES:
                break
            time.sleep(retry_after)
        if status >= 400:
            raise _status_error(status, payload)
        return json.loads(payload) if payload else None

    def _send(
        self, method: str, path: str, data: bytes | None, headers: dict[str, str]
    ) -> tuple[int, float | None, bytes]:
        conn = self._connect()
        try:
            conn.request(method, self._parts.path + path, body=data, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
        except (OSError, http.client.HTTPException) as err:
            reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
            raise PluginError(f'{method.title()} "{self.base_url}{path}": {reason}') from None
        finally:
            conn.close()
        return resp.status, _retry_after(resp.getheader("Retry-After")), payload

    def _connect(self) -> http.client.HTTPConnection:
        host, port = self._parts.hostname or "", self._parts.port
        ctx = self._credentials.ssl_context
        if self._parts.scheme == "http":
            return http.client.HTTPConnection(host, port, timeout=self._timeout)
        if ctx is None:
            ctx = ssl.create_default_context()
        if self._credentials.tls_server_name:
            return _SNIConnection(host, port, ctx, self._credentials.tls_server_name, self._timeout)
        return http.client.HTTPSConnection(host, port, context=ctx, timeout=self._timeout)


class _SNIConnection(http.client.HTTPSConnection):
    """HTTPS that names (and verifies) `server_name` instead of the host dialled: `tls-server-name`."""

    def __init__(
        self, host: str, port: int | None, ctx: ssl.SSLContext, server_name: str, timeout: float
    ) -> None:
        super().__init__(host, port, context=ctx, timeout=timeout)
        self._tls = ctx
        self._server_name = server_name

    def connect(self) -> None:
        self.sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=self._server_name)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait, as client-go reads the header: a non-negative integer, else no retry."""
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())


def _status_error(code: int, payload: bytes) -> APIError:
    try:
        doc = json.loads(payload)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and doc.get("kind") == "Status" and doc.get("message"):
        return APIError(code, str(doc.get("reason", "")), str(doc["message"]))
    if code >= 500:
        body = payload.decode(errors="replace").strip()
        return APIError(
            code, "", f'an error on the server ("{body}") has prevented the request from succeeding'
        )
    message = _GENERIC.get(
        code, f"the server responded with the status code {code} but did not return more information"
    )
    return APIError(code, str(doc.get("reason", "")) if isinstance(doc, dict) else "", message)
