"""What the scheduler needs from the coach (bot.core.coach.Coach provides all of it)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from bot.core.events import Outbound, UserRef
from bot.core.ports import Channel


class PushCoach(Protocol):
    async def daily_session(self, user_id: int, day: date) -> list[Outbound]: ...
    async def nudge(self, user_id: int, day: date) -> list[Outbound]: ...
    async def group_session(self, channel: Channel, day: date) -> list[Outbound]: ...
    async def rest_over(self, user_id: int, timer_id: int) -> list[Outbound]: ...
    async def record_sent(
        self, platform: str, chat_id: str, message_id: str, out: Outbound
    ) -> None: ...
    async def mark_unreachable(self, ref: UserRef) -> None: ...

    # Optional: `weekly_summary(user_id, day) -> list[Outbound]`; weekly pushes exist only
    # when the coach has it.
