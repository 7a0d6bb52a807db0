"""Discord's process settings: shards and the gateway switch as parsed, and the adapter they
make (each bad value's one-line message is checked with the others in tests/ops)."""

from __future__ import annotations

import pytest

from bot.adapters.base import NO_HOOKS
from bot.adapters.discord import create
from bot.adapters.discord_http import PATH
from bot.adapters.discord_options import BadShards, Shards, gateway_on, parse_shards
from bot.config import Config

DISCORD = "MTEyMjMzNDQ1NTY2Nzc4ODk5.GfAkeT.backline-test-token-must-never-be-logged"
KEY = "ab" * 32


@pytest.mark.parametrize(
    ("text", "ids", "count"),
    [("0-1/4", (0, 1), 4), ("0,2/4", (0, 2), 4), ("3/4", (3,), 4), ("0/1", (0,), 1),
     (" 0-1, 5 / 8", (0, 1, 5), 8)],
)  # fmt: skip
def test_shards_are_ids_and_ranges_out_of_a_count(
    text: str, ids: tuple[int, ...], count: int
) -> None:
    assert parse_shards(text) == Shards(ids, count)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0,1", "shard ids and the total count"),
        ("4/4", "numbered 0 to 3"),
        ("0-1,1/4", "names a shard twice"),
        ("2-1/4", "backwards"),
        ("a/4", "numbers or ranges"),
        ("0/0", "count that is not from 1"),
    ],
)
def test_bad_shards_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(BadShards, match=says):
        parse_shards(text)


def test_dms_are_on_shard_0() -> None:
    assert parse_shards("0-1/4").has_dms and not parse_shards("2-3/4").has_dms


def test_the_gateway_is_on_unless_switched_off() -> None:
    assert gateway_on(None) and gateway_on("on") and gateway_on("TRUE")
    assert not gateway_on("off") and not gateway_on(" Off ") and not gateway_on("0")


def test_the_adapter_is_built_from_the_settings() -> None:
    config = Config(  # type: ignore[call-arg]
        discord_token=DISCORD,
        discord_public_key=KEY,
        discord_shards="1-2/3",
        discord_gateway="off",
        http_port=8080,
        _env_file=None,
    )
    adapter = create(object(), config, NO_HOOKS)  # type: ignore[arg-type]
    assert adapter.shards == Shards((1, 2), 3) and not adapter.gateway
    assert [r.path for r in adapter.routes] == [PATH]
