"""Logging "as prescribed" and naming moves the way people do.

"done", "/log rdl", the Done button and All done store what the person was shown (sets, reps
and load, in their unit); a loaded move with no weight known says so. Names are read against
the person's own session, week and kit: "rdl" is the RDL they do."""

from __future__ import annotations

from datetime import timedelta

from bot.content import default_library
from bot.core.events import Reply
from bot.core.planner import plan_day
from bot.core.ports import Persistence
from bot.core.settings import Settings
from bot.core.units import to_kg
from tests import test_conversation as conversation
from tests.test_conversation import MONDAY, Clock, Person, text_of, user_sets

clock = conversation.clock
env = conversation.env
WEDNESDAY, THURSDAY = MONDAY + timedelta(days=2), MONDAY + timedelta(days=3)
LIBRARY = default_library()


async def _person(coach, store: Persistence, name: str, **settings) -> Person:
    """Someone set up with these settings (equipment as a set of kit ids)."""
    person = Person(coach, name)
    await person.say("/today")
    user = await store.find_user(person.ref)
    assert user is not None
    if "equipment" in settings:
        settings["equipment"] = frozenset({"bodyweight", *settings["equipment"]})
    await store.save_settings(user.id, Settings(onboarded=True).with_(**settings))
    return person


def _loads(sets) -> set[float | None]:
    return {s.load_kg for s in sets if not s.skipped}


async def test_log_by_name_as_prescribed_on_a_rest_day_stores_what_next_time_said(
    env, clock: Clock
) -> None:
    coach, store = env
    dee = await _person(coach, store, "dee", equipment={"dumbbells"}, units="lb")
    first = text_of(await dee.say("/log rdl 2x10 @ 35lb"))
    assert "Next time: 2 x 10-12 @ 35 lb (aim 11)" in first
    clock.set_day(THURSDAY)  # a rest day: the RDL is extra work
    text = text_of(await dee.say("/log rdl"))
    assert "Logged Romanian deadlift (dumbbells) as prescribed: 11, 11 reps @ 35 lb." in text
    assert "Next time: 2 x 10-12 @ 35 lb" in text and "No weight" not in text
    sets = await user_sets(store, coach, "dee", THURSDAY)
    assert [(s.reps, s.load_kg) for s in sets] == [(11, to_kg(35, "lb"))] * 2


async def test_typed_sets_without_a_weight_get_the_prescribed_weight(env, clock: Clock) -> None:
    coach, store = env
    dee = await _person(coach, store, "dee", equipment={"dumbbells"})
    said = text_of(await dee.say("/log shrugs 2x12 @ 20kg"))
    assert "Next time: 2 x 10-12 @ 22 kg" in said  # every set at the top: a step up
    clock.set_day(THURSDAY)
    text = text_of(await dee.say("/log shrugs 12 12"))
    assert "Logged Dumbbell shrug: 12, 12 reps @ 22 kg." in text
    assert _loads(await user_sets(store, coach, "dee", THURSDAY)) == {22.0}


async def test_done_everywhere_stores_the_load_the_prompt_showed(env, clock: Clock) -> None:
    coach, store = env
    dee = await _person(coach, store, "dee", equipment={"dumbbells"}, units="lb")
    await dee.say("/log rdl 2x10 @ 35lb")
    clock.set_day(WEDNESDAY)
    await dee.say("/today")
    assert "2 x 10-12 @ 35 lb (aim 11)" in dee.sent[-1][1].text
    await dee.press(dee.last_id("session"), "plan:step")  # the first prompt is the RDL
    prompt = dee.sent[-1][1]
    assert prompt.title and "Romanian deadlift" in prompt.title and "@ 35 lb" in prompt.text
    await dee.press(dee.last_id("exercise"), "ex:done")
    rdl = [
        s for s in await user_sets(store, coach, "dee", WEDNESDAY) if "deadlift" in s.exercise_id
    ]
    assert [(s.reps, s.load_kg) for s in rdl] == [(11, to_kg(35, "lb"))] * 2


