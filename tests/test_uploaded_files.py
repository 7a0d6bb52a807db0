"""The store's memory of uploaded pictures: one file id per platform, bot account and file."""

from __future__ import annotations

from pathlib import Path

from bot.store import open_store
from bot.store.uploads import UploadedFiles


async def test_file_ids_are_kept_per_account_and_replaced_or_dropped(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    store = await open_store(db)
    ids = UploadedFiles(store)
    assert await ids.get("telegram", "111", "abc") is None
    await ids.put("telegram", "111", "abc", "first")
    await ids.put("telegram", "222", "abc", "other bot")
    await ids.put("telegram", "111", "abc", "newer")  # a fresh upload replaces the old id
    assert await ids.get("telegram", "111", "abc") == "newer"
    assert await ids.get("telegram", "222", "abc") == "other bot"
    assert await ids.get("discord", "111", "abc") is None
    await store.close()

    store = await open_store(db)  # kept across restarts
    ids = UploadedFiles(store)
    assert await ids.get("telegram", "111", "abc") == "newer"
    await ids.drop("telegram", "111", "abc")
    assert await ids.get("telegram", "111", "abc") is None
    assert await ids.get("telegram", "222", "abc") == "other bot"
    await store.close()
