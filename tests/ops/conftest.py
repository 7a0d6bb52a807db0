"""Fixtures for the hosting tests: a clean environment with no BACKLINE_* settings and no .env."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No BACKLINE_* variables, working directory = tmp_path (so no stray .env is read)."""
    for name in list(os.environ):
        if name.upper().startswith("BACKLINE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
