"""Getting started: /start (the onboarding questions) and /selftest (the single-leg glute
bridge self-test, which can also set the level)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core import onboarding, render, timezones
from bot.core.dispatch import ButtonData, Ctx, State, command, on_button, on_state, refuse, say
from bot.core.events import Button, MessageLink, Outbound, Reply
from bot.core.features.base import Feature, Services
from bot.core.library import SelfTestOutcome
from bot.core.settings import Settings

SELFTEST_WORDS = ("selftest", "self-test", "self test", "not sure", "no idea", "dunno",
                  "don't know", "dont know", "unsure", "no clue", "test")  # fmt: skip
MENU_AFTER = 5  # more options than this are one menu (one row of buttons holds five)
YES_WORDS = ("yes", "y", "yep", "yeah", "ok", "okay", "right", "correct", "sure")
NO_WORDS = ("no", "n", "nope", "wrong", "another", "other")


@dataclass(frozen=True, slots=True)
class OnboardingState(State):
    """Waiting for the answer to one setup question."""

    kind = "onboarding"
    step: str = "level"


@dataclass(frozen=True, slots=True)
class SelftestState(State):
    """Waiting for the self-test's outcome; `then` = "equipment" when setup goes on after it."""

    kind = "selftest"
    then: Literal["equipment"] | None = None


@dataclass(frozen=True, slots=True)
class OnboardingAnswer(ButtonData):
    """A setup answer button (the steps in bot.core.onboarding make them as `ob:step:answer`)."""

    kind = "ob"
    step: str
    answer: str


@dataclass(frozen=True, slots=True)
class SelftestAnswer(ButtonData):
    kind = "st"
    outcome: str


@dataclass(frozen=True, slots=True)
class SetLevel(ButtonData):
    """After a self-test outside setup: take the suggested level ("keep": stay)."""

    kind = "lvl"
    level: str


@dataclass(frozen=True, slots=True)
class ZoneCheck(State):
    """Waiting for "yes" to a timezone read from a city, an abbreviation or a near miss;
    `during` says whether setup goes on after it or it came from /settings."""

    kind = "zonecheck"
    zone: str
    during: Literal["setup", "settings"] = "settings"


@dataclass(frozen=True, slots=True)
class ZoneAnswer(ButtonData):
    kind = "tz"
    answer: Literal["yes", "no"]
    zone: str


async def ask_zone(
    services: Services, ctx: Ctx, zone: str, during: Literal["setup", "settings"]
) -> Reply:
    """ "Europe/Berlin, it's 07:12 there now?" with Yes / No (typing yes or no works too)."""
    await services.save_state(ctx.user.id, ZoneCheck(zone, during))
    local = services.clock().astimezone(ZoneInfo(zone)).strftime("%H:%M")
    buttons = (
        (
            Button(render.ZONE_YES, ZoneAnswer("yes", zone).encode()),
            Button(render.ZONE_NO, ZoneAnswer("no", zone).encode()),
        ),
    )
    question = Outbound(
        render.zone_question(zone, local), buttons=buttons, link=MessageLink("prompt")
    )
    return Reply([question], button_ack=render.ACK_GOT_IT)


def _wants_selftest(answer: str) -> bool:
    """ "Not sure", "no idea tbh", "test me": the self-test sets the level."""
    words = " ".join(re.findall(r"[a-z'-]+", answer.lower()))
    return any(re.search(rf"\b{re.escape(w)}\b", words) for w in SELFTEST_WORDS)


# How people describe each self-test outcome, besides its button's own words.
OUTCOME_WORDS: dict[str, frozenset[str]] = {
    "steady": frozenset({"level", "steady", "stable", "fine", "good", "solid", "easy", "yes"}),
    "wobbly": frozenset({"sagged", "sag", "sagging", "wobbled", "wobbly", "wobble", "shaky",
                         "shook", "dropped", "dipped", "tilted", "tilt", "sank"}),
    "could-not": frozenset({"couldn't", "couldnt", "cannot", "can't", "cant", "fell",
                            "impossible", "no"}),
}  # fmt: skip
_LABEL_FILLER = frozenset({"and", "or", "they", "i", "it", "the", "my", "hold"})


def _selftest_outcome(answer: str, outcomes: Sequence[SelfTestOutcome]) -> SelfTestOutcome | None:
    """The outcome a typed answer names: its id or label, else the one outcome whose words
    it uses ("they wobbled a bit", "fell over")."""
    text = answer.strip().lower()
    exact = next((o for o in outcomes if text in (o.id.lower(), o.label.lower())), None)
    if exact is not None:
        return exact
    said = set(re.findall(r"[a-z']+", text))
    named = [
        o
        for o in outcomes
        if said
        & (OUTCOME_WORDS.get(o.id, frozenset()) | (set(o.label.lower().split()) - _LABEL_FILLER))
    ]
    return named[0] if len(named) == 1 else None


