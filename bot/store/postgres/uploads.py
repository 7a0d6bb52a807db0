"""Platform file ids of pictures already uploaded, on PostgreSQL: bot.store.uploads'
UploadedFiles for a database several processes share (an upsert, so two processes storing
the same picture's id at once keep one row)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store.postgres.database import PgDatabase


class PgUploadedFiles:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def get(self, platform: str, account: str, digest: str) -> str | None:
        value = await self.db.fetchval(
            "SELECT file_id FROM uploaded_files"
            " WHERE platform = $1 AND account = $2 AND digest = $3",
            platform,
            account,
            digest,
        )
        return str(value) if value is not None else None

    async def put(self, platform: str, account: str, digest: str, file_id: str) -> None:
        await self.db.fetch(
            "INSERT INTO uploaded_files (platform, account, digest, file_id, created_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (platform, account, digest)"
            " DO UPDATE SET file_id = excluded.file_id, created_at = excluded.created_at",
            platform,
            account,
            digest,
            file_id,
            datetime.now(UTC),
        )

    async def drop(self, platform: str, account: str, digest: str) -> None:
        await self.db.fetch(
            "DELETE FROM uploaded_files WHERE platform = $1 AND account = $2 AND digest = $3",
            platform,
            account,
            digest,
        )
