"""Setup answered the way people type, not the way the buttons are labelled.

Each step reads the rule its answers follow (a level word, kit named in a sentence, a time
inside a phrase); a typed answer is echoed back so a misreading shows at once."""

from __future__ import annotations

from datetime import time

import pytest

from bot.content import default_library
from bot.core import onboarding
from bot.core.render import zone_label
from bot.core.settings import Settings
from tests import test_conversation as conversation
from tests.test_conversation import Person, text_of

clock = conversation.clock
env = conversation.env
LIB = default_library()


def _apply(step: str, text: str) -> Settings:
    return onboarding.step(step).apply(text, Settings(), LIB)


@pytest.mark.parametrize(
    ("typed", "level"),
    [
        ("beginner-ish", "beginner"),
        ("never lifted", "beginner"),
        ("New to this", "beginner"),
        ("some", "intermediate"),
        ("a few years, on and off", "intermediate"),
        ("pretty advanced", "advanced"),
        ("Experienced", "advanced"),
    ],
)
def test_level_words(typed: str, level: str) -> None:
    assert _apply("level", typed).level == level


@pytest.mark.parametrize("typed", ["purple", "3", "some, but a beginner really"])
def test_level_unclear_asks_again(typed: str) -> None:
    with pytest.raises(onboarding.AnswerError, match="Pick one of"):
        _apply("level", typed)


@pytest.mark.parametrize(
    ("typed", "kit"),
    [
        ("I have a couple of dumbbells and a band", {"dumbbells", "band"}),
        ("no kettlebell, just dumbbells", {"dumbbells"}),
        ("pull-up bar and bands", {"pullup_bar", "band"}),
        ("a barbell and a bench", {"barbell", "bench"}),
        ("kb", {"kettlebell"}),
        ("nothing", set()),
        ("just my body", set()),
        ("Bands", {"band"}),  # a preset's label
    ],
)
def test_equipment_named_in_a_sentence(typed: str, kit: set[str]) -> None:
    assert _apply("equipment", typed).equipment == frozenset({"bodyweight", *kit})


def test_equipment_gym_and_nonsense() -> None:
    assert (
        _apply("equipment", "I go to the gym").equipment == onboarding.EQUIPMENT_PRESETS["gym"][1]
    )
    with pytest.raises(onboarding.AnswerError):
        _apply("equipment", "bananas")


@pytest.mark.parametrize(
    ("typed", "split"),
    [("3 days", "full3"), ("two", "full2"), ("upper lower", "ul4"), ("upper, lower, full", "ulf")],
)
def test_split_words(typed: str, split: str) -> None:
    assert _apply("split", typed).split == split


def test_split_choice_lists_labels_that_hold_commas_apart() -> None:
    with pytest.raises(onboarding.AnswerError) as err:
        _apply("split", "whatever")
    assert "Three full-body days / Upper, lower, full / Two upper" in str(err.value)


@pytest.mark.parametrize(
    ("typed", "at", "zone"),
    [
        ("mornings, 7ish", time(7), "UTC"),
        ("7ish", time(7), "UTC"),
        ("evenings around 6", time(18), "UTC"),
        ("at 6 in the evening", time(18), "UTC"),
        ("noon", time(12), "UTC"),
        ("7:00 a.m.", time(7), "UTC"),
        ("19h00", time(19), "UTC"),
        ("7:15 Europe/Berlin", time(7, 15), "Europe/Berlin"),
        ("07:30 tomorrow", time(7, 30), "UTC"),  # not a zone: the zone question comes next
        ("0630", time(6, 30), "UTC"),  # written the military way
        ("1800", time(18), "UTC"),
        ("630am", time(6, 30), "UTC"),
    ],
)
def test_time_inside_a_phrase(typed: str, at: time, zone: str) -> None:
    settings = onboarding.parse_time_and_zone(typed, Settings())
    assert (settings.reminder_time, settings.timezone) == (at, zone)


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("30", 30), ("45 min", 45), ("half an hour", 30), ("an hour", 45), ("15 minutes", 15)],
)
def test_length_words(typed: str, minutes: int) -> None:
    assert _apply("length", typed).session_minutes == minutes


@pytest.mark.parametrize("typed", ["7am", "07:30", "6 pm", "7 a.m."])
def test_a_time_given_for_the_length_is_not_read_as_minutes(typed: str) -> None:
    """The next question's answer typed one step early ("7am" was a 15-minute session)."""
    with pytest.raises(onboarding.AnswerError, match="looks like a time of day"):
        _apply("length", typed)


@pytest.mark.parametrize(("typed", "why"), [("tomorrow", "Give a time"), ("25:00", "doesn't")])
def test_no_time_asks_again(typed: str, why: str) -> None:
    with pytest.raises(onboarding.AnswerError, match=why):
        onboarding.parse_time_and_zone(typed, Settings())


