"""`python -m bot` with discord.py's REST and gateway traffic sent to a local fake Discord
(FAKE_DISCORD_URL, as `FakeDiscord.point_discord` does in-process), for the process tests."""

import os
import sys

import discord
import yarl

from bot.cli import main
from tests.fakes.discord_spec import API_PREFIX

base = os.environ["FAKE_DISCORD_URL"]
discord.http.Route.BASE = base + API_PREFIX
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(base.replace("http", "ws") + "/gateway")
sys.exit(main())
