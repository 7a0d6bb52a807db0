"""Discord feeling like Discord: group /today on the group's date, ephemeral refusals, options
with choices, select menus, the Log modal and user installs (the real client, the fake
Discord, the real Coach over SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from discord_harness import Running, community, person

from bot.app import open_coach
from bot.core.coach import Coach
from bot.store import SqliteStore
from tests.fakes.discord_server import FakeDiscord, Guild

# Monday 11:00 in UTC is already Tuesday 01:00 on Kiritimati (UTC+14).
MONDAY_11_UTC = datetime(2026, 5, 11, 11, 0, tzinfo=UTC)


@pytest.fixture
async def coach_store(tmp_path: Path) -> AsyncIterator[tuple[Coach, SqliteStore]]:
    coach, store = await open_coach(tmp_path / "backline.db", clock=lambda: MONDAY_11_UTC)
    yield coach, store
    await store.close()


def content(callback: Any) -> str:
    data = callback.body["data"]
    embeds = data.get("embeds") or []
    return "\n".join([data.get("content") or ""] + [
        f"{e.get('title', '')}\n{e.get('description', '')}" for e in embeds
    ])  # fmt: skip


async def test_group_today_on_a_group_rest_day_says_so_and_names_the_next_day(
    fake: FakeDiscord, guild: Guild, bot: Running
) -> None:
    on = await community(fake, person("Coachy"), guild, "on 06:00 Pacific/Kiritimati")
    assert content(on).startswith("Group session on!")
    inter = await fake.slash(person("Ann"), "today", guild=guild)
    (answer,) = await fake.answers_to(inter)
    shown = content(answer)
    assert "Tue 12 May · Group rest day" in shown
    assert "Next group session: Wed 13 May at 06:00." in shown
    assert "Done." not in shown
    # Ann's own Monday is still hers in a DM.
    mine = await fake.slash(person("Ann"), "today")
    (own,) = await fake.answers_to(mine)
    assert "Mon 11 May" in content(own)
