"""The real kubectl, run as a user would against a test server: one runner for every e2e module."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

KUBECTL = "/usr/bin/kubectl"
Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def runner(kubeconfig: Path, cache: Path) -> Kubectl:
    """kubectl with this kubeconfig and its own discovery cache; raises on failure unless `check` is off."""
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "KUBECACHEDIR": str(cache)}

    def run(
        *args: str,
        stdin: str | None = None,
        check: bool = True,
        extra_env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [KUBECTL, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**env, **(extra_env or {})},
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {proc.stderr}\n{proc.stdout}")
        return proc

    return run
