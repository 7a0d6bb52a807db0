"""End to end: the real application (serve -> PTB -> Coach -> SQLite) against the fake Bot API.

Each test drives the bot the way people do in Telegram and checks both what Telegram received
and what the store now holds. What every platform does alike (/howto, logging, edits, bad
input) is tested once for all of them in tests/behaviour; these are Telegram's own parts.
"""

from __future__ import annotations

from pathlib import Path

from bot.content import default_library
from bot.core.commands import COMMANDS
from bot.core.render import howto
from tests.fakes.telegram_server import FakeTelegram
from tests.telegram.harness import TODAY, RunningBot, press, say, settled

PICTURES = Path(__file__).resolve().parents[2] / "content" / "images"
CREDIT_LINE = "Drawing: Everkinetic (everkinetic.com), CC BY-SA 4.0"


async def test_start_registers_the_command_menu(bot: RunningBot, tg: FakeTelegram) -> None:
    everyone = [c["command"] for c in tg.commands["default"]]
    private = [c["command"] for c in tg.commands["all_private_chats"]]
    groups = [c["command"] for c in tg.commands["all_group_chats"]]
    admins = [c["command"] for c in tg.commands["all_chat_administrators"]]
    assert everyone == private == [c.name for c in COMMANDS if not c.admin_only]
    assert groups == [c.name for c in COMMANDS if c.groups and not c.admin_only]
    assert admins == [*groups, "community"]
    for must in ("today", "howto", "start", "settings", "help"):
        assert must in everyone
    assert "community" not in everyone
    assert {"today", "howto", "log", "help"} <= set(groups)
    assert not {"start", "settings", "forget", "export"} & set(groups)  # personal: in private


async def test_onboarding_by_buttons(bot: RunningBot, tg: FakeTelegram) -> None:
    ada = tg.user(1001, "Ada")
    intro, question = await say(tg, ada, "/start")
    assert intro.html.startswith("<b>Welcome to Backline</b>")
    steps = 0
    while question.buttons:
        steps += 1
        assert question.html.startswith("<b>Setup ")
        first_label = question.buttons[0][0][0]
        [question] = await press(tg, ada, question, first_label)
        assert steps < 12, "onboarding never ended"
    assert steps >= 5
    assert question.html.startswith("<b>You're in</b>")
    # Every tap was acknowledged; the step taps with "Got it".
    assert len(tg.callback_answers) == steps
    assert "Got it" in tg.callback_answers.values()
    user = await bot.user(ada)
    assert user.settings.onboarded
    assert user.settings.level == "beginner"  # the first choice of the level step
    assert bot.store is not None and await bot.store.get_state(user.id) is None


