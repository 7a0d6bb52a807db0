"""Host configuration from the environment. Tokens are kept out of repr and logs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Config:
    db_path: Path = Path("backline.db")
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_url: str | None = None
    discord_token: str | None = field(default=None, repr=False)

    @property
    def platforms(self) -> list[str]:
        return [
            name
            for name, token in (("telegram", self.telegram_token), ("discord", self.discord_token))
            if token
        ]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        return cls(
            db_path=Path(env.get("BACKLINE_DB") or "backline.db"),
            telegram_token=env.get("BACKLINE_TELEGRAM_TOKEN") or None,
            telegram_api_url=env.get("BACKLINE_TELEGRAM_API_URL") or None,
            discord_token=env.get("BACKLINE_DISCORD_TOKEN") or None,
        )
