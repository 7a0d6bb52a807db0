"""Discord's process settings: shards, the gateway switch and the public key, each checked at
start with one line that names the variable and how to put it right."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.discord_options import BadShards, Shards, gateway_on, parse_shards
from bot.config import ConfigError, load_config

DISCORD = "MTEyMjMzNDQ1NTY2Nzc4ODk5.GfAkeT.backline-test-token-must-never-be-logged"
KEY = "ab" * 32


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in list(os.environ):
        if name.upper().startswith("BACKLINE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKLINE_DISCORD_TOKEN", DISCORD)
    yield tmp_path


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


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("BACKLINE_DISCORD_PUBLIC_KEY", "not-a-key", "64 hexadecimal characters"),
        ("BACKLINE_DISCORD_PUBLIC_KEY", "ab" * 31, "64 hexadecimal characters"),
        ("BACKLINE_DISCORD_SHARDS", "5/4", "numbered 0 to 3"),
        ("BACKLINE_DISCORD_GATEWAY", "maybe", "on or off"),
    ],
)
def test_a_bad_discord_setting_is_one_clear_line(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv("BACKLINE_HTTP_PORT", "8080")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_config()
    [problem] = caught.value.problems
    assert problem.startswith(variable + " ") and says in problem
    assert "\n" not in problem


def test_the_public_key_needs_the_http_endpoint(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKLINE_DISCORD_PUBLIC_KEY", KEY)
    with pytest.raises(ConfigError) as caught:
        load_config()
    [problem] = caught.value.problems
    assert "BACKLINE_DISCORD_PUBLIC_KEY also needs BACKLINE_HTTP_PORT" in problem
    monkeypatch.setenv("BACKLINE_HTTP_PORT", "8080")
    config = load_config()
    assert config.value("discord_public_key") == KEY


def test_the_adapter_is_built_from_the_settings(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.adapters.base import NO_HOOKS
    from bot.adapters.discord import create
    from bot.adapters.discord_http import PATH

    monkeypatch.setenv("BACKLINE_HTTP_PORT", "8080")
    monkeypatch.setenv("BACKLINE_DISCORD_PUBLIC_KEY", KEY)
    monkeypatch.setenv("BACKLINE_DISCORD_SHARDS", "1-2/3")
    monkeypatch.setenv("BACKLINE_DISCORD_GATEWAY", "off")
    adapter = create(object(), load_config(), NO_HOOKS)  # type: ignore[arg-type]
    assert adapter.shards == Shards((1, 2), 3) and not adapter.gateway
    assert [r.path for r in adapter.routes] == [PATH]
