"""Configuration: every bad setting has its own clear message, secrets never show."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Config, ConfigError, load_config, unknown_variables
from bot.ops.redaction import redact

TELEGRAM = "123456789:AAE-fake-token-that-must-never-be-logged"
DISCORD = "MTEyMjMzNDQ1NTY2Nzc4ODk5.GfAkeT.backline-test-token-must-never-be-logged"
SECRET = "webhook-secret-that-must-never-be-logged"


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("BACKLINE_TELEGRAM_TOKEN", "12345-not-a-token-AAE-secretpart", "@BotFather"),
        ("BACKLINE_TELEGRAM_TOKEN", "123456789:short", "Telegram bot token"),
        ("BACKLINE_DISCORD_TOKEN", "a-discord-application-id-1234567", "Developer Portal"),
        ("BACKLINE_TELEGRAM_API_URL", "localhost:9999", "http:// or https://"),
        ("BACKLINE_TELEGRAM_WEBHOOK_URL", "http://bot.example.org/tg", "https://"),
        ("BACKLINE_HTTP_PORT", "eighty", "port number from 1 to 65535"),
        ("BACKLINE_HTTP_PORT", "70000", "port number from 1 to 65535"),
        ("BACKLINE_PUSH_GRACE_MINUTES", "-5", "0 to 1440"),
        ("BACKLINE_NUDGE_AFTER_HOURS", "13", "0 to turn the nudge off"),
        ("BACKLINE_LOG_LEVEL", "chatty", "DEBUG, INFO, WARNING, ERROR"),
        ("BACKLINE_DISCORD_PUBLIC_KEY", "not-a-key", "64 hexadecimal characters"),
        ("BACKLINE_DISCORD_PUBLIC_KEY", "ab" * 31, "64 hexadecimal characters"),
        ("BACKLINE_DISCORD_SHARDS", "5/4", "numbered 0 to 3"),
        ("BACKLINE_DISCORD_SHARDS", "0,1", "shard ids and the total count"),
        ("BACKLINE_DISCORD_GATEWAY", "maybe", "on or off"),
    ],
)
def test_each_bad_setting_names_itself_and_the_fix(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_config()
    [problem] = caught.value.problems
    assert problem.startswith(variable + " ")
    assert says in problem
    assert value not in str(caught.value)  # a mistyped token is still a secret
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_discords_public_key_needs_the_http_endpoint(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "ab" * 32
    monkeypatch.setenv("BACKLINE_DISCORD_TOKEN", DISCORD)
    monkeypatch.setenv("BACKLINE_DISCORD_PUBLIC_KEY", key)
    with pytest.raises(ConfigError) as caught:
        load_config()
    [problem] = caught.value.problems
    assert problem.startswith("BACKLINE_DISCORD_PUBLIC_KEY also needs BACKLINE_HTTP_PORT")
    monkeypatch.setenv("BACKLINE_HTTP_PORT", "8080")
    assert load_config().value("discord_public_key") == key


def test_all_problems_are_reported_together(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKLINE_TELEGRAM_TOKEN", "nope")
    monkeypatch.setenv("BACKLINE_HTTP_PORT", "0")
    monkeypatch.setenv("BACKLINE_LOG_LEVEL", "loud")
    with pytest.raises(ConfigError) as caught:
        load_config()
    named = [p.split()[0] for p in caught.value.problems]
    assert named == ["BACKLINE_TELEGRAM_TOKEN", "BACKLINE_HTTP_PORT", "BACKLINE_LOG_LEVEL"]
    assert str(caught.value).startswith("Backline's configuration has 3 problems:")


def test_webhook_mode_says_what_else_it_needs(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKLINE_TELEGRAM_TOKEN", TELEGRAM)
    monkeypatch.setenv("BACKLINE_TELEGRAM_WEBHOOK_URL", "https://bot.example.org/tg/hook")
    with pytest.raises(ConfigError) as caught:
        load_config()
    [problem] = caught.value.problems
    assert "BACKLINE_TELEGRAM_WEBHOOK_SECRET" in problem and "BACKLINE_HTTP_PORT" in problem
    monkeypatch.setenv("BACKLINE_TELEGRAM_WEBHOOK_SECRET", "short")
    monkeypatch.setenv("BACKLINE_HTTP_PORT", "8080")
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert caught.value.problems[0].startswith("BACKLINE_TELEGRAM_WEBHOOK_SECRET ")
    monkeypatch.setenv("BACKLINE_TELEGRAM_WEBHOOK_SECRET", SECRET)
    config = load_config()
    assert config.webhook_path("telegram") == "/tg/hook"


def test_env_file_is_read_and_the_environment_wins(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / ".env").write_text(
        f"# a comment\nBACKLINE_DB=/srv/backline/bot.db\nBACKLINE_TELEGRAM_TOKEN='{TELEGRAM}'\n"
        "BACKLINE_PUSH_GRACE_MINUTES=30\nBACKLINE_NUDGE_AFTER_HOURS=0\nCOMPOSE_PROJECT_NAME=x\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("BACKLINE_DB", "/elsewhere/from-env.db")
    config = load_config()
    assert config.db_path == Path("/elsewhere/from-env.db")
    assert config.value("telegram_token") == TELEGRAM
    assert config.platforms == ["telegram"]
    pushes = config.push_config()
    assert pushes.grace == timedelta(minutes=30) and pushes.nudge_after is None


def test_env_file_can_live_elsewhere(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = clean_env / "conf" / "backline.env"
    other.parent.mkdir()
    other.write_text("BACKLINE_HTTP_PORT=9100\n", encoding="utf-8")
    monkeypatch.setenv("BACKLINE_ENV_FILE", str(other))
    assert load_config().http_port == 9100


def test_defaults_without_any_setting(clean_env: Path) -> None:
    config = load_config()
    assert config.db_path == Path("backline.db")
    assert config.platforms == [] and config.http_port is None
    assert config.telegram_webhook_url is None
    pushes = config.push_config()
    assert pushes.grace == timedelta(hours=3) and pushes.nudge_after == timedelta(hours=4)


def test_empty_and_padded_values(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKLINE_DISCORD_TOKEN", "")  # VAR= in compose: not set
    monkeypatch.setenv("BACKLINE_TELEGRAM_TOKEN", f"  {TELEGRAM}\n")
    config = load_config()
    assert config.discord_token is None
    assert config.value("telegram_token") == TELEGRAM


def test_secrets_stay_out_of_repr_logs_and_tracebacks(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("BACKLINE_TELEGRAM_TOKEN", TELEGRAM)
    monkeypatch.setenv("BACKLINE_DISCORD_TOKEN", DISCORD)
    monkeypatch.setenv("BACKLINE_TELEGRAM_WEBHOOK_URL", "https://bot.example.org/tg")
    monkeypatch.setenv("BACKLINE_TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("BACKLINE_HTTP_PORT", "8080")
    config = load_config()
    for secret in (TELEGRAM, DISCORD, SECRET):
        assert secret not in repr(config) and secret not in str(config)
    log = logging.getLogger("backline.test")
    with caplog.at_level(logging.INFO):
        log.info("connecting to https://gateway/?token=%s", DISCORD)
        try:
            raise RuntimeError(f"POST /bot{TELEGRAM}/getMe failed; secret {SECRET}")
        except RuntimeError:
            log.exception("request failed")
    logged = caplog.text
    for secret in (TELEGRAM, DISCORD, SECRET, TELEGRAM.partition(":")[2]):
        assert secret not in logged
    assert "<discord-token>" in logged and "<telegram-token>" in logged
    assert "<webhook-secret>" in logged
    assert redact(f"x{DISCORD}y") == "x<discord-token>y"


def test_unknown_backline_variables_are_pointed_out(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKLINE_TELEGRAM_TOKNE", TELEGRAM)
    (clean_env / ".env").write_text("BACKLINE_HTTP_PROT=80\n", encoding="utf-8")
    found = unknown_variables()
    assert found == [
        "BACKLINE_HTTP_PROT is not a Backline setting (did you mean BACKLINE_HTTP_PORT?)",
        "BACKLINE_TELEGRAM_TOKNE is not a Backline setting (did you mean BACKLINE_TELEGRAM_TOKEN?)",
    ]
    assert TELEGRAM not in " ".join(found)


def test_config_built_in_code_takes_field_names() -> None:
    config = Config(db_path=Path("x.db"), telegram_token=TELEGRAM, _env_file=None)
    assert config.db_path == Path("x.db") and config.platforms == ["telegram"]
