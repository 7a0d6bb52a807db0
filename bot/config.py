"""Host configuration: environment variables and an optional .env file (pydantic-settings).

Every setting is one `BACKLINE_*` variable (deploy/.env.example lists them all); each platform's
come from its entry in bot.platforms (`Platform.settings`). `load_config()` validates them
together and raises `ConfigError` with one line per bad setting, naming the variable and how to
fix it; it never quotes a secret, so a token can't leak through an error. Secrets are `SecretStr`
(hidden in repr) and are redacted from all logging once loaded.

Only the commands that need configuration (run, doctor, backup) import this module: pydantic
costs start-up time that `backline howto` must not pay.
"""

from __future__ import annotations

import contextlib
import difflib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic import model_validator as _model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.platforms import PLATFORMS, Setting, platform, switched_on

if TYPE_CHECKING:
    from scheduler.config import PushConfig

ENV_FILE_VAR = "BACKLINE_ENV_FILE"

# Field name -> (environment variable, how to put it right). The platforms' own settings come
# from bot.platforms and sit between the database's and the HTTP endpoint's.
_BEFORE_PLATFORMS: dict[str, tuple[str, str]] = {
    "db_path": (
        "BACKLINE_DB",
        "a file path such as /var/lib/backline/backline.db, or for several processes a "
        "PostgreSQL URL such as postgresql://backline:PASSWORD@db:5432/backline",
    ),
    "instance": (
        "BACKLINE_INSTANCE",
        "a name for this process, unique among those sharing one PostgreSQL database "
        "(letters, digits, . _ : -); leave it unset for host:pid",
    ),
    "content": ("BACKLINE_CONTENT", "leave it unset to use the built-in exercise library"),
}
_AFTER_PLATFORMS: dict[str, tuple[str, str]] = {
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


def _platform_settings() -> dict[str, Setting]:
    return {s.field: s for p in PLATFORMS.values() for s in p.settings}


PLATFORM_SETTINGS = _platform_settings()
SETTINGS: dict[str, tuple[str, str]] = {
    **_BEFORE_PLATFORMS,
    **{name: (s.variable, s.hint) for name, s in PLATFORM_SETTINGS.items()},
    **_AFTER_PLATFORMS,
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


class _Config(BaseSettings):
    """The settings that are no platform's; `Config` adds each platform's from the registry."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # VAR= in a compose file means "not set"
        extra="ignore",  # other programs' variables may share the .env file
        str_strip_whitespace=True,  # a token pasted with a trailing newline still works
        frozen=True,
        populate_by_name=True,
    )

    # A SQLite file (a Path) or a postgresql:// URL (kept as the str it is: a Path would
    # fold its '//').
    db_path: Path | str = _env("db_path", Path("backline.db"))
    instance: str | None = _env("instance", pattern=r"^[A-Za-z0-9._:-]{1,100}$")
    content: Path | None = _env("content")
    http_host: str = _env("http_host", "127.0.0.1")
    http_port: int | None = _env("http_port", ge=1, le=65535)
    push_grace_minutes: int = _env("push_grace_minutes", 180, ge=0, le=1440)
    nudge_after_hours: float = _env("nudge_after_hours", 4.0, ge=0, le=12)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = _env("log_level", "INFO")

    @field_validator("db_path", mode="before")
    @classmethod
    def _db_target(cls, value: Any) -> Any:
        from bot.store import is_postgres_url

        if isinstance(value, str) and not is_postgres_url(value):
            return Path(value)
        if isinstance(value, str) and not urlsplit(value).hostname:
            raise ValueError("is not a complete PostgreSQL URL (postgresql://user@host/db)")
        return value

    @property
    def database_url(self) -> str | None:
        """BACKLINE_DB when it names PostgreSQL, else None (a SQLite file)."""
        return self.db_path if isinstance(self.db_path, str) else None

    def local_file(self, suffix: str) -> Path:
        """A small state file of this process: next to the SQLite file, or (PostgreSQL) in
        the working folder."""
        if isinstance(self.db_path, Path):
            return self.db_path.with_name(self.db_path.name + suffix)
        return Path("backline" + suffix)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("db_path")
    @classmethod
    def _db_path(cls, value: Path | str) -> Path | str:
        from bot.store.checks import path_problem  # stdlib only: no database opens here

        if isinstance(value, str):  # a PostgreSQL URL (see _db_target)
            return value
        problem = path_problem(value)
        if problem is not None:
            raise ValueError(f"= {value} {problem}")
        return value

    @_model_validator(mode="after")
    def _webhook_needs(self) -> _Config:
        for entry in PLATFORMS.values():
            if entry.webhook is None or self.value(entry.webhook.url.field) is None:
                continue
            missing = []
            if entry.token is not None and self.value(entry.token.field) is None:
                missing.append(f"{entry.token.variable} (webhook mode is for a {entry.title} bot)")
            if self.value(entry.webhook.secret.field) is None:
                missing.append(
                    f"{entry.webhook.secret.variable} (so Backline can tell {entry.title}'s "
                    "requests from anyone else's)"
                )
            if self.http_port is None:
                missing.append(
                    "BACKLINE_HTTP_PORT (the local port your HTTPS proxy forwards the webhook to)"
                )
            if missing:
                raise ValueError("webhook mode also needs " + " and ".join(missing))
        return self

    @_model_validator(mode="after")
    def _endpoint_needs(self) -> _Config:
        if self.http_port is not None:
            return self
        for entry in PLATFORMS.values():
            for name in entry.needs_http:
                if self.value(name) is not None:
                    variable = PLATFORM_SETTINGS[name].variable
                    raise ValueError(
                        f"{variable} also needs BACKLINE_HTTP_PORT (the local port your "
                        f"HTTPS proxy forwards {entry.title}'s requests to)"
                    )
        return self

    # -- reading ---------------------------------------------------------------------------

    def value(self, name: str) -> str | None:
        """A platform setting (bot.platforms names them) as text, a secret unwrapped."""
        value = getattr(self, name)
        return value.get_secret_value() if isinstance(value, SecretStr) else value

    # -- derived -----------------------------------------------------------------------------

    @property
    def platforms(self) -> list[str]:
        """The platforms to run: those in bot.platforms whose token is set."""
        return [
            p.name
            for p in PLATFORMS.values()
            if p.token is not None and self.value(p.token.field) is not None
        ]

    def paid_broadcast(self, name: str) -> bool:
        """The host opted in to sending platform `name`'s pushes as paid broadcasts."""
        setting = platform(name).paid_broadcast
        return setting is not None and switched_on(self.value(setting.field))

    def webhook_path(self, name: str) -> str:
        """Where Backline's HTTP server takes platform `name`'s webhook posts: the public
        URL's path."""
        webhook = platform(name).webhook
        url = self.value(webhook.url.field) if webhook else None
        path = urlsplit(url or "").path.rstrip("/")
        return path or f"/{name}"

    def push_config(self) -> PushConfig:
        from datetime import timedelta

        from scheduler.config import PushConfig

        nudge = timedelta(hours=self.nudge_after_hours) if self.nudge_after_hours else None
        return PushConfig(grace=timedelta(minutes=self.push_grace_minutes), nudge_after=nudge)

    def protect_secrets(self) -> None:
        """Redact this configuration's secrets from all logging and from `redact()`."""
        from bot.ops.redaction import protect

        for setting in PLATFORM_SETTINGS.values():
            value = self.value(setting.field)
            if setting.redact_as is None or value is None:
                continue
            protect(value, setting.redact_as)
            if setting.also_redact is not None:
                protect(setting.also_redact(value), setting.redact_as)
        password = urlsplit(self.database_url or "").password
        if password:
            protect(password, "<db-password>")


def _check_platform_setting(value: Any, info: ValidationInfo) -> Any:
    assert info.field_name is not None
    check = PLATFORM_SETTINGS[info.field_name].check
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if text is not None and check is not None:
        problem = check(text)
        if problem is not None:
            raise ValueError(problem)
    return value


def _build_config() -> type[_Config]:
    """`_Config` with one optional field per platform setting, checked by its `check`."""
    fields: dict[str, Any] = {
        name: (SecretStr | None if s.secret else str | None, _env(name))
        for name, s in PLATFORM_SETTINGS.items()
    }
    validators: dict[str, Any] = {}
    if fields:
        validators["_platform_setting"] = field_validator(*fields)(_check_platform_setting)
    return create_model(
        "Config", __base__=_Config, __module__=__name__, __validators__=validators, **fields
    )


if TYPE_CHECKING:
    Config = _Config  # the platform fields are read with `value()`, which mypy can check
else:
    Config = _build_config()


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
    """One line per bad setting, in the order of SETTINGS, never quoting the value (it may be
    a token)."""
    by_alias = {variable: name for name, (variable, _) in SETTINGS.items()}
    order = list(SETTINGS)
    found: list[tuple[int, str]] = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = str(error["loc"][0]) if error["loc"] else ""
        name = by_alias.get(loc, loc)
        message = error["msg"].removeprefix("Value error, ")
        if name in SETTINGS:
            variable, hint = SETTINGS[name]
            found.append((order.index(name), f"{variable} {_lower_first(message)}: {hint}."))
        else:
            found.append((len(order), f"{message}."))
    return [problem for _, problem in sorted(found, key=lambda item: item[0])]


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
