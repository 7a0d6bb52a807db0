"""Host configuration: environment variables and an optional .env file (pydantic-settings).

Every setting is one `BACKLINE_*` variable (deploy/.env.example lists them all). `load_config()`
validates them together and raises `ConfigError` with one line per bad setting, naming the
variable and how to fix it; it never quotes a value, so a token can't leak through an error.
Tokens are `SecretStr` (hidden in repr) and are redacted from all logging once loaded.

Only the commands that need configuration (run, doctor, backup) import this module: pydantic
costs start-up time that `backline howto` must not pay.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic import model_validator as _model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from scheduler.config import PushConfig

ENV_FILE_VAR = "BACKLINE_ENV_FILE"
TELEGRAM_TOKEN = re.compile(r"^\d{5,12}:[A-Za-z0-9_-]{30,}$")
DISCORD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")

# Field name -> (environment variable, how to put it right).
SETTINGS: dict[str, tuple[str, str]] = {
    "db_path": ("BACKLINE_DB", "a file path such as /var/lib/backline/backline.db"),
    "content": ("BACKLINE_CONTENT", "leave it unset to use the built-in exercise library"),
    "telegram_token": (
        "BACKLINE_TELEGRAM_TOKEN",
        "paste the token @BotFather gave you (it looks like 123456789:AAH...), no quotes",
    ),
    "telegram_api_url": (
        "BACKLINE_TELEGRAM_API_URL",
        "leave it unset for api.telegram.org, or give a self-hosted Bot API server's "
        "address such as http://127.0.0.1:8081",
    ),
    "telegram_webhook_url": (
        "BACKLINE_TELEGRAM_WEBHOOK_URL",
        "the public https:// address Telegram should post updates to, such as "
        "https://bot.example.org/telegram; leave it unset to use long polling",
    ),
    "telegram_webhook_secret": (
        "BACKLINE_TELEGRAM_WEBHOOK_SECRET",
        "16 to 256 characters of A-Z, a-z, 0-9, _ and -; e.g. the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`",
    ),
    "discord_token": (
        "BACKLINE_DISCORD_TOKEN",
        "paste the bot token from the Discord Developer Portal (your application -> Bot -> "
        "Reset Token), not the application id or public key",
    ),
    "http_host": ("BACKLINE_HTTP_HOST", "an address to listen on, such as 127.0.0.1 or 0.0.0.0"),
    "http_port": (
        "BACKLINE_HTTP_PORT",
        "a port number from 1 to 65535, or leave it unset to keep the HTTP endpoint off",
    ),
    "push_grace_minutes": (
        "BACKLINE_PUSH_GRACE_MINUTES",
        "a whole number of minutes from 0 to 1440 (default 180)",
    ),
    "nudge_after_hours": (
        "BACKLINE_NUDGE_AFTER_HOURS",
        "hours after the reminder from 0 to 12, 0 to turn the nudge off (default 4)",
    ),
    "log_level": ("BACKLINE_LOG_LEVEL", "one of DEBUG, INFO, WARNING, ERROR"),
}


class ConfigError(Exception):
    """The configuration is unusable. `problems` has one line per bad setting."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = [
            "Backline's configuration has a problem:"
            if len(problems) == 1
            else f"Backline's configuration has {len(problems)} problems:"
        ]
        super().__init__("\n".join([*lines, *(f"  - {p}" for p in problems)]))


def _env(name: str, default: Any = None, **checks: Any) -> Any:
    """A field read from its BACKLINE_* variable (or its own name, for Config(...) in code)."""
    variable = SETTINGS[name][0]
    return Field(default, validation_alias=AliasChoices(variable, name), **checks)


