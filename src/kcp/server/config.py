"""Server configuration as values: the CLI builds it, the server only reads it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse


class StorageURLError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class StorageConfig:
    backend: str  # "sqlite" | "etcd"
    path: Path | None = None
    endpoints: tuple[str, ...] = ()


def parse_storage_url(value: str, root: Path) -> StorageConfig:
    if value in ("", "sqlite"):
        return StorageConfig("sqlite", root / "kcp.db")
    url = urlparse(value)
    if url.scheme == "sqlite":
        path = (url.netloc + url.path) if url.netloc else url.path
        if not path:
            raise StorageURLError("sqlite URL needs a file path, e.g. sqlite:///var/lib/kcp/kcp.db")
        return StorageConfig("sqlite", Path(path))
    if url.scheme == "etcd":
        raise StorageURLError("the etcd backend is not available in this version; use sqlite")
    raise StorageURLError(f"unknown storage {value!r}: use 'sqlite' or 'sqlite:///path'")


@dataclass(frozen=True, slots=True)
class ServerConfig:
    root_directory: Path
    bind_address: str = "0.0.0.0"
    secure_port: int = 6443
    storage: StorageConfig = StorageConfig("sqlite")
    external_hostname: str = ""
    max_requests_inflight: int = 400
    max_mutating_requests_inflight: int = 200
    request_timeout: float = 60.0  # seconds
    compaction_interval: float = 300.0  # seconds of history kept, kube's --etcd-compaction-interval; 0: off
    batteries: tuple[str, ...] = ()
    enable_home_workspaces: bool = True
    home_creator_groups: tuple[str, ...] = ("system:authenticated",)
    logical_cluster_total_object_limit: int = 0  # per cluster but root and system ones; 0: none
    logical_cluster_object_count_scan_interval: float = 60.0  # seconds between recounts

    @property
    def client_host(self) -> str:
        if self.external_hostname:
            return self.external_hostname
        if self.bind_address in ("0.0.0.0", "::", ""):
            return "127.0.0.1"
        return self.bind_address
