"""The exercise library: /howto and /exercises."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core import render
from bot.core.dispatch import ButtonData, CommandArg, Ctx, command, on_button, refuse, say
from bot.core.events import Button, MessageLink, Outbound, Reply
from bot.core.features.base import Feature, Services
from bot.core.features.plans import Plans
from bot.core.library import Exercise
from bot.core.pictures import fits_caption, with_picture


@dataclass(frozen=True, slots=True)
class HowtoMore(ButtonData):
    """The button under a drawing whose caption holds only the essentials of its how-to."""

    kind = "tips"
    exercise_id: str


class Exercises(Feature):
    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.plans = Plans(services)

    @command(
        "howto",
        "How to do an exercise, step by step",
        CommandArg("exercise", "Which exercise, e.g. rdl", True, "exercise"),
        groups=True,
    )
    async def howto(self, ctx: Ctx, query: str) -> Reply:
        if not query:
            return say(render.WHICH_EXERCISE)
        # "rdl" is the RDL this person does: today's, the week's, the one their kit allows.
        group = await self.plans.group_today(ctx)  # in a group: its session first
        today = [group] if group else await self.plans.stored(ctx.user, ctx.today)
        preference = await self.plans.preference(ctx.user, *today)
        result = self.lookup.find_for(query, preference)
        if result.exercise is None:
            return say(
                render.not_found(query, result.suggestions), title=render.NOT_IN_LIBRARY_TITLE
            )
        ex = result.exercise
        also = ""
        if result.others:  # say which one it took, and how to ask for the other
            other = result.others[0]
            also = render.howto_other(other.name, self.lookup.spelling(other, preference))
        title, text = render.howto(ex, self.library)
        whole = with_picture(Outbound(text + also, title=title, link=_link(ex)), ex)
        if fits_caption(whole, ctx.event.caption_limit):
            return Reply([whole])
        # One message, the drawing with what to read before the first rep; the refinements
        # come on a tap. (Splitting the caption made two messages for every /howto, and with
        # them every reader waited on the platform's send limit.)
        essentials, _ = render.howto_parts(ex, self.library)
        essentials += also
        more = Button(render.HOWTO_MORE, HowtoMore(ex.id).encode())
        card = Outbound(essentials, title=title, buttons=((more,),), link=_link(ex))
        return Reply([with_picture(card, ex)])

    @on_button(HowtoMore)
    async def howto_more(self, ctx: Ctx, data: HowtoMore) -> Reply:
        ex = self.library.exercises.get(data.exercise_id)
        if ex is None:
            return refuse(render.EXERCISE_GONE)
        _, details = render.howto_parts(ex, self.library)
        title = render.howto_more_title(ex.name)
        return Reply([Outbound(details, title=title, link=_link(ex))], render.HOWTO_MORE)

    @command("exercises", "The exercise library", bare=True, groups=True)
    async def exercises(self, ctx: Ctx, _: str) -> Reply:
        return say(render.exercise_list(self.library), title=render.EXERCISES_TITLE)


# "how do I do an rdl?", "how to do a good morning", "form for hip thrusts", "what's a
# superhero": asking for a how-to in words, with the move's name last.
_HOWTO_QUESTION = re.compile(
    r"^(?:how (?:do|should|can|would) (?:i|you|we|one) (?:do |perform |make )?|how to (?:do )?"
    r"|what(?:'s| is| are) |show me (?:how to do )?|(?:form|technique|tips|cues) (?:for|on) )"
    r"(?:an? |the |my |some )?(?P<name>[a-z][a-z0-9' -]*?)"
    r"(?: properly| correctly| right| again| exactly)?$"
)


def howto_question(text: str) -> str | None:
    """The move a sentence asks how to do, as typed ("rdl" of "how do I do an RDL?")."""
    said = " ".join(text.lower().replace("?", " ").replace("!", " ").split()).rstrip(".")
    found = _HOWTO_QUESTION.match(said)
    return found["name"].strip() if found else None


def _link(ex: Exercise) -> MessageLink:
    # Replying to a how-to (or its tips) with sets logs that exercise, when it is planned.
    return MessageLink("howto", exercise_id=ex.id)