class Config(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # VAR= in a compose file means "not set"
        extra="ignore",  # other programs' variables may share the .env file
        str_strip_whitespace=True,  # a token pasted with a trailing newline still works
        frozen=True,
        populate_by_name=True,
    )

    db_path: Path = _env("db_path", Path("backline.db"))
    content: Path | None = _env("content")
    telegram_token: SecretStr | None = _env("telegram_token")
    telegram_api_url: str | None = _env("telegram_api_url")
    telegram_webhook_url: str | None = _env("telegram_webhook_url")
    telegram_webhook_secret: SecretStr | None = _env("telegram_webhook_secret")
    discord_token: SecretStr | None = _env("discord_token")
    http_host: str = _env("http_host", "127.0.0.1")
    http_port: int | None = _env("http_port", ge=1, le=65535)
    push_grace_minutes: int = _env("push_grace_minutes", 180, ge=0, le=1440)
    nudge_after_hours: float = _env("nudge_after_hours", 4.0, ge=0, le=12)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = _env("log_level", "INFO")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("telegram_token")
    @classmethod
    def _telegram_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TELEGRAM_TOKEN.match(value.get_secret_value()):
            raise ValueError("does not look like a Telegram bot token")
        return value

    @field_validator("discord_token")
    @classmethod
    def _discord_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not DISCORD_TOKEN.match(value.get_secret_value()):
            raise ValueError("does not look like a Discord bot token")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("is not a usable webhook secret")
        return value

    @field_validator("db_path")
    @classmethod
    def _db_path(cls, value: Path) -> Path:
        from bot.store.checks import path_problem  # stdlib only: no database opens here

        problem = path_problem(value)
        if problem is not None:
            raise ValueError(f"= {value} {problem}")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        if value is not None and not _is_url(value, ("http", "https")):
            raise ValueError("is not an http:// or https:// address")
        if value is not None and _bad_port(value):
            raise ValueError(f"= {value} has a port that is not a number from 1 to 65535")
        return value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not _is_url(value, ("https",)):
            raise ValueError("must be a public https:// address (Telegram only posts to https)")
        return value

    @_model_validator(mode="after")
    def _webhook_needs(self) -> Config:
        if self.telegram_webhook_url is None:
            return self
        missing = []
        if self.telegram_token is None:
            missing.append("BACKLINE_TELEGRAM_TOKEN (webhook mode is for a Telegram bot)")
        if self.telegram_webhook_secret is None:
            missing.append(
                "BACKLINE_TELEGRAM_WEBHOOK_SECRET (so Backline can tell Telegram's requests "
                "from anyone else's)"
            )
        if self.http_port is None:
            missing.append(
                "BACKLINE_HTTP_PORT (the local port your HTTPS proxy forwards the webhook to)"
            )
        if missing:
            raise ValueError("webhook mode also needs " + " and ".join(missing))
        return self

    # -- derived -----------------------------------------------------------------------------

    @property
    def platforms(self) -> list[str]:
        """The platforms to run: those in bot.platforms whose token is set."""
        from bot.platforms import PLATFORMS

        return [
            p.name
            for p in PLATFORMS.values()
            if p.token is not None and getattr(self, p.token) is not None
        ]

    @property
    def webhook_path(self) -> str:
        """Where Backline's HTTP server takes webhook posts: the public URL's path."""
        path = urlsplit(self.telegram_webhook_url or "").path.rstrip("/")
        return path or "/telegram"

    def push_config(self) -> PushConfig:
        from datetime import timedelta

        from scheduler.config import PushConfig

        nudge = timedelta(hours=self.nudge_after_hours) if self.nudge_after_hours else None
        return PushConfig(grace=timedelta(minutes=self.push_grace_minutes), nudge_after=nudge)

    def secret(self, name: str) -> str | None:
        value = getattr(self, name)
        return value.get_secret_value() if value is not None else None

    def protect_secrets(self) -> None:
        """Redact this configuration's tokens from all logging and from `redact()`."""
        from bot.adapters.telegram_logging import protect_token
        from bot.ops.redaction import protect

        if self.telegram_token is not None:
            protect_token(self.telegram_token.get_secret_value())
        if self.discord_token is not None:
            protect(self.discord_token.get_secret_value(), "<discord-token>")
        if self.telegram_webhook_secret is not None:
            protect(self.telegram_webhook_secret.get_secret_value(), "<webhook-secret>")


def _is_url(value: str, schemes: tuple[str, ...]) -> bool:
    parts = urlsplit(value)
    return parts.scheme in schemes and bool(parts.hostname)


def _bad_port(value: str) -> bool:
    try:
        port = urlsplit(value).port  # raises for "notaport" and for numbers out of range
    except ValueError:
        return True
    return port == 0


def env_file_path() -> Path:
    """$BACKLINE_ENV_FILE, else .env in the working directory (a missing file is fine)."""
    return Path(os.environ.get(ENV_FILE_VAR) or ".env")


def load_config(env_file: Path | None = None) -> Config:
    """The configuration from the process environment and the .env file (the environment
    wins). Raises ConfigError listing every bad setting. Secrets are protected on return."""
    env_file = env_file if env_file is not None else env_file_path()
    try:
        config = Config(_env_file=env_file)  # type: ignore[call-arg]  # pydantic-settings option
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from None  # the chain would quote the values
    except UnicodeDecodeError as exc:
        raise ConfigError([_not_utf8(env_file, exc)]) from None
    except OSError as exc:  # a folder or an unreadable file where the .env should be
        raise ConfigError([f"{_env_file_name(env_file)} can't be read: {exc.strerror}."]) from None
    config.protect_secrets()
    return config


def _env_file_name(env_file: Path) -> str:
    named = os.environ.get(ENV_FILE_VAR)
    return f"{ENV_FILE_VAR}={env_file}" if named else f"the settings file {env_file}"


def _not_utf8(env_file: Path, exc: UnicodeDecodeError) -> str:
    line = exc.object[: exc.start].count(b"\n") + 1
    return (
        f"{_env_file_name(env_file)} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} on "
        f"line {line}): save it as UTF-8."
    )


def _explain(exc: ValidationError) -> list[str]:
    """One line per bad setting, never quoting the value (it may be a token)."""
    by_alias = {variable: name for name, (variable, _) in SETTINGS.items()}
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = str(error["loc"][0]) if error["loc"] else ""
        name = by_alias.get(loc, loc)
        message = error["msg"].removeprefix("Value error, ")
        if name in SETTINGS:
            variable, hint = SETTINGS[name]
            problems.append(f"{variable} {_lower_first(message)}: {hint}.")
        else:
            problems.append(f"{message}.")
    return problems


def _lower_first(text: str) -> str:
    if text.startswith(("does", "is", "must", "= ")):
        return text
    return f"is wrong ({text[:1].lower()}{text[1:]})"


def unknown_variables(env_file: Path | None = None) -> list[str]:
    """BACKLINE_* names that are no setting (usually typos), each with a suggestion."""
    from dotenv import dotenv_values

    env_file = env_file if env_file is not None else env_file_path()
    names = set(os.environ)
    if env_file.is_file():
        # load_config has said what is wrong with an unreadable file
        with contextlib.suppress(UnicodeDecodeError, OSError):
            names |= {k for k in dotenv_values(env_file) if k}
    valid = {variable for variable, _ in SETTINGS.values()} | {ENV_FILE_VAR}
    found = []
    for name in sorted(n for n in names if n.upper().startswith("BACKLINE_")):
        if name.upper() in valid:
            continue
        close = difflib.get_close_matches(name.upper(), sorted(valid), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        found.append(f"{name} is not a Backline setting{hint}")
    return found
