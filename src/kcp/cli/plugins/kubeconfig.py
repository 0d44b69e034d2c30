"""Kubeconfig files as kubectl reads and writes them: several files merged, edits written back.

Loading follows client-go's clientcmd: `--kubeconfig` names the only file (it must exist); otherwise
`$KUBECONFIG` lists files (missing ones are skipped), else `~/.kube/config`. Across files the first to
define a cluster, context, user or `current-context` wins, and relative file references are resolved
against the file that holds them. Writing follows `clientcmd.ModifyConfig`: an entry goes back to the
file that defines it (a copy of an entry to the file of the original), a new entry to the explicit
file or else the first existing one, and `current-context` to the file that sets it. Every touched
file is re-read and replaced atomically, so a crash leaves the old file or the new one, never half
of each.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kcp.apimachinery.labels import go_quote
from kcp.cli.plugins.errors import PluginError

CURRENT = "workspace.kcp.io/current"
PREVIOUS = "workspace.kcp.io/previous"

Entry = dict[str, Any]
EntryKey = tuple[str, str]  # (section, name): ("clusters", "root")

# list key in the file → key of an entry's body
_SECTIONS = {"clusters": "cluster", "contexts": "context", "users": "user"}
_FILE_FIELDS = {
    "clusters": ("certificate-authority",),
    "contexts": (),
    "users": ("client-certificate", "client-key", "tokenFile"),
}


@dataclass
class Kubeconfig:
    """The merged view of the kubeconfig files, and where each entry came from."""

    files: tuple[Path, ...]
    explicit: bool = False
    clusters: dict[str, Entry] = field(default_factory=dict)
    contexts: dict[str, Entry] = field(default_factory=dict)
    users: dict[str, Entry] = field(default_factory=dict)
    current_context: str = ""
    _origins: dict[EntryKey, Path] = field(default_factory=dict)
    _current_context_origin: Path | None = None

    @classmethod
    def load(cls, explicit: str = "", environ: Mapping[str, str] | None = None) -> Kubeconfig:
        env = os.environ if environ is None else environ
        if explicit:
            path = Path(explicit)
            if not path.exists():
                raise PluginError(f"stat {explicit}: no such file or directory")
            config = cls((path,), explicit=True)
        elif env.get("KUBECONFIG"):
            listed = [Path(p) for p in env["KUBECONFIG"].split(os.pathsep) if p]
            config = cls(tuple(dict.fromkeys(listed)))
        else:
            config = cls((Path(env.get("HOME") or Path.home()) / ".kube" / "config",))
        for path in config.files:
            if path.exists():
                config._merge(path, _read(path))
        return config

    def section(self, name: str) -> dict[str, Entry]:
        sections = {"clusters": self.clusters, "contexts": self.contexts, "users": self.users}
        return sections[name]

    def save(
        self,
        *,
        clusters: Mapping[str, Entry] | None = None,
        contexts: Mapping[str, Entry] | None = None,
        current_context: str | None = None,
        copied_from: Mapping[EntryKey, EntryKey] | None = None,
    ) -> None:
        """Write entries (added or replaced by name) and the current context back to their files.

        An entry made as a copy of another (`copied_from`) goes to the file holding that other one:
        clientcmd's copies keep their LocationOfOrigin, so kcp's plugins write a workspace context
        beside the context it was made from, whichever file defines the name already.
        """
        default = self._default_file()
        origins = dict(self._origins)  # where entries were before this save: copies look here
        edits: dict[Path, _FileEdit] = {}
        for section, entries in (("clusters", clusters or {}), ("contexts", contexts or {})):
            for name, body in entries.items():
                source = (copied_from or {}).get((section, name), (section, name))
                target = origins.get(source) or origins.get((section, name), default)
                edits.setdefault(target, _FileEdit()).entries.append((section, name, copy.deepcopy(body)))
                self._origins[(section, name)] = target
                self.section(section)[name] = copy.deepcopy(body)
        if current_context is not None:
            target = self._current_context_origin or default
            edits.setdefault(target, _FileEdit()).current_context = current_context
            self._current_context_origin = target
            self.current_context = current_context
        for path, edit in edits.items():
            edit.apply(path)

    def _merge(self, path: Path, doc: dict[str, Any]) -> None:
        for section, body_key in _SECTIONS.items():
            for item in doc.get(section) or []:
                name = item.get("name", "") if isinstance(item, dict) else ""
                if not name or name in self.section(section):
                    continue
                body = copy.deepcopy(item.get(body_key) or {})
                _absolutize(section, body, path.parent)
                self.section(section)[name] = body
                self._origins[(section, name)] = path
        if doc.get("current-context") and not self.current_context:
            self.current_context = str(doc["current-context"])
            self._current_context_origin = path

    def _default_file(self) -> Path:
        if self.explicit:
            return self.files[0]
        return next((p for p in self.files if p.exists()), self.files[0])


@dataclass
class _FileEdit:
    entries: list[tuple[str, str, Entry]] = field(default_factory=list)
    current_context: str | None = None

    def apply(self, path: Path) -> None:
        doc = _read(path) if path.exists() else _empty()
        for section, name, body in self.entries:
            items = doc.get(section) or []
            doc[section] = items
            body_key = _SECTIONS[section]
            existing = next((i for i in items if isinstance(i, dict) and i.get("name") == name), None)
            if existing is None:
                items.append({"name": name, body_key: body})
            else:
                existing[body_key] = body
        if self.current_context is not None:
            doc["current-context"] = self.current_context
        write_atomic(path, yaml.safe_dump(doc, sort_keys=False, default_flow_style=False).encode())


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` (following symlinks) with `data` via a synced sibling temp file; keeps the mode."""
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o600
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise PluginError(f"error loading config file {go_quote(str(path))}: {err}") from None
    if not isinstance(doc, dict):
        raise PluginError(f"error loading config file {go_quote(str(path))}: not a kubeconfig")
    return doc


def _empty() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [],
        "contexts": [],
        "users": [],
        "current-context": "",
        "preferences": {},
    }


def _absolutize(section: str, body: Entry, base: Path) -> None:
    """Relative file references are relative to the kubeconfig holding them (clientcmd's rule)."""
    for key in _FILE_FIELDS[section]:
        value = body.get(key)
        if isinstance(value, str) and value and not os.path.isabs(value):
            body[key] = str(base / value)
    command = (body.get("exec") or {}).get("command") if section == "users" else None
    if isinstance(command, str) and os.sep in command and not os.path.isabs(command):
        body["exec"]["command"] = str(base / command)
