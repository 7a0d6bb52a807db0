"""Charts and exports: uploads through interactions and pushes, checked against the spec."""

from __future__ import annotations

from discord_harness import Running, person

from bot import charts
from tests.fakes import discord_payloads as P
from tests.fakes.discord_server import FakeDiscord, Guild


async def log_something(fake: FakeDiscord, bot: Running, who: dict) -> None:
    inter = await fake.slash(who, "log", {"exercise": "glute-bridge", "sets": "15 15"})
    (callback,) = await fake.answers_to(inter)
    assert "Logged Glute bridge" in callback.body["data"]["content"]
    await bot.settle()


async def test_progress_arrives_as_an_embed_with_its_chart(fake: FakeDiscord, bot: Running) -> None:
    ann = person("Ann")
    await log_something(fake, bot, ann)
    await charts.warm()  # as the running bot does at start-up: no cold drawing process here
    inter = await fake.slash(ann, "progress")
    (callback,) = await fake.answers_to(inter)
    assert callback.files == ("files[0]",)  # multipart: payload_json + the PNG
    (embed,) = callback.body["data"]["embeds"]
    assert embed["title"] == "Your progress"
    assert embed["image"]["url"] == "attachment://progress.png"
    assert [a["filename"] for a in callback.body["data"]["attachments"]] == ["progress.png"]


async def test_an_export_asked_for_in_a_server_goes_to_the_dm(
    fake: FakeDiscord, guild: Guild, bot: Running
) -> None:
    ann = person("Ann")
    await log_something(fake, bot, ann)  # in a DM, so Backline knows where her DMs are
    inter = await fake.slash(ann, "export", guild=guild)
    (callback,) = await fake.answers_to(inter)
    await bot.settle()
    assert callback.body["data"]["flags"] & P.EPHEMERAL
    assert callback.body["data"]["content"] == "I've sent that to our private chat."

    (upload,) = [r for r in fake.requests if r.files and r.template.startswith("/channels/")]
    assert upload.path == f"/channels/{fake.dm_channels[ann['id']]['id']}/messages"
    (attachment,) = upload.body["attachments"]
    assert attachment["filename"].endswith(".csv")
    assert not any(m["attachments"] for m in fake.sent_messages(guild.channel["id"]))


async def test_howto_shows_the_drawing_in_its_embed_with_the_credit(
    fake: FakeDiscord, bot: Running
) -> None:
    inter = await fake.slash(person("Ann"), "howto", {"exercise": "pull-up"})
    (callback,) = await fake.answers_to(inter)
    assert callback.files == ("files[0]",)
    (embed,) = callback.body["data"]["embeds"]
    assert embed["title"] == "Pull-up"
    assert embed["image"]["url"] == "attachment://pull-up.png"
    assert embed["description"].endswith("Drawing: Everkinetic (everkinetic.com), CC BY-SA 4.0")
    assert [a["filename"] for a in callback.body["data"]["attachments"]] == ["pull-up.png"]

    swing = await fake.slash(person("Ann"), "howto", {"exercise": "kettlebell-swing"})
    (plain,) = await fake.answers_to(swing)
    assert plain.files == ()
    assert "image" not in plain.body["data"]["embeds"][0]
