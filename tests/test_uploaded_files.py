"""The store's memory of uploaded pictures: one file id per platform, bot account and file,
on SQLite and on PostgreSQL (as bot.app.file_ids hands it to the adapters)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import file_ids
from bot.store import open_database


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return tmp_path / "b.db"


async def test_file_ids_are_kept_per_account_and_replaced_or_dropped(target: str | Path) -> None:
    store = await open_database(target)
    ids = file_ids(store)
    assert ids is not None
    assert await ids.get("telegram", "111", "abc") is None
    await ids.put("telegram", "111", "abc", "first")
    await ids.put("telegram", "222", "abc", "other bot")
    await ids.put("telegram", "111", "abc", "newer")  # a fresh upload replaces the old id
    assert await ids.get("telegram", "111", "abc") == "newer"
    assert await ids.get("telegram", "222", "abc") == "other bot"
    assert await ids.get("discord", "111", "abc") is None
    await store.close()

    store = await open_database(target)  # kept across restarts
    ids = file_ids(store)
    assert ids is not None
    assert await ids.get("telegram", "111", "abc") == "newer"
    await ids.drop("telegram", "111", "abc")
    assert await ids.get("telegram", "111", "abc") is None
    assert await ids.get("telegram", "222", "abc") == "other bot"
    await store.close()