async def test_a_loaded_move_done_with_no_weight_known_says_so(env) -> None:
    coach, store = env
    dee = await _person(coach, store, "dee", equipment={"dumbbells"}, units="lb")
    text = text_of(await dee.say("/log rdl"))
    assert "No weight logged for Romanian deadlift (dumbbells)" in text
    assert '"3x10 @ 35lb"' in text  # in their unit
    assert "No weight" not in text_of(await dee.say("/log rdl 10 10 @ 35lb"))
    assert "No weight" not in text_of(await dee.say("/log glute bridge"))  # no weight to add


async def test_done_on_a_group_session_stores_each_members_own_load(env, clock: Clock) -> None:
    coach, store = env
    kit = Settings(equipment=frozenset({"bodyweight", "dumbbells"}))
    plan = plan_day(LIBRARY, kit, MONDAY)
    move = next(p for p in plan.main if LIBRARY.exercises[p.exercise_id].loaded)
    bob = Person(coach, "bob")
    clock.set_day(MONDAY - timedelta(days=3))  # the Friday before, in a private chat
    await bob.say(f"/log {move.name} 2x10 @ 16kg")
    clock.set_day(MONDAY)
    admin = Person(coach, "ada", chat="g-1", group=True, admin=True)
    await admin.say("/community on 07:00")
    await store.save_channel("test", "g-1", kit, True)
    channel = await store.get_channel("test", "g-1")
    assert channel is not None
    [session] = await coach.group_session(channel, MONDAY)
    assert move.name in session.text and "16 kg" not in session.text  # shown to everyone
    await admin.deliver(Reply([session]))
    in_group = Person(coach, "bob", chat="g-1", group=True)
    await in_group.press(admin.last_id("group_session"), "grp:done")
    sets = await user_sets(store, coach, "bob")
    assert _loads(s for s in sets if s.exercise_id == move.exercise_id) == {16.0}


# ---------------------------------------------------------------- names, read as theirs


async def test_rdl_is_the_rdl_a_bodyweight_person_does(env, clock: Clock) -> None:
    coach, store = env
    sam = await _person(coach, store, "sam")  # bodyweight only
    text = text_of(await sam.say("/log rdl"))
    assert "Logged Single-leg Romanian deadlift (bodyweight) as prescribed" in text
    clock.set_day(THURSDAY)  # a rest day: the week's RDL, then the one the kit allows
    howto = text_of(await sam.say("/howto rdl"))
    assert howto.splitlines()[1] == "Single-leg Romanian deadlift (bodyweight)"
    assert "Meant Romanian deadlift (dumbbells)? Send /howto db rdl." in howto
    assert "Romanian deadlift (dumbbells)" in text_of(await sam.say("/howto db rdl"))


async def test_a_name_their_kit_has_only_one_way_is_that_one(env) -> None:
    coach, store = env
    kim = await _person(coach, store, "kim", equipment={"kettlebell"}, level="intermediate")
    text = text_of(await kim.say("/log deadlift 3x8 @ 24kg"))
    assert "Logged Kettlebell deadlift: 8, 8, 8 reps @ 24 kg." in text  # no barbell
    assert "Logged Kettlebell goblet squat" in text_of(await kim.say("/log goblet squat 10 10"))
    gym = await _person(coach, store, "gus", equipment={"barbell"}, level="intermediate")
    assert "Logged Deadlift: " in text_of(await gym.say("/log deadlift 3x5 @ 100kg"))
    sam = await _person(coach, store, "sam")  # a full name that is no kit word away: that one
    assert "Logged Back extension" in text_of(await sam.say("/log back extension 12 12"))


async def test_a_plain_name_of_a_planned_move_is_that_move(env) -> None:
    coach, store = env
    dee = await _person(coach, store, "dee", equipment={"dumbbells"})
    assert "Romanian deadlift (dumbbells)" in text_of(await dee.say("/howto rdl"))
    assert "Meant" not in text_of(await dee.say("/howto rdl"))
    assert "Glute bridge" in text_of(await dee.say("/howto glute bridge"))


