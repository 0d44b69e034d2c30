"""/livez, /readyz and /healthz in kube-apiserver's words: `ok`, a check list under `?verbose`, and
each check at its own path (`/readyz/ping`).

Only the top-level paths are health endpoints: they answer before authentication, as kube's do for
`system:public-info-viewer`, and say nothing of a workspace.
"""

from __future__ import annotations

from aiohttp import web

from kcp.apimachinery.errors import NotFound

ENDPOINTS = ("/livez", "/readyz", "/healthz")


def checks(endpoint: str, ready: bool, stopping: bool, storage: bool) -> dict[str, bool]:
    """Each check of `endpoint` and whether it passes: an answering server whose storage takes writes
    (kube calls that check `etcd` whatever the store). Readiness also needs the controllers running
    (they stop first on shutdown) and no shutdown under way."""
    found = {"ping": True, "etcd": storage}
    if endpoint == "/readyz":
        found["poststarthook/kcp-start-controllers"] = ready
        found["shutdown"] = not stopping
    return found


def serves(path: str) -> bool:
    return path.rstrip("/") in ENDPOINTS or path.startswith(tuple(p + "/" for p in ENDPOINTS))


def paths() -> list[str]:
    """The health paths the root index lists, each check included."""
    return [
        f"{endpoint}{suffix}"
        for endpoint in ENDPOINTS
        for suffix in ("", *(f"/{name}" for name in checks(endpoint, True, False, True)))
    ]


def respond(path: str, verbose: bool, ready: bool, stopping: bool, storage: bool) -> web.Response:
    """kube's healthz handler: `ok`, or every check's line when asked (`?verbose`) or when one fails,
    which then answers 500 with the reason withheld, as on kube's public endpoint."""
    endpoint = next(e for e in ENDPOINTS if path == e or path.startswith(e + "/"))
    found = checks(endpoint, ready, stopping, storage)
    name = path[len(endpoint) :].strip("/")
    if name:
        if name not in found:
            raise NotFound("the server could not find the requested resource")
        if found[name]:
            return _text("ok", 200)
        return _text(f"internal server error: {name} check failed\n", 500)
    lines = "".join(f"[+]{n} ok\n" if ok else f"[-]{n} failed: reason withheld\n" for n, ok in found.items())
    what = endpoint.lstrip("/")
    if not all(found.values()):
        return _text(f"{lines}{what} check failed\n", 500)
    return _text(f"{lines}{what} check passed\n" if verbose else "ok", 200)


def _text(body: str, status: int) -> web.Response:
    resp = web.Response(text=body, status=status, content_type="text/plain", charset="utf-8")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
