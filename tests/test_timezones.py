"""Timezones typed the way people type them: exact IANA names, cities, abbreviations and near
misses (rapidfuzz), each guess confirmed with the person before it is used."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import open_coach
from bot.core import onboarding, timezones
from bot.core.coach import Coach
from bot.core.events import InboundEvent, Outbound, Reply, UserRef
from bot.core.ports import Persistence

NOW = datetime(2026, 11, 23, 6, 12, tzinfo=UTC)  # 07:12 in Berlin


def answers_before(step_id: str) -> tuple[str, ...]:
    """Typed answers to every setup question before `step_id` (each step's first button)."""
    from bot.content import default_library
    from bot.core.settings import Settings

    library, answers = default_library(), []
    for step in onboarding.STEPS[: onboarding.STEP_IDS.index(step_id)]:
        answers.append(step.buttons(library, Settings())[0].data.split(":", 2)[2])
    return tuple(answers)


BEFORE_TIME = answers_before("time")


@pytest.mark.parametrize(
    ("typed", "zone", "exact"),
    [
        ("Europe/Berlin", "Europe/Berlin", True),
        ("europe/berlin", "Europe/Berlin", True),
        ("america/new york", "America/New_York", True),
        ("UTC", "UTC", True),
        ("berlin", "Europe/Berlin", False),
        ("Berln", "Europe/Berlin", False),
        ("new york", "America/New_York", False),
        ("NYC", "America/New_York", False),
        ("new yrok", "America/New_York", False),
        ("cet", "Europe/Berlin", False),
        ("pst", "America/Los_Angeles", False),
        ("EST", "America/New_York", False),
        ("munich", "Europe/Berlin", False),
        ("san francisco", "America/Los_Angeles", False),
        ("tokyo", "Asia/Tokyo", False),
        ("pago pago", "Pacific/Pago_Pago", False),
        ("utc+2", "Etc/GMT-2", False),
        ("GMT-5", "Etc/GMT+5", False),
    ],
)
def test_what_people_type_is_read_as_an_iana_zone(typed: str, zone: str, exact: bool) -> None:
    assert timezones.match(typed) == timezones.ZoneMatch(zone, exact)


@pytest.mark.parametrize(
    "typed", ["localtime", "Factory", "posixrules", "purple", "xyz", "", "a" * 80]
)
def test_what_is_not_a_place_is_refused(typed: str) -> None:
    assert timezones.match(typed) is None


def test_only_real_zones_come_out() -> None:
    assert not {"localtime", "Factory", "posixrules"} & timezones.iana_zones()
    for typed in ("berlin", "cet", "pst", "new york", "sydney", "mumbai", "rio"):
        found = timezones.match(typed)
        assert found is not None and found.zone in timezones.iana_zones()


def test_suggestions_for_autocomplete_start_with_the_prefix() -> None:
    assert timezones.suggest("berl")[0] == "Europe/Berlin"
    assert "America/New_York" in timezones.suggest("new y")
    assert "Europe/Berlin" in timezones.suggest("berln")  # a typo still finds it
    assert len(timezones.suggest("")) == 25
    assert all(z in timezones.iana_zones() for z in timezones.suggest("a", 25))


# -- in the conversation ----------------------------------------------------------------------


@pytest.fixture
async def coach(tmp_path: Path) -> AsyncIterator[tuple[Coach, Persistence]]:
    built, store = await open_coach(tmp_path / "backline.db", clock=lambda: NOW)
    yield built, store
    await store.close()


class Ana:
    def __init__(self, coach: Coach) -> None:
        self.coach = coach
        self.last: tuple[str, Outbound] | None = None

    async def say(self, text: str = "", button: str | None = None) -> Reply:
        reply_to = self.last[0] if button and self.last else None
        event = InboundEvent(UserRef("test", "ana"), "ana", text, button=button, reply_to=reply_to)
        reply = await self.coach.handle(event)
        for out in reply.messages:
            message_id = await self.coach.next_message_id("test")
            await self.coach.record_sent("test", "ana", message_id, out)
            self.last = (message_id, out)
        return reply

    def button(self, label: str) -> str:
        assert self.last is not None
        return next(b.data for row in self.last[1].buttons for b in row if b.label == label)


def text(reply: Reply) -> str:
    return "\n".join(m.text for m in reply.messages)


async def test_settings_timezone_by_city_is_confirmed_first(coach) -> None:
    built, store = coach
    ana = Ana(built)
    asked = await ana.say("/settings timezone berlin")
    assert "Europe/Berlin, it's 07:12 there now?" in text(asked)
    user = await store.find_user(UserRef("test", "ana"))
    assert user is not None and user.settings.timezone == "UTC"  # not before she agrees
    done = await ana.say(button=ana.button("Yes"))
    assert "Europe/Berlin" in text(done)
    user = await store.find_user(UserRef("test", "ana"))
    assert user is not None and user.settings.timezone == "Europe/Berlin"


async def test_a_wrong_guess_can_be_declined_by_typing_no(coach) -> None:
    built, store = coach
    ana = Ana(built)
    await ana.say("/settings tz cst")
    reply = await ana.say("no")
    assert "stays as it was" in text(reply)
    user = await store.find_user(UserRef("test", "ana"))
    assert user is not None and user.settings.timezone == "UTC"
    # And "no" afterwards is an ordinary message again, not an answer to the question.
    assert "stays as it was" not in text(await ana.say("no"))


async def test_onboarding_time_with_a_city_keeps_the_time_and_asks_about_the_city(coach) -> None:
    built, store = coach
    ana = Ana(built)
    await ana.say("/start")
    for answer in BEFORE_TIME:
        await ana.say(answer)
    asked = await ana.say("06:45 new york")
    assert "America/New_York, it's 01:12 there now?" in text(asked)
    user = await store.find_user(UserRef("test", "ana"))
    assert user is not None and user.settings.reminder_time.strftime("%H:%M") == "06:45"
    going_on = await ana.say("yes")
    assert "kilograms or pounds" in text(going_on)  # the timezone question is not asked again
    user = await store.find_user(UserRef("test", "ana"))
    assert user is not None and user.settings.timezone == "America/New_York"


async def test_onboarding_declined_guess_asks_the_timezone_again(coach) -> None:
    built, _ = coach
    ana = Ana(built)
    await ana.say("/start")
    for answer in (*BEFORE_TIME, "07:30"):
        await ana.say(answer)
    asked = await ana.say("pst")
    assert "America/Los_Angeles" in text(asked)
    again = await ana.say(button=ana.button("No, another one"))
    assert "Which timezone" in text(again)
    exact = await ana.say("Asia/Tokyo")  # an exact IANA name needs no confirmation
    assert "kilograms or pounds" in text(exact)