async def test_today_sends_the_session_with_buttons_and_remembers_it(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    ada = tg.user(1001, "Ada")
    [session] = await say(tg, ada, "/today")
    assert session.html.startswith("<b>Mon 23 Nov")
    assert session.parse_mode == "HTML"
    assert [data for row in session.buttons for _, data in row] == [
        "plan:step",
        "plan:done",
        "plan:skip",
    ]
    assert bot.store is not None
    link = await bot.store.resolve_message("telegram", str(ada.id), str(session.message_id))
    assert link is not None and link.link.kind == "session" and link.link.plan_date == TODAY


async def test_howto_rdl_is_one_message_with_the_rest_a_tap_away(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    ada = tg.user(1001, "Ada")
    # The whole how-to is longer than a caption: the drawing carries what to read before the
    # first rep (and its credit), one tap brings the cues and tips.
    [photo] = await say(tg, ada, "/howto db rdl")
    assert photo.method == "sendPhoto" and photo.html.startswith("<b>Romanian deadlift")
    assert (
        photo.file is not None
        and photo.file.data == PICTURES.joinpath(photo.file.filename).read_bytes()
    )
    assert len(photo.text) <= 1024 and photo.text.endswith(CREDIT_LINE)
    for essential in ("Works: ", "Dose: 3 x", "1. Stand", "5. Press", "Safety: "):
        assert essential in photo.text
    assert "Cues:" not in photo.text
    assert [label for row in photo.buttons for label, _ in row] == ["Cues & tips"]
    [tips] = await press(tg, ada, photo, "Cues & tips")
    assert tips.method == "sendMessage" and tips.html.startswith("<b>Romanian deadlift")
    for detail in ("Cues: • Hips back", "Watch out for: ", "Easier: ", "Harder: "):
        assert detail in tips.text
    assert tg.callback_answers and "Cues & tips" in tg.callback_answers.values()
    # Nothing a reader could see before is lost: every line of the whole how-to is in one
    # of the two messages.
    library = default_library()
    _, whole = howto(library.exercises["romanian-deadlift-dumbbell"], library)
    shown = photo.text.splitlines() + tips.text.splitlines()
    assert [line for line in whole.splitlines() if line and line not in shown] == []
    # Replying to the tips with sets is understood like a reply to the how-to.
    assert bot.store is not None
    link = await bot.store.resolve_message("telegram", str(ada.id), str(tips.message_id))
    assert link is not None and link.link.kind == "howto"


async def test_a_short_howto_is_the_caption_of_its_drawing(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    ada = tg.user(1001, "Ada")
    [photo] = await say(tg, ada, "/howto pull-up")
    assert photo.method == "sendPhoto" and photo.html.startswith("<b>Pull-up</b>")
    assert photo.file is not None and photo.file.filename == "pull-up.png"
    assert photo.text.endswith(CREDIT_LINE) and len(photo.text) <= 1024
    [text_only] = await say(tg, ada, "/howto kb swing")
    assert text_only.method == "sendMessage" and "Drawing:" not in text_only.text


async def test_done_and_skip_buttons_log_step_by_step(bot: RunningBot, tg: FakeTelegram) -> None:
    ada = tg.user(1001, "Ada")
    [session] = await say(tg, ada, "/today")
    [first] = await press(tg, ada, session, "Log step by step")
    assert [label for row in first.buttons for label, _ in row] == ["Done", "Skip", "Swap"]
    [second] = await press(tg, ada, first, "Done")
    assert second.text.startswith("Logged") and second.buttons
    [third] = await press(tg, ada, second, "Skip")
    assert third.text.startswith("Skipped")
    logged = await bot.sets(ada)
    skipped: dict[str, list[bool]] = {}
    for s in logged:
        skipped.setdefault(s.exercise_id, []).append(s.skipped)
    done_sets, skip_sets = skipped.values()
    assert done_sets and not any(done_sets)
    assert skip_sets == [True]
    assert {"Let's go", "Done", "Skip"} <= set(tg.callback_answers.values())


async def test_two_members_log_for_themselves_against_one_group_message(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    ada, bo = tg.user(1001, "Ada"), tg.user(1002, "Bo")
    club = tg.group(-1001234567890, "Glute Club")
    tg.make_admin(club, ada)
    [on] = await say(tg, ada, "/community@backline_test_bot on 07:30 Europe/Berlin", chat=club)
    assert "Group session on" in on.text
    assert [c.params["user_id"] for c in tg.calls("getChatMember")] == [ada.id]
    assert bot.store is not None
    channel = await bot.store.get_channel("telegram", str(club.id))
    assert channel is not None and channel.enabled

    [group_session] = await say(tg, bo, "/today", chat=club)
    assert group_session.html.startswith("<b>Group session")
    before = len(tg.sent_to(club))
    ada_said = tg.send(ada, "12 10 10", chat=club, reply_to=group_session)
    bo_said = tg.send(bo, "8 8", chat=club, reply_to=group_session)
    ada_ok, bo_ok = await settled(tg, ada, club, before)

    # Each confirmation names its person and quotes their message.
    assert ada_ok.text.startswith("Ada: Logged") and ada_ok.reply_to == ada_said.message_id
    assert bo_ok.text.startswith("Bo: Logged") and bo_ok.reply_to == bo_said.message_id
    assert [s.reps for s in await bot.sets(ada)] == [12, 10, 10]
    assert [s.reps for s in await bot.sets(bo)] == [8, 8]
    # The logs belong to the people, never to the group chat.
    assert (await bot.user(ada)).chat_id != str(club.id)


async def test_a_member_who_is_not_admin_is_refused_politely(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    bo = tg.user(1002, "Bo")
    club = tg.group(-1001234567890, "Glute Club")
    [refusal] = await say(tg, bo, "/community on", chat=club)
    assert "Only group admins" in refusal.text
    assert bot.store is not None
    assert await bot.store.get_channel("telegram", str(club.id)) is None


async def test_commands_for_another_bot_in_a_group_are_left_alone(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    ada = tg.user(1001, "Ada")
    club = tg.group(-1001234567890, "Glute Club")
    assert await say(tg, ada, "/today@some_other_bot", chat=club) == []


async def test_the_same_update_delivered_twice_logs_once(bot: RunningBot, tg: FakeTelegram) -> None:
    ada = tg.user(1001, "Ada")
    [session] = await say(tg, ada, "/today")
    before = len(tg.sent_to(ada))
    reply = tg.send(ada, "12 10 10", reply_to=session)
    tg.redeliver(reply)
    [confirmation] = await settled(tg, ada, None, before)
    assert "Logged" in confirmation.text
    assert [s.reps for s in await bot.sets(ada)] == [12, 10, 10]


async def test_a_restart_in_the_middle_of_logging(bot: RunningBot, tg: FakeTelegram) -> None:
    ada = tg.user(1001, "Ada")
    [session] = await say(tg, ada, "/today")
    [first] = await press(tg, ada, session, "Log step by step")

    await bot.restart()

    # A reply to the prompt sent before the restart still lands on its exercise...
    [second] = await say(tg, ada, "10 10", reply_to=first)
    assert "Logged" in second.text and second.buttons
    # ...and the step-by-step conversation carries on with plain typing.
    [confirmation] = await say(tg, ada, "9 9")
    assert "Logged" in confirmation.text
    logged = await bot.sets(ada)
    exercises = list(dict.fromkeys(s.exercise_id for s in logged))
    assert len(exercises) == 2
    assert [s.reps for s in logged if s.exercise_id == exercises[0]] == [10, 10]
    assert [s.reps for s in logged if s.exercise_id == exercises[1]] == [9, 9]


async def test_an_anonymous_admin_can_turn_on_the_group_session(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    """Anonymous admins post as the group itself; Telegram names GroupAnonymousBot as sender."""
    ada = tg.user(1001, "Ada")
    club = tg.group(-1001234567890, "Glute Club")
    anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group"}
    before = len(tg.sent_to(club))
    other_bot = {"id": 777, "is_bot": True, "first_name": "OtherBot"}
    for sender, extra, text in (
        (anonymous, {"sender_chat": club.to_api()}, "/community on 18:00"),
        (other_bot, {}, "/help"),  # bots talking in the group get no answer
    ):
        command = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        message = {"message_id": 5000 + len(text), "date": 1, "chat": club.to_api()}
        message |= {"from": sender, "text": text, "entities": [command], **extra}
        tg.inject({"message": message}, chat=club, message_id=None)
    [on] = await settled(tg, ada, club, before)
    assert "Group session on" in on.text
    assert tg.calls("getChatMember") == []
    assert bot.store is not None
    channel = await bot.store.get_channel("telegram", str(club.id))
    assert channel is not None and channel.enabled


async def test_each_drawing_is_uploaded_once_then_sent_by_its_file_id(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    ada, bo = tg.user(1001, "Ada"), tg.user(1002, "Bo")
    [first] = await say(tg, ada, "/howto pull-up")
    assert tg.photos_by_id == 0 and first.file is not None
    [again] = await say(tg, bo, "/howto pull-up")
    assert tg.photos_by_id == 1  # sent by the stored file_id: no second upload
    assert again.file == first.file and again.text == first.text
    # The id is stored, so a restarted bot doesn't upload the picture again either.
    await bot.restart()
    await say(tg, ada, "/howto pull-up")
    assert tg.photos_by_id == 2
    assert bot.store is not None
    (stored,) = await bot.store.read("SELECT count(*) FROM uploaded_files")
    assert stored[0] == 1


async def test_a_file_id_telegram_no_longer_knows_is_replaced(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    ada = tg.user(1001, "Ada")
    [first] = await say(tg, ada, "/howto pull-up")
    tg.photo_ids.clear()  # Telegram forgot the bot's files
    [again] = await say(tg, ada, "/howto pull-up")
    assert again.method == "sendPhoto" and again.file == first.file
    assert tg.photos_by_id == 0
    [third] = await say(tg, ada, "/howto pull-up")
    assert tg.photos_by_id == 1 and third.file == first.file


async def test_a_step_by_step_prompt_with_a_drawing_is_a_photo_you_can_reply_to(
    bot: RunningBot, tg: FakeTelegram
) -> None:
    ada = tg.user(1001, "Ada")
    [session] = await say(tg, ada, "/today")
    [prompt] = await press(tg, ada, session, "plan:step")
    for _ in range(8):  # walk the session until a move with a drawing comes up
        if prompt.method == "sendPhoto":
            break
        assert "Drawing:" not in prompt.text
        [prompt] = await press(tg, ada, prompt, "ex:done")  # the log line leads the next
    assert prompt.method == "sendPhoto", "no exercise with a drawing in the session"
    assert prompt.text.endswith(CREDIT_LINE) and len(prompt.text) <= 1024
    assert [data for row in prompt.buttons for _, data in row] == [
        "ex:done",
        "ex:skip",
        "swap:glute-bridge",
    ]
    answers = await say(tg, ada, "15 15", reply_to=prompt)
    assert any("Logged" in a.text for a in answers)
