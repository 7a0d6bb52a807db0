"""The rest timer: after a logged set or exercise a "Rest 75 s" button (the rest of the
prescription); pressing it queues one short ping for when the rest is over.

The ping is a due row in the store that the scheduler's outbox delivers, so it survives a
restart, goes out once, keeps to the platform's rate limits and is dropped for someone who
paused or was forgotten (see docs/architecture.md, "Rest timers"). Only in private chats: in a
group, members log in the open and a ping per member would be noise there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core import render
from bot.core.dispatch import ButtonData, Ctx, on_button, refuse, say
from bot.core.events import Button, MessageLink, Outbound, Reply
from bot.core.features.base import Feature, Services
from bot.core.planner import PlannedExercise
from bot.core.ports import RestTimer, User

MIN_REST_SECONDS, MAX_REST_SECONDS = 10, 600  # forged button data is kept to this range


@dataclass(frozen=True, slots=True)
class RestStart(ButtonData):
    """ "Rest 75 s": the rest before set `set_number` of `exercise_id` on the plan of `day`."""

    kind = "rest"
    seconds: int
    set_number: int
    day: date
    exercise_id: str


def rest_button(
    services: Services, user: User, after: PlannedExercise, then: tuple[str, int], day: date
) -> Button | None:
    """The button for resting after `after`, leading to set `then[1]` of exercise `then[0]`;
    None where no timer could be delivered (no scheduler, paused, no rest prescribed)."""
    if not services.timer_queued.heard or user.settings.paused or after.rest_seconds <= 0:
        return None
    seconds = min(max(after.rest_seconds, MIN_REST_SECONDS), MAX_REST_SECONDS)
    data = RestStart(seconds, then[1], day, then[0])
    return Button(render.rest_label(seconds), data.encode())


class Rest(Feature):
    @on_button(RestStart)
    async def start(self, ctx: Ctx, data: RestStart) -> Reply:
        user = ctx.user
        exercise = self.library.exercises.get(data.exercise_id)
        if exercise is None:
            return refuse(render.STALE_BUTTON)
        if user.settings.paused:
            reply = refuse(render.REST_WHILE_PAUSED)
            reply.button_ack = render.ACK_PAUSED
            return reply
        seconds = min(max(data.seconds, MIN_REST_SECONDS), MAX_REST_SECONDS)
        now = self.services.clock()
        due = now + timedelta(seconds=seconds)
        timer = RestTimer(user.id, user.ref.platform, ctx.event.chat_id, data.day, exercise.id,
                          data.set_number, due)  # fmt: skip
        running = await self.store.start_rest(timer, now)
        if running.due_at != due:  # a second tap: the first timer keeps running
            left = max(1, math.ceil((running.due_at - now).total_seconds()))
            reply = say(render.rest_running(left))
            reply.button_ack = render.rest_running(left)
            return reply
        self.services.timer_queued.notify()
        reply = say(render.rest_started(seconds, exercise.name, data.set_number))
        reply.button_ack = render.rest_label(seconds)
        return reply

    async def rest_over(self, user_id: int, timer_id: int) -> list[Outbound]:
        """The ping, when the scheduler delivers the timer; nothing if it or they are gone, or
        the set it leads to is logged already."""
        timer = await self.store.get_rest(timer_id)
        user = await self.store.get_user(user_id)
        if timer is None or user is None or timer.user_id != user.id:
            return []
        logged = await self.store.sets_on(user.id, timer.day)
        if sum(1 for s in logged if s.exercise_id == timer.exercise_id) >= timer.set_number:
            return []  # they logged that set meanwhile: the ping would only be noise
        exercise = self.library.exercises.get(timer.exercise_id)
        name = exercise.name if exercise else timer.exercise_id
        link = MessageLink("exercise", timer.day, timer.exercise_id, owner=user.ref)
        text = render.rest_over(name, timer.set_number)
        return [Outbound(text, link=link, private=True, chat_id=timer.chat_id)]
