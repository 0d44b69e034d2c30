"""Each test gets its own fake kcp, a kubeconfig in `$KUBECONFIG` (contexts `root`, current, and `base`),
a private `$HOME`, and `plugin(main, *argv)` to run an entry point as the shell would."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests.unit.cli.fake_kcp import FakeKcp, Result, serve, write_kubeconfig


@pytest.fixture
def fake() -> Iterator[FakeKcp]:
    with serve() as state:
        yield state


@pytest.fixture
def kubeconfig(fake: FakeKcp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = write_kubeconfig(tmp_path / "config", fake.base_url)
    monkeypatch.setenv("KUBECONFIG", str(path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return path


@pytest.fixture
def plugin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    def run(main: Callable[[], NoReturn], *argv: str) -> Result:
        monkeypatch.setattr(sys, "argv", ["kubectl-plugin", *argv])
        with pytest.raises(SystemExit) as exited:
            main()
        captured = capsys.readouterr()
        return Result(int(exited.value.code or 0), captured.out, captured.err)

    return run