def test_time_with_an_offset_zone_is_confirmed_as_people_write_it() -> None:
    with pytest.raises(onboarding.ZoneGuess) as guess:
        onboarding.parse_time_and_zone("UTC+2 7am", Settings())
    assert guess.value.settings is not None and guess.value.settings.reminder_time == time(7)
    assert zone_label(guess.value.zone) == "UTC+2"
    assert [zone_label(z) for z in ("Etc/GMT+5", "Etc/UTC", "Europe/Berlin")] == [
        "UTC-5",
        "UTC",
        "Europe/Berlin",
    ]


async def test_setup_typed_the_way_people_answer(env) -> None:
    coach, store = env
    ana = Person(coach, "ana")
    await ana.say("/start")
    reply = await ana.say("beginner-ish")
    assert "Got it. Level: Beginner." in text_of(reply)
    reply = await ana.say("I have a couple of dumbbells and a band")
    assert "Got it. Equipment: Resistance band, Dumbbells." in text_of(reply)
    for answer in ("3 days", "sounds good", "half an hour"):
        await ana.say(answer)
    reply = await ana.say("mornings, 7ish")
    assert "Got it. Time: 07:00." in text_of(reply) and "Which timezone" in text_of(reply)
    reply = await ana.say("UTC+2")
    assert "UTC+2, it's" in text_of(reply) and "Etc/GMT" not in text_of(reply)
    # Not taken until it's confirmed: no "Got it. Timezone: UTC." (the old value) first.
    assert "Got it" not in text_of(reply)
    await ana.say("yes")
    reply = await ana.say("kg")
    assert "Mon Wed Fri at 07:00 UTC+2" in text_of(reply)
    s = (await store.find_user(ana.ref)).settings
    assert (s.level, s.equipment, s.timezone) == (
        "beginner",
        frozenset({"bodyweight", "band", "dumbbells"}),
        "Etc/GMT-2",
    )


async def test_not_sure_in_words_starts_the_selftest(env) -> None:
    coach, _ = env
    ana = Person(coach, "ana")
    await ana.say("/start")
    reply = await ana.say("no idea tbh")
    assert reply.messages[0].title == LIB.selftest.name


@pytest.mark.parametrize(
    ("typed", "days"),
    [
        ("weekdays", (0, 1, 2, 3, 4)),
        ("every day", tuple(range(7))),
        ("tue and the weekend", (1, 5, 6)),
        ("MWF", (0, 2, 4)),
        ("m/w/f", (0, 2, 4)),
        ("TTh", (1, 3)),
        ("I'm free tue thu", (1, 3)),  # the m of "I'm" is no Monday
    ],
)
def test_days_named_in_groups(typed: str, days: tuple[int, ...]) -> None:
    assert onboarding.parse_weekdays(typed) == days


async def test_today_during_setup_skips_it_so_sets_log(env) -> None:
    coach, store = env
    ana = Person(coach, "ana")
    await ana.say("/start")
    await ana.say("Some experience")
    await ana.say("/today")
    reply = await ana.say("12 10 10")
    assert "Logged" in text_of(reply) and "Pick one of" not in text_of(reply)
    user = await store.find_user(ana.ref)
    assert await store.get_state(user.id) != {"kind": "onboarding", "step": "equipment"}


async def test_selftest_answers_in_words_and_a_short_retry(env) -> None:
    coach, store = env
    ana = Person(coach, "ana")
    await ana.say("/selftest")
    retry = await ana.say("not sure")
    (again,) = retry.messages
    assert again.text == "Tap the answer that fits best." and again.buttons  # not the whole test
    reply = await ana.say("they wobbled a bit")
    assert "Set your level to Beginner?" in text_of(reply)
    await ana.say("/start")
    await ana.say("not sure")
    reply = await ana.say("fell over")
    assert "I've set your level to Beginner" in text_of(reply)
    assert (await store.find_user(ana.ref)).settings.level == "beginner"


@pytest.mark.parametrize(
    ("typed", "units"),
    [("lbs", "lb"), ("pounds please", "lb"), ("kilos", "kg"), ("metric", "kg"), ("KG", "kg")],
)
def test_units_in_words(typed: str, units: str) -> None:
    assert _apply("units", typed).units == units


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("eastern", "America/New_York"),  # not Easter Island
        ("Eastern time", "America/New_York"),
        ("pacific time", "America/Los_Angeles"),  # not Niue
        ("central", "America/Chicago"),
        ("mountain standard time", "America/Denver"),
        ("Brasil", "America/Sao_Paulo"),
        ("Tokyo japan", "Asia/Tokyo"),
        ("Easter Island", "Pacific/Easter"),
    ],
)
def test_zones_named_the_everyday_way(typed: str, zone: str) -> None:
    from bot.core import timezones

    found = timezones.match(typed)
    assert found is not None and found.zone == zone and not found.exact