async def test_swap_reads_the_name_as_log_and_howto_do(env) -> None:
    coach, store = env
    dee = await _person(coach, store, "dee", equipment={"dumbbells", "band"})
    text = text_of(await dee.say("/swap rdl"))
    assert "Romanian deadlift (dumbbells)" in text and "Band pull-through" in text
    sam = await _person(coach, store, "sam")
    text = text_of(await sam.say("/swap rdl"))
    assert "Single-leg Romanian deadlift (bodyweight)" in text
    assert "Romanian deadlift (dumbbells)" not in text


def test_no_dose_says_rest_0_s() -> None:
    from bot.core import render

    for ex in LIBRARY.exercises.values():
        title, text = render.howto(ex, LIBRARY)
        assert "rest 0 s" not in text, title
        if ex.prescription.rest_seconds:
            assert f"rest {ex.prescription.rest_seconds} s" in text, title


async def test_done_at_a_weight_puts_it_on_the_loaded_moves_only(env) -> None:
    coach, store = env
    dee = await _person(coach, store, "dee", equipment={"dumbbells"})
    await dee.say("/today")
    text = text_of(await dee.say("all done @ 12kg", reply_to=dee.last_id("session")))
    assert "Logged as prescribed" in text and "No weight" not in text
    sets = await user_sets(store, coach, "dee")
    for s in sets:
        loaded = LIBRARY.exercises[s.exercise_id].loaded
        assert s.load_kg == (12.0 if loaded else None), s.exercise_id
    assert any(LIBRARY.exercises[s.exercise_id].loaded for s in sets)


# ---------------------------------------------------- a weight on a move done without one


async def test_a_weighted_pull_up_stays_in_the_log_and_the_plan_stays_pull_ups(
    env, clock: Clock
) -> None:
    coach, store = env
    kit = {"pullup_bar", "machine", "dumbbells", "band"}
    ada = await _person(coach, store, "ada", equipment=kit, level="advanced")
    text = text_of(await ada.say("/log pullups 3x6 @ 10kg"))
    assert "Logged Pull-up: 6, 6, 6 reps @ 10 kg." in text
    assert "Lat pulldown" not in text  # an easier move is no "loaded version" of a pull-up
    said = text_of(await ada.say("/log band pull aparts 3x12 @ 5kg"))  # a band's rating
    assert "Logged Band pull-apart: 12, 12, 12 reps @ 5 kg." in said
    clock.set_day(WEDNESDAY)
    await ada.say("/log pull ups 3x6")
    await ada.say("/log band pull apart done")
    later = await user_sets(store, coach, "ada", WEDNESDAY)
    assert later and _loads(later) == {None}  # not carried forward into what was prescribed
    assert _loads(await user_sets(store, coach, "ada")) == {10.0, 5.0}  # the log keeps them


async def test_in_a_group_names_are_read_against_the_group_session(env) -> None:
    coach, store = env
    admin = Person(coach, "ada", chat="g-1", group=True, admin=True)
    await admin.say("/community on 07:00")
    await store.save_channel(
        "test", "g-1", Settings(equipment=frozenset({"bodyweight", "dumbbells"})), True
    )
    di = Person(coach, "di", chat="g-1", group=True)  # bodyweight only, on their own
    text = text_of(await di.say("/log rdl 2x10 @ 12kg"))
    assert "Di: Logged Romanian deadlift (dumbbells): 10, 10 reps @ 12 kg." in text
    assert "Next up: Dumbbell bent-over row" in text  # the group session's next move
    assert "Romanian deadlift (dumbbells)" in text_of(await di.say("/howto rdl"))
    alone = Person(coach, "di")  # in a private chat: their own plan
    assert "Single-leg Romanian deadlift" in text_of(await alone.say("/howto rdl"))


async def test_asking_how_to_do_a_move_in_words_gets_its_how_to(env) -> None:
    coach, store = env
    sam = await _person(coach, store, "sam")
    howto = await sam.say("how do I do an RDL?")
    assert howto.messages[0].title == "Single-leg Romanian deadlift (bodyweight)"
    await sam.say("/today")
    asked = await sam.say("what's a superhero?", reply_to=sam.last_id("session"))
    assert asked.messages[0].title == "Superhero"
    assert await user_sets(store, coach, "sam") == []  # a question logs nothing
    assert "To log, reply" in text_of(await sam.say("how do I log?"))
