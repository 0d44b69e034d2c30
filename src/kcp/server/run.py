"""`kcp start`: open storage, ensure certificates, seed root, serve HTTPS until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import signal
import sys
import time
from pathlib import Path

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from kcp.apimachinery.user import AUTHENTICATED, SYSTEM_MASTERS, UserInfo
from kcp.auth.tokens import TokenIssuer
from kcp.controllers.clusterroleaggregation import ClusterRoleAggregation
from kcp.controllers.crdcleanup import CRDCleanup
from kcp.controllers.namespace import NamespaceDeletion
from kcp.controllers.resourcequota import ResourceQuotaStatus
from kcp.controllers.rootless import RootlessPhase
from kcp.controllers.workspace import WorkspaceLifecycle
from kcp.controllers.workspacetype import WorkspaceTypeStatus
from kcp.logicalcluster import ROOT, ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.garbagecollector import GarbageCollector
from kcp.registry.tenancy import home
from kcp.registry.tenancy.admission import TenancyAdmission
from kcp.registry.tenancy.paths import PathResolver
from kcp.registry.tenancy.scheduling import WorkspaceScheduler
from kcp.sdk import Client
from kcp.server import bootstrap, pki
from kcp.server.admissionchain import AdmissionChain
from kcp.server.admissionpolicies import AdmissionPolicies
from kcp.server.app import ServerState, build_app
from kcp.server.authn import Authenticator
from kcp.server.authz import Authorizer, Escalation
from kcp.server.clusters import ClusterResolver
from kcp.server.config import ServerConfig
from kcp.server.endpoints import Endpoints
from kcp.server.webhooks import AdmissionWebhooks
from kcp.storage import failpoints
from kcp.storage.sqlite import SQLiteStorage

SWITCH_INTERVAL = 0.001  # seconds
log = logging.getLogger("kcp")

# aiohttp's keep-alive timer runs from a connection's start or its last answer until a whole request
# head has arrived, so it is both kube's ReadHeaderTimeout (32 s) and its idle timeout: a client
# trickling a header, or holding a connection it does not use, is let go after this (reliability 5.11).
HEADER_TIMEOUT = 32.0
# Go's MaxHeaderBytes in kube: a request line (a long label selector) or a header may be this long,
# where aiohttp would stop at 8 KiB with a plain-text 400.
MAX_HEADER_BYTES = 1 << 20
SYSTEM_ADMIN = ClusterName("system:admin")  # the shard's own cluster, as in kcp


LOOPBACK_SOCKET = "loopback.sock"
COMPACTION_HISTORY = 300.0  # seconds of history kept when compaction is off (nothing compacts it)
COMPACTION_ROUND = 30.0  # seconds between compactions at most
_DRAIN_GRACE = 60.0  # seconds for requests in flight at SIGTERM (kube's request timeout)
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux


async def _loopback_client(
    runner: web.AppRunner, root: Path, port: int, base_url: str, config: ServerConfig, token: str
) -> Client:
    """The client our controllers use. Over a Unix socket only this user can open: TLS between two
    ends of one process costs a quarter of a workspace's creation. Over HTTPS when the path is long."""
    socket = root / LOOPBACK_SOCKET
    if len(str(socket.resolve())) <= _MAX_SOCKET_PATH:
        socket.unlink(missing_ok=True)
        site = web.UnixSite(runner, str(socket))
        await site.start()
        socket.chmod(0o600)
        return Client(
            "http://kcp-loopback", token=token, unix_socket=socket, user_agent="kcp-controller-manager"
        )
    return Client(
        f"https://127.0.0.1:{port}" if config.bind_address in ("0.0.0.0", "127.0.0.1") else base_url,
        token=token,
        ca_file=root / "ca.crt",
        user_agent="kcp-controller-manager",
    )


