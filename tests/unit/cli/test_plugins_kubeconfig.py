"""Kubeconfig loading and writing with clientcmd's rules: precedence, merge, destination files, atomicity."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from kcp.cli.plugins.errors import PluginError
from kcp.cli.plugins.kubeconfig import Kubeconfig


def write(path: Path, clusters: dict[str, Any], contexts: dict[str, Any], current: str = "") -> Path:
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": c} for n, c in clusters.items()],
        "contexts": [{"name": n, "context": c} for n, c in contexts.items()],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "preferences": {"colors": True},
    }
    if current:
        doc["current-context"] = current
    path.write_text(yaml.safe_dump(doc))
    return path


def read(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    return doc


def test_explicit_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="no such file or directory"):
        Kubeconfig.load(str(tmp_path / "missing"), environ={})


def test_home_default(tmp_path: Path) -> None:
    (tmp_path / ".kube").mkdir()
    write(tmp_path / ".kube" / "config", {"c": {"server": "https://h"}}, {"x": {"cluster": "c"}}, "x")
    config = Kubeconfig.load(environ={"HOME": str(tmp_path)})
    assert config.current_context == "x"
    assert config.clusters["c"]["server"] == "https://h"


def test_first_file_wins_and_missing_files_are_skipped(tmp_path: Path) -> None:
    a = write(tmp_path / "a", {"c": {"server": "https://a"}}, {"x": {"cluster": "c"}})
    b = write(tmp_path / "b", {"c": {"server": "https://b"}, "d": {"server": "https://d"}}, {}, "x")
    env = {"KUBECONFIG": os.pathsep.join([str(a), str(tmp_path / "missing"), str(b)])}
    config = Kubeconfig.load(environ=env)
    assert config.clusters["c"]["server"] == "https://a"
    assert config.clusters["d"]["server"] == "https://d"
    assert config.current_context == "x"


def test_relative_file_references_resolve_against_their_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    path = write(
        tmp_path / "sub" / "config", {"c": {"server": "https://h", "certificate-authority": "ca.crt"}}, {}
    )
    config = Kubeconfig.load(str(path), environ={})
    assert config.clusters["c"]["certificate-authority"] == str(tmp_path / "sub" / "ca.crt")


def test_save_writes_each_entry_to_the_file_defining_it(tmp_path: Path) -> None:
    """New entries go to the first existing file; existing ones and current-context stay where they are."""
    a = write(tmp_path / "a", {"c": {"server": "https://a"}}, {"x": {"cluster": "c"}})
    b = write(tmp_path / "b", {"d": {"server": "https://d"}}, {"y": {"cluster": "d"}}, "y")
    config = Kubeconfig.load(environ={"KUBECONFIG": f"{tmp_path / 'none'}{os.pathsep}{a}{os.pathsep}{b}"})
    config.save(
        clusters={"new": {"server": "https://n"}, "d": {"server": "https://d2"}},
        contexts={"newctx": {"cluster": "new"}},
        current_context="newctx",
    )
    doc_a, doc_b = read(a), read(b)
    assert not (tmp_path / "none").exists()
    assert [c["name"] for c in doc_a["clusters"]] == ["c", "new"]
    assert [c["name"] for c in doc_a["contexts"]] == ["x", "newctx"]
    assert "current-context" not in doc_a
    assert doc_b["clusters"] == [{"name": "d", "cluster": {"server": "https://d2"}}]
    assert doc_b["current-context"] == "newctx"
    assert doc_b["preferences"] == {"colors": True}
    reloaded = Kubeconfig.load(environ={"KUBECONFIG": f"{a}{os.pathsep}{b}"})
    assert reloaded.current_context == "newctx"
    assert reloaded.contexts["newctx"] == {"cluster": "new"}


def test_save_keeps_mode_follows_symlinks_and_leaves_no_temp_files(tmp_path: Path) -> None:
    real = write(tmp_path / "real", {"c": {"server": "https://a"}}, {"x": {"cluster": "c"}}, "x")
    real.chmod(0o640)
    link = tmp_path / "link"
    link.symlink_to(real)
    config = Kubeconfig.load(str(link), environ={})
    config.save(contexts={"y": {"cluster": "c"}}, current_context="y")
    assert link.is_symlink()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert read(real)["current-context"] == "y"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_save_creates_a_missing_default_file_private(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "config"
    config = Kubeconfig.load(environ={"KUBECONFIG": str(path)})
    config.save(clusters={"c": {"server": "https://h"}}, current_context="x")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = read(path)
    assert doc["kind"] == "Config"
    assert doc["clusters"] == [{"name": "c", "cluster": {"server": "https://h"}}]
    assert doc["current-context"] == "x"


def test_unreadable_yaml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("clusters: [")
    with pytest.raises(PluginError, match=f'error loading config file "{path}"'):
        Kubeconfig.load(str(path), environ={})
