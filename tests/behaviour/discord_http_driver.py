"""The behaviour suite on Discord with HTTP interactions: the same as DiscordDriver, except that
slash commands, buttons and forms are signed and posted to Backline's HTTP endpoint on
127.0.0.1, as Discord does once an Interactions Endpoint URL is set (messages still come over
the gateway)."""

from __future__ import annotations

from pathlib import Path

from tests.behaviour.discord_driver import DiscordDriver
from tests.behaviour.driver import open_bot
from tests.discord.discord_harness import open_interactions, start_adapter


class DiscordHttpDriver(DiscordDriver):
    async def start(self, db_path: Path) -> None:
        await self.fake.start()
        self.fake.patch_discord(self._monkeypatch)
        self.coach, self.store = await open_bot(db_path)
        self.bot = await start_adapter(self.fake, self.coach, public_key=self.fake.public_key)
        self.endpoint = await open_interactions(self.fake, self.bot.adapter)

    async def stop(self) -> None:
        try:
            await self.endpoint.stop()
        finally:
            await super().stop()
