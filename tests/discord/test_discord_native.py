"""Discord feeling like Discord: group /today on the group's date, ephemeral refusals, options
with choices, select menus, the Log modal and user installs (the real client, the fake
Discord, the real Coach over SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from discord_harness import (
    Running,
    community,
    log_by_form,
    person,
    stored_user,
    todays_session,
)

from bot.app import open_coach
from bot.core.coach import Coach
from bot.core.ports import Persistence
from bot.store import SqliteStore
from tests.fakes import discord_payloads as P
from tests.fakes.discord_server import FakeDiscord, Guild

# Monday 11:00 in UTC is already Tuesday 01:00 on Kiritimati (UTC+14).
MONDAY_11_UTC = datetime(2026, 5, 11, 11, 0, tzinfo=UTC)


@pytest.fixture
async def coach_store(tmp_path: Path) -> AsyncIterator[tuple[Coach, Persistence]]:
    coach, store = await open_coach(tmp_path / "backline.db", clock=lambda: MONDAY_11_UTC)
    yield coach, store
    await store.close()


def content(callback: Any) -> str:
    data = callback.body["data"]
    embeds = data.get("embeds") or []
    return "\n".join([data.get("content") or ""] + [
        f"{e.get('title', '')}\n{e.get('description', '')}" for e in embeds
    ])  # fmt: skip


async def test_group_today_on_a_group_rest_day_says_so_and_names_the_next_day(
    fake: FakeDiscord, guild: Guild, bot: Running
) -> None:
    on = await community(fake, person("Coachy"), guild, "on 06:00 Pacific/Kiritimati")
    assert content(on).startswith("Group session on!")
    inter = await fake.slash(person("Ann"), "today", guild=guild)
    (answer,) = await fake.answers_to(inter)
    shown = content(answer)
    assert "Tue 12 May · Group rest day" in shown
    assert "Next group session: Wed 13 May at 06:00." in shown
    assert "Done." not in shown
    # Ann's own Monday is still hers in a DM.
    mine = await fake.slash(person("Ann"), "today")
    (own,) = await fake.answers_to(mine)
    assert "Mon 11 May" in content(own)


def components(msg: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in msg.get("components") or [] for c in row["components"]]


async def test_commands_are_installable_by_servers_and_people_with_settings_options(
    fake: FakeDiscord, bot: Running
) -> None:
    (put,) = [r for r in fake.requests if r.method == "PUT"]
    by_name = {c["name"]: c for c in put.body}
    for name, cmd in by_name.items():
        if name == "community":  # servers only
            assert (cmd["integration_types"], cmd["contexts"]) == ([0], [0])
        else:  # a server install, or a person's own (DMs with the bot, their private chats)
            assert (sorted(cmd["integration_types"]), sorted(cmd["contexts"])) == (
                [0, 1],
                [0, 1, 2],
            )
    options = {o["name"]: o for o in by_name["settings"]["options"]}
    assert list(options) == ["level", "equipment", "split", "days", "time", "timezone", "units"]
    assert {"name": "Some experience", "value": "intermediate"} in options["level"]["choices"]
    assert {"name": "Full gym", "value": "gym"} in options["equipment"]["choices"]
    assert [c["value"] for c in options["units"]["choices"]] == ["kg", "lb"]
    assert options["timezone"]["autocomplete"] is True
    assert options["split"]["autocomplete"] is True
    assert not any(o.get("required") for o in options.values())


async def test_settings_options_change_several_at_once_for_the_asker_alone(
    fake: FakeDiscord, guild: Guild, bot: Running, store: SqliteStore
) -> None:
    ann = person("Ann")
    inter = await fake.slash(
        ann, "settings", {"level": "advanced", "units": "lb", "time": "06:45"}, guild=guild
    )
    (answer,) = await fake.answers_to(inter)
    assert answer.body["data"]["flags"] & P.EPHEMERAL
    said = "Done. Level: Advanced. Sessions on Mon Wed Fri at 06:45 UTC. Units: lb."
    assert said in content(answer)
    user = await stored_user(store, ann)
    assert (user.settings.level, user.settings.units) == ("advanced", "lb")
    assert user.settings.reminder_time.strftime("%H:%M") == "06:45"
    bad = await fake.slash(ann, "settings", {"time": "25:99"}, guild=guild)
    (refused,) = await fake.answers_to(bad)
    assert refused.body["data"]["flags"] & P.EPHEMERAL and "doesn't exist" in content(refused)


async def test_timezone_option_autocompletes_cities_and_confirms_a_guess(
    fake: FakeDiscord, bot: Running, store: SqliteStore
) -> None:
    ann = person("Ann")
    typing = await fake.slash(ann, "settings", {"timezone": "berl"}, focused="timezone")
    (callback,) = await fake.answers_to(typing)
    assert callback.body["type"] == 8
    assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in callback.body["data"]["choices"]
    by_city = await fake.slash(ann, "settings", {"timezone": "new york"})
    (asked,) = await fake.answers_to(by_city)
    assert "America/New_York, it's 07:00 there now?" in content(asked).replace("\\", "")
    await bot.settle()
    (question,) = fake.shown_for(by_city)
    yes = next(c["custom_id"] for c in components(question) if c["label"] == "Yes")
    press = await fake.press(ann, question, yes)
    await fake.answers_to(press)
    user = await stored_user(store, ann)
    assert user.settings.timezone == "America/New_York"


async def test_the_log_button_opens_a_form_and_its_answer_is_logged(
    fake: FakeDiscord, guild: Guild, bot: Running, store: SqliteStore
) -> None:
    ann = person("Ann")
    _, session = await todays_session(fake, bot, ann)
    opened, answer = await log_by_form(fake, ann, session, "done")
    assert opened.body["type"] == 9  # a modal
    form = opened.body["data"]
    assert form["custom_id"] == "backline-form:plan:log" and form["title"] == "Log sets"
    assert "Logged" in content(answer) or "Great" in content(answer), content(answer)
    user = await stored_user(store, ann)
    assert await store.sets_on(user.id, MONDAY_11_UTC.date())


async def test_onboarding_offers_many_timezones_as_one_select_menu(
    fake: FakeDiscord, bot: Running, store: SqliteStore
) -> None:
    ann = person("Ann")
    inter = await fake.slash(ann, "start")
    await fake.answers_to(inter)
    await bot.settle()
    message = fake.shown_for(inter)[-1]
    while P.custom_ids(message) != ["backline-menu"]:  # until the timezone question
        answer = P.custom_ids(message)[0].removeprefix("backline:")
        assert answer.startswith("ob:"), P.custom_ids(message)
        press = await fake.press(ann, message, "backline:" + answer)
        await fake.answers_to(press)
        await bot.settle()
        message = fake.shown_for(press)[-1]
    (menu,) = components(message)
    assert (menu["type"], menu["custom_id"]) == (3, "backline-menu")
    assert len(menu["options"]) == 8 and menu["placeholder"] == "Pick one"
    chosen = {"custom_id": "backline-menu", "component_type": 3,
              "values": ["ob:timezone:Asia/Kolkata"]}  # fmt: skip
    pick = await fake.interact(3, chosen, ann, message=message)
    (chose,) = await fake.answers_to(pick)
    assert "kilograms or pounds" in content(chose)
    user = await stored_user(store, ann)
    assert user.settings.timezone == "Asia/Kolkata"


async def test_a_user_install_in_someone_elses_dm_answers_for_the_asker_alone(
    fake: FakeDiscord, bot: Running
) -> None:
    ann, bo = person("Ann"), person("Bo")
    their_dm = P.dm_channel(bo)  # Ann uses her installed Backline in her DM with Bo
    cmd = next(c for c in fake.commands if c["name"] == "settings")
    data = {"id": cmd["id"], "name": "settings", "type": 1, "options": []}
    payload = P.interaction(2, data, app_id=fake.app_id, who=ann, channel=their_dm, guild_id=None)
    payload["context"] = 2
    payload["authorizing_integration_owners"] = {"1": ann["id"]}
    fake.interactions[payload["token"]] = payload
    await fake.dispatch("INTERACTION_CREATE", payload)
    (answer,) = await fake.answers_to(payload)
    assert answer.body["data"]["flags"] & P.EPHEMERAL  # Bo doesn't see Ann's settings
    assert "Level:" in content(answer)


async def test_a_user_install_works_in_the_persons_dm_with_the_bot(
    fake: FakeDiscord, bot: Running, store: SqliteStore
) -> None:
    ann = person("Ann")  # shares no server with the bot: she installed it on her account
    cmd = next(c for c in fake.commands if c["name"] == "today")
    data = {"id": cmd["id"], "name": "today", "type": 1, "options": []}
    dm = fake.dm_channel_for(ann)
    payload = P.interaction(2, data, app_id=fake.app_id, who=ann, channel=dm, guild_id=None)
    payload["authorizing_integration_owners"] = {"1": ann["id"]}
    fake.interactions[payload["token"]] = payload
    await fake.dispatch("INTERACTION_CREATE", payload)
    (answer,) = await fake.answers_to(payload)
    assert not answer.body["data"].get("flags", 0) & P.EPHEMERAL  # her own DM: nothing to hide
    assert "Mon 11 May" in content(answer)
    user = await stored_user(store, ann)
    assert user.chat_id == ann["id"]  # pushes go to her DM from now on
