"""Every behaviour test runs once per platform: console, Telegram and Discord."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `pytest tests/behaviour` alone
    sys.path.insert(0, str(REPO_ROOT))

from tests.behaviour.driver import Driver  # noqa: E402
from tests.behaviour.drivers import DRIVERS  # noqa: E402


@pytest.fixture(params=sorted(DRIVERS))
async def bot(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Driver]:
    """The real bot behind one platform. A request that breaks the platform's API spec fails
    the test when it ends."""
    driver = DRIVERS[request.param](monkeypatch)
    await driver.start(tmp_path / "backline.db")
    yield driver
    await driver.stop()
