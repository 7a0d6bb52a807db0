"""The type checker is part of the suite: bot.core strictly, the rest with mypy's defaults
(configured in pyproject.toml's [tool.mypy])."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_mypy_reports_no_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    out, err, status = api.run(["--cache-dir", str(tmp_path / "cache")])
    assert status == 0, out + err
    assert out.startswith("Success"), out
