"""A community's daily group session: each member logs for themselves against one message."""

from __future__ import annotations

from tests.behaviour.driver import Driver, where_possible
from tests.behaviour.test_logging import FIRST, PLAN


async def test_two_members_log_against_one_group_session_each_their_own(bot: Driver) -> None:
    coach, ann, bob = bot.person("Coachy"), bot.person("Ann"), bot.person("Bob")
    group = await where_possible(bot.group(coach))
    channel = await bot.store.get_channel(bot.platform, group.chat_id)
    assert channel is not None and channel.settings.timezone == "Europe/Berlin"
    session = await bot.push_group_session(group)
    assert session.title.startswith("Group session")

    ann_said = await bot.reply(ann, session, "3x12 @ 16kg", group=group)
    bob_said = await bot.reply(bob, session, "12 10 10", group=group)
    [ann_ok] = ann_said.answers
    [bob_ok] = bob_said.answers
    # Each confirmation names its person and answers their own message.
    assert ann_ok.text.startswith("Ann: Logged") and ann_ok.reply_to == ann_said.id
    assert bob_ok.text.startswith("Bob: Logged") and bob_ok.reply_to == bob_said.id
    ann_sets, bob_sets = await bot.sets(ann), await bot.sets(bob)
    assert [(s.exercise_id, s.reps, s.load_kg) for s in ann_sets] == [(FIRST, 12, 16.0)] * 3
    assert [(s.exercise_id, s.reps) for s in bob_sets] == [(FIRST, r) for r in (12, 10, 10)]
    # The logs belong to the people, never to the group, and the admin logged nothing.
    assert (await bot.user(ann)).chat_id != group.chat_id
    assert await bot.sets(coach) == []


async def test_group_session_buttons_log_for_whoever_presses(bot: Driver) -> None:
    coach, ann, bob = bot.person("Coachy"), bot.person("Ann"), bot.person("Bob")
    group = await where_possible(bot.group(coach))
    session = await bot.push_group_session(group)
    assert session.buttons == bot.with_log_form("Done", "Skip")
    [ann_done] = await bot.press(ann, session, "Done")
    [bob_skip] = await bot.press(bob, session, "Skip")
    assert ann_done.text.startswith("Ann: Logged")
    assert bob_skip.text.startswith("Bob: Skipped")
    ann_sets, bob_sets = await bot.sets(ann), await bot.sets(bob)
    assert list(dict.fromkeys(s.exercise_id for s in ann_sets)) == PLAN
    assert ann_sets and not any(s.skipped for s in ann_sets)
    assert bob_sets and all(s.skipped for s in bob_sets)


async def test_chatter_in_the_group_is_left_alone_and_members_cannot_switch_it_off(
    bot: Driver,
) -> None:
    coach, ann = bot.person("Coachy"), bot.person("Ann")
    group = await where_possible(bot.group(coach))
    assert (await bot.send(ann, "anyone up for a run?", group=group)).answers == []
    [refused] = (await bot.send(ann, "/community off", group=group)).answers
    assert "Only group admins" in refused.text
    channel = await bot.store.get_channel(bot.platform, group.chat_id)
    assert channel is not None and channel.enabled
