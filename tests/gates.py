"""A send queue that records who asked for a turn (for adapter tests): the real queue with
the platform's limits underneath, so the sends still go out as they would."""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduler.ratelimit import PlatformLimiter, Slot, limiter_for


@dataclass
class RecordingGate:
    platform: str
    turns: list[tuple[str, bool]] = field(default_factory=list)  # (chat id, interactive)
    pauses: list[tuple[float, str | None, str | None]] = field(default_factory=list)
    queue: PlatformLimiter | None = None

    def __post_init__(self) -> None:
        self.queue = self.queue or limiter_for(self.platform)

    async def acquire(self, chat_id: str, *, interactive: bool = False) -> Slot:
        assert self.queue is not None
        self.turns.append((chat_id, interactive))
        return await self.queue.acquire(chat_id, interactive=interactive)

    def pause(self, seconds: float, chat_id: str | None = None, scope: str | None = None) -> None:
        assert self.queue is not None
        self.pauses.append((seconds, chat_id, scope))
        self.queue.pause(seconds, chat_id, scope)

    def replies(self) -> list[str]:
        return [chat for chat, interactive in self.turns if interactive]
