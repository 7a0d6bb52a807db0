"""A Discord token revoked while the real `backline` process runs is fatal like Telegram's: one
line naming the setting, the token exit code, no traceback (the in-process checks of the 401
path and /healthz are in tests/discord/test_discord_resilience.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import exit_codes
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.discord_spec import DiscordSpec, spec_path
from tests.ops.bot_process import finished, free_port, health, one_line, start_discord
from tests.ops.support import REPO_ROOT

TOKEN = "MTEyMjMzNDQ1NTY2Nzc4ODk5.GfAkeT.backline-test-token-must-never-be-logged"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord(DiscordSpec(spec_path(REPO_ROOT)), TOKEN).start()
    yield server
    await server.stop()
    server.assert_spec_clean()


async def test_the_gateway_closing_with_4004_exits_with_the_token_code(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    port = free_port()
    process = await start_discord(tmp_path / "backline.db", fake.base_url, TOKEN, port=port)
    try:
        await fake.wait_identified(timeout=30)
        status, body = await health(port)
        for _ in range(200):  # READY is handled a moment after IDENTIFY
            if body["adapters"].get("discord"):
                break
            await asyncio.sleep(0.05)
            status, body = await health(port)
        assert status == 200, body
        await fake.close_gateway(4004, b"Authentication failed.")
        code, err = await finished(process, timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert code == exit_codes.TOKEN_REJECTED, err
    line = one_line(err)
    assert "BACKLINE_DISCORD_TOKEN" in line and "4004" in line
    assert TOKEN not in err