class _MalformedRequests(logging.Filter):
    """aiohttp answers a request it cannot parse with 400 (as Go's server does) and logs a traceback
    at ERROR for it: the client's mistake, kept out of the server's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, HttpProcessingError)


def _cap_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives threads their own heap arenas (up to 8 per core). Our threads take turns on the GIL,
    so extra arenas buy no parallelism, only fragmentation that shows up as RSS per workspace."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    m_arena_max = -8  # from malloc.h
    libc.mallopt(m_arena_max, arenas)


def run(config: ServerConfig) -> int:
    _cap_malloc_arenas()  # before any thread exists
    logging.getLogger("aiohttp.server").addFilter(_MalformedRequests())
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency; keep running without it
        pass
    try:
        asyncio.run(serve(config))
    except OSError as e:
        print(f"kcp: cannot serve on {config.bind_address}:{config.secure_port}: {e}", file=sys.stderr)
        return 1
    return 0


async def serve(config: ServerConfig) -> None:
    started = time.perf_counter()
    root = config.root_directory
    root.mkdir(parents=True, exist_ok=True)
    hosts = sorted({config.client_host, config.bind_address} - {"0.0.0.0", "::", ""})
    keys = pki.ensure_pki(root, hosts)
    assert config.storage.path is not None
    failpoints.hold()  # crash points fire under a test's traffic, not in start-up's writes
    # kube compacts every --etcd-compaction-interval to the revision of the round before, so about
    # that much history stays watchable; ours keeps that much and compacts at least every 30 s
    interval = config.compaction_interval
    storage = SQLiteStorage(
        config.storage.path,
        history_seconds=interval or COMPACTION_HISTORY,
        compaction_interval=min(interval, COMPACTION_ROUND),
    )
    await storage.start()
    authorizer = Authorizer(storage)
    paths = PathResolver(storage)
    admission = TenancyAdmission(paths, authorizer)
    webhooks = AdmissionWebhooks(storage)
    policies = AdmissionPolicies(storage, authorizer)
    issuer = TokenIssuer(keys.sa_private_key_pem, "kcp")
    catalog = Catalog(
        storage,
        Escalation(authorizer),
        admission,
        keys.ca_cert_pem,
        AdmissionChain(webhooks, policies),
        issuer.secret_token,
        config.logical_cluster_total_object_limit,
    )
    admission.scheduler = WorkspaceScheduler(catalog.store, admission, catalog.namespace_content)
    resolver = ClusterResolver(paths)
    for cluster, type_ref in ((ROOT, "root:root"), (SYSTEM_ADMIN, "root:universal")):
        await bootstrap.ensure_logical_cluster(catalog, cluster, cluster, type_ref)
        await bootstrap.seed_cluster(catalog, cluster)
    await bootstrap.seed_root(catalog, config.batteries)
    await home.seed_creator_rbac(catalog, config.home_creator_groups)
    static = {
        keys.admin_token: UserInfo("kcp-admin", groups=("system:kcp:admin", AUTHENTICATED)),
        keys.shard_admin_token: UserInfo("shard-admin", groups=(SYSTEM_MASTERS, AUTHENTICATED)),
    }
    if "user" in config.batteries:
        static[keys.user_token] = UserInfo("user", groups=(AUTHENTICATED,))
    authenticator = Authenticator(storage, static, issuer, keys.client_cert_user)
    state = ServerState(
        storage=storage,
        catalog=catalog,
        authenticator=authenticator,
        authorizer=authorizer,
        resolver=resolver,
        endpoints=Endpoints(catalog, authorizer, authenticator),
        max_in_flight=config.max_requests_inflight,
        max_mutating_in_flight=config.max_mutating_requests_inflight,
        request_timeout=config.request_timeout,
        home=home.HomeWorkspaces(catalog, admission, authorizer) if config.enable_home_workspaces else None,
    )
    state.deadlines.start()
    await authorizer.start()
    await webhooks.start()
    policies.catalog = catalog
    await policies.start()
    admission.start()
    await resolver.start()
    catalog.namespaces.start()
    catalog.quota.start()
    catalog.object_limit.start(config.logical_cluster_object_count_scan_interval)
    runner = web.AppRunner(
        build_app(state),
        access_log=None,
        shutdown_timeout=1.0,
        keepalive_timeout=HEADER_TIMEOUT,
        max_line_size=MAX_HEADER_BYTES,
        max_field_size=MAX_HEADER_BYTES,
    )
    await runner.setup()
    site = web.TCPSite(
        runner, config.bind_address, config.secure_port, ssl_context=pki.ssl_context(keys), backlog=2048
    )
    await site.start()
    port = runner.addresses[0][1] if config.secure_port == 0 else config.secure_port
    base_url = f"https://{_url_host(config.client_host)}:{port}"
    admission.scheduler.external_url = base_url
    for cluster in (ROOT, SYSTEM_ADMIN):
        await bootstrap.publish_url(catalog, cluster, f"{base_url}/clusters/{cluster}")
    await bootstrap.publish_type_views(catalog, base_url)
    if state.home is not None:
        state.home.external_url = base_url
    pki.write_admin_kubeconfig(
        root / "admin.kubeconfig", base_url, keys, with_user="user" in config.batteries
    )
    loopback = await _loopback_client(runner, root, port, base_url, config, keys.shard_admin_token)
    workspaces = WorkspaceLifecycle(loopback)
    controllers = [
        NamespaceDeletion(loopback).controller,
        ClusterRoleAggregation(loopback).controller,
        CRDCleanup(loopback).controller,
        ResourceQuotaStatus(loopback).controller,
        workspaces.controller,
        RootlessPhase(loopback, workspaces.clusters).controller,
        WorkspaceTypeStatus(loopback, base_url).controller,
    ]
    for controller in controllers:
        controller.start()
    collector = GarbageCollector(storage, catalog)  # one storage watch for every cluster
    collector.start()
    state.ready = True
    failpoints.release()
    log.info(
        "kcp is ready on %s (in %.2fs); export KUBECONFIG=%s",
        base_url,
        time.perf_counter() - started,
        root / "admin.kubeconfig",
    )
    # What start-up built lives as long as the server: collect its garbage once, then keep it out of
    # every later collection (it halved the collector's time per create, about 3% of a create's CPU).
    gc.collect()
    gc.freeze()
    # A storage thread whose SQLite call returned waits for the loop to let go of the GIL, by default
    # up to 5 ms: every read and every commit would wait that long behind a busy loop.
    sys.setswitchinterval(SWITCH_INTERVAL)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down")
    state.ready = False
    for controller in controllers:
        await controller.stop()
    await collector.close()
    await loopback.close()
    state.stopping.set()  # watches end cleanly; new requests get 429 with Retry-After
    await _drain(state)
    await runner.cleanup()
    await state.deadlines.close()
    (root / LOOPBACK_SOCKET).unlink(missing_ok=True)
    await resolver.close()
    await catalog.namespaces.close()
    await catalog.quota.close()
    await catalog.object_limit.close()
    await authorizer.close()
    await webhooks.close()
    await policies.close()
    await admission.close()
    await storage.close()


async def _drain(state: ServerState) -> None:
    """Let requests in flight finish while the listener still answers new ones with 429.

    aiohttp's own shutdown stops reading from connections first, which can strand a request whose
    body has not been read yet until its timeout; draining here first leaves it nothing in flight.
    """
    deadline = time.monotonic() + _DRAIN_GRACE
    while state.active and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
