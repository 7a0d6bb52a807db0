"""Platform file ids of pictures already uploaded (table `uploaded_files`, migration 0004).

Telegram hands back a file_id for every photo it receives; sending that id instead of the
bytes shows the same picture without another upload. The exercise drawings are sent over and
over, so the Telegram adapter keeps their ids here: one upload per picture per bot account.
"""

from __future__ import annotations

from bot.store.db import Database
from bot.store.rows import now_iso


class UploadedFiles:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, platform: str, account: str, digest: str) -> str | None:
        rows = await self.db.read(
            "SELECT file_id FROM uploaded_files WHERE platform = ? AND account = ? AND digest = ?",
            (platform, account, digest),
        )
        return str(rows[0][0]) if rows else None

    async def put(self, platform: str, account: str, digest: str, file_id: str) -> None:
        await self.db.write(
            "INSERT INTO uploaded_files (platform, account, digest, file_id, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, account, digest)"
            " DO UPDATE SET file_id = excluded.file_id, created_at = excluded.created_at",
            (platform, account, digest, file_id, now_iso()),
        )

    async def drop(self, platform: str, account: str, digest: str) -> None:
        await self.db.write(
            "DELETE FROM uploaded_files WHERE platform = ? AND account = ? AND digest = ?",
            (platform, account, digest),
        )
