"""The exercise library: /howto and /exercises."""

from __future__ import annotations

from bot.core import render
from bot.core.dispatch import CommandArg, Ctx, command, say
from bot.core.events import MessageLink, Outbound, Reply
from bot.core.features.base import Feature
from bot.core.pictures import with_picture


class Exercises(Feature):
    @command(
        "howto",
        "How to do an exercise, step by step",
        CommandArg("exercise", "Which exercise, e.g. rdl", True, "exercise"),
        groups=True,
    )
    async def howto(self, ctx: Ctx, query: str) -> Reply:
        if not query:
            return say(render.WHICH_EXERCISE)
        result = self.lookup.find(query)
        if result.exercise is None:
            return say(
                render.not_found(query, result.suggestions), title=render.NOT_IN_LIBRARY_TITLE
            )
        title, text = render.howto(result.exercise, self.library)
        link = MessageLink("howto", exercise_id=result.exercise.id)
        return Reply([with_picture(Outbound(text, title=title, link=link), result.exercise)])

    @command("exercises", "The exercise library", bare=True, groups=True)
    async def exercises(self, ctx: Ctx, _: str) -> Reply:
        return say(render.exercise_list(self.library), title=render.EXERCISES_TITLE)
