"""Gateway shards spread over processes: a process runs exactly the shards it is given
(BACKLINE_DISCORD_SHARDS), with discord.py's AutoShardedClient, against the fake Discord."""

from __future__ import annotations

from discord_harness import StartBot, person

from bot.adapters.discord import ShardedBacklineClient
from bot.adapters.discord_options import Shards
from tests.fakes.discord_server import FakeDiscord


async def test_a_process_identifies_only_its_own_shards(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    bot = await start_bot(shards=Shards((0, 2), 4))
    await fake.wait_identified(2)
    assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 4), (2, 4)]
    assert isinstance(bot.adapter.client, ShardedBacklineClient)
    await bot.fake.wait_for(bot.adapter.ready.is_set, what="every shard ready")
    assert bot.adapter.client.shard_count == 4


async def test_a_sharded_process_answers_dms_on_shard_0(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    bot = await start_bot(shards=Shards((0,), 2))
    await fake.wait_for(bot.adapter.ready.is_set, what="ready")
    ann = person("Ann")
    await fake.user_message(ann, "/today")
    await bot.settle()
    (answer,) = fake.sent_messages(fake.dm_channels[ann["id"]]["id"])
    assert answer["embeds"][0]["title"].startswith("Mon 11 May")