class Setup(Feature):
    @command(
        "start",
        "Set up your training: level, equipment, days, reminders",
        aliases=("setup",),
        bare=True,
    )
    async def start(self, ctx: Ctx, _: str) -> Reply:
        await self.services.save_state(ctx.user.id, OnboardingState("level"))
        intro = Outbound(render.WELCOME, title=render.WELCOME_TITLE)
        return Reply([intro, self._step_message(ctx.user.settings, "level")])

    @command("selftest", "The single-leg glute bridge self-test", bare=True)
    async def selftest(self, ctx: Ctx, _: str) -> Reply:
        await self.services.save_state(ctx.user.id, SelftestState())
        return Reply([self._selftest_message()])

    # ------------------------------------------------------------------ onboarding

    @on_button(OnboardingAnswer)
    async def onboarding_button(self, ctx: Ctx, data: OnboardingAnswer) -> Reply:
        return await self._onboarding_answer(ctx, data.step, data.answer)

    @on_state(OnboardingState)
    async def onboarding_typed(self, ctx: Ctx, state: OnboardingState, text: str) -> Reply:
        reply = await self._onboarding_answer(ctx, state.step, text)
        new = await self.store.find_user(ctx.event.user)
        after = await self.store.get_state(ctx.user.id)
        moved_on = after != state.to_dict() and (after or {}).get("kind") != SelftestState.kind
        # A zone read from a city waits for its Yes: it isn't taken yet, so nothing to echo.
        unconfirmed = state.step == "timezone" and (after or {}).get("kind") == ZoneCheck.kind
        if new is not None and moved_on and not unconfirmed and reply.messages:
            # A typed answer is read, not tapped: say how it was read ("Got it. Equipment:
            # Dumbbells, Resistance band."), so a misreading is seen at once.
            said = render.setup_understood(state.step, new.settings, self.library)
            first = reply.messages[0]
            reply.messages[0] = replace(first, preface=f"{said}\n{first.preface}".strip())
        return reply

    def _step_message(self, settings: Settings, step_id: str) -> Outbound:
        step = onboarding.step(step_id)
        buttons = step.buttons(self.library, settings)
        rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
        number = onboarding.STEP_IDS.index(step_id) + 1
        return Outbound(
            step.question,
            title=render.setup_title(number, len(onboarding.STEP_IDS)),
            buttons=rows,
            link=MessageLink("prompt"),
            # Many options of one choice: a select menu where the platform has one.
            menu=render.PICK_ONE if len(buttons) > MENU_AFTER else None,
        )

    async def _onboarding_answer(self, ctx: Ctx, step_id: str, answer: str) -> Reply:
        if step_id not in onboarding.STEP_IDS:
            return say(render.SETUP_EXPIRED)
        if step_id == "level" and _wants_selftest(answer):
            await self.services.save_state(ctx.user.id, SelftestState(then="equipment"))
            return Reply([self._selftest_message()])
        settings = ctx.user.settings
        try:
            new = onboarding.step(step_id).apply(answer, settings, self.library)
        except onboarding.ZoneGuess as guess:
            if guess.settings is not None:  # "07:15 berlin": keep the time meanwhile
                await self.store.save_settings(ctx.user.id, guess.settings)
            return await ask_zone(self.services, ctx, guess.zone, "setup")
        except onboarding.AnswerError as exc:
            again = self._step_message(settings, step_id)
            return Reply([Outbound(str(exc)), again])
        await self.store.save_settings(ctx.user.id, new)
        typed_zone = step_id == "time" and new.timezone != settings.timezone
        nxt = onboarding.next_step(step_id, new, typed_zone)
        if nxt is None:
            return await self._finish(ctx, new)
        await self.services.save_state(ctx.user.id, OnboardingState(nxt))
        return Reply([self._step_message(new, nxt)], button_ack=render.ACK_GOT_IT)

    async def _continue(self, ctx: Ctx, new: Settings, after: str) -> Reply:
        """Setup goes on with the step after `after` (or ends)."""
        nxt = onboarding.next_step(after, new, typed_zone=False)
        if nxt is None:
            return await self._finish(ctx, new)
        await self.services.save_state(ctx.user.id, OnboardingState(nxt))
        return Reply([self._step_message(new, nxt)], button_ack=render.ACK_GOT_IT)

    # ------------------------------------------------------------------ timezone guesses

    @on_button(ZoneAnswer)
    async def zone_button(self, ctx: Ctx, data: ZoneAnswer) -> Reply:
        return await self._zone_answer(ctx, data.answer == "yes", data.zone)

    @on_state(ZoneCheck)
    async def zone_typed(self, ctx: Ctx, state: ZoneCheck, text: str) -> Reply:
        word = text.strip().lower().strip("!. ")
        if word in YES_WORDS or word in NO_WORDS:
            return await self._zone_answer(ctx, word in YES_WORDS, state.zone)
        # Another zone typed instead of yes or no: read it as the new answer.
        if state.during == "setup":
            return await self._onboarding_answer(ctx, "timezone", text)
        try:
            zone = onboarding.parse_timezone(text)
        except onboarding.ZoneGuess as guess:
            return await ask_zone(self.services, ctx, guess.zone, "settings")
        except onboarding.AnswerError as exc:
            return refuse(str(exc))
        return await self._zone_answer(ctx, True, zone)

    async def _zone_answer(self, ctx: Ctx, yes: bool, zone: str) -> Reply:
        state = await self.services.load_state(ctx.user.id, ZoneCheck)
        during = state.during if state is not None and state.zone == zone else "settings"
        if zone not in timezones.iana_zones():  # forged
            return refuse(render.STALE_BUTTON)
        if not yes:
            if during == "setup":
                await self.services.save_state(ctx.user.id, OnboardingState("timezone"))
                again = self._step_message(ctx.user.settings, "timezone")
                return Reply([Outbound(render.ZONE_AGAIN), again], button_ack=render.ACK_GOT_IT)
            await self.services.clear_state(ctx.user.id, ZoneCheck)
            return say(render.ZONE_NOT_CHANGED)
        new = ctx.user.settings.with_(timezone=zone)
        await self.store.save_settings(ctx.user.id, new)
        if during == "setup":
            reply = await self._continue(ctx, new, "timezone")
            reply.messages.insert(0, Outbound(render.zone_set(zone)))
            return reply
        await self.services.clear_state(ctx.user.id, ZoneCheck)
        reply = say(render.setting_updated(["timezone"], new, self.library))
        reply.button_ack = render.ACK_GOT_IT
        return reply

    async def _finish(self, ctx: Ctx, settings: Settings) -> Reply:
        # The program starts today: training blocks and the newcomer ramp count from it.
        done = settings.with_(onboarded=True, program_start=settings.program_start or ctx.today)
        await self.store.save_settings(ctx.user.id, done)
        await self.services.save_state(ctx.user.id, None)
        split = self.library.splits.get(done.split)
        return say(render.all_set(split.name if split else None, done), title=render.ALL_SET_TITLE)

    # ------------------------------------------------------------------ self-test

    def _selftest_message(self) -> Outbound:
        st = self.library.selftest
        return Outbound(
            render.selftest_text(st.intro, [s.text for s in st.steps], st.question),
            title=st.name,
            buttons=(tuple(Button(o.label, SelftestAnswer(o.id).encode()) for o in st.outcomes),),
            link=MessageLink("prompt"),
        )

    @on_button(SelftestAnswer)
    async def selftest_button(self, ctx: Ctx, data: SelftestAnswer) -> Reply:
        return await self._selftest_answer(ctx, data.outcome)

    @on_state(SelftestState)
    async def selftest_typed(self, ctx: Ctx, state: SelftestState, text: str) -> Reply:
        return await self._selftest_answer(ctx, text)

    async def _selftest_answer(self, ctx: Ctx, answer: str) -> Reply:
        st = self.library.selftest
        outcome = _selftest_outcome(answer, st.outcomes)
        if outcome is None:  # the buttons again, without the whole test
            again = self._selftest_message()
            return Reply([replace(again, text=render.PICK_AN_ANSWER, title=None)])
        state = await self.services.load_state(ctx.user.id, SelftestState)
        level = self.library.levels.get(outcome.level)
        level_name = level.name if level else outcome.level
        if state is not None and state.then == "equipment":
            new = ctx.user.settings.with_(level=outcome.level)
            await self.store.save_settings(ctx.user.id, new)
            await self.services.save_state(ctx.user.id, OnboardingState("equipment"))
            return Reply(
                [
                    Outbound(render.level_from_selftest(outcome.advice, level_name)),
                    self._step_message(new, "equipment"),
                ]
            )
        await self.services.save_state(ctx.user.id, None)
        buttons = (
            (
                Button(render.take_level(level_name), SetLevel(outcome.level).encode()),
                Button(render.KEEP_MY_LEVEL, SetLevel("keep").encode()),
            ),
        )
        return Reply([Outbound(render.level_question(outcome.advice, level_name), buttons=buttons)])

    @on_button(SetLevel)
    async def set_level(self, ctx: Ctx, data: SetLevel) -> Reply:
        if data.level == "keep" or data.level not in self.library.levels:
            reply, ack = say(render.LEVEL_KEPT), render.ACK_KEPT
        else:
            settings = ctx.user.settings.with_(level=data.level)
            await self.store.save_settings(ctx.user.id, settings)
            ack = self.library.levels[data.level].name
            reply = say(render.level_set(ack))
        reply.button_ack = ack
        return reply
