"""Helpers for the hosting tests: the `backline` command as a process, in a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def backline_env(**settings: str) -> dict[str, str]:
    """The process environment without BACKLINE_* variables, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("BACKLINE_")}
    return {**env, "PYTHONPATH": str(REPO_ROOT), **settings}


def run_backline(
    *args: str, cwd: Path, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
