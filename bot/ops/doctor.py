"""`backline doctor`: is this installation ready to run? Configuration, content, database,
platform tokens, each reported on one line; any failure makes the exit code non-zero.

Nothing is changed: the database is opened read-only (pending migrations are reported, the
next start applies them) and no platform is contacted.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bot.ops.redaction import redact

if TYPE_CHECKING:
    from bot.config import Config

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True, slots=True)
class Check:
    status: Status
    subject: str
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def add(self, status: Status, subject: str, detail: str) -> None:
        self.checks.append(Check(status, subject, redact(detail)))

    @property
    def failed(self) -> bool:
        return any(c.status == "fail" for c in self.checks)

    def render(self) -> str:
        marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
        lines = []
        for check in self.checks:
            first, *rest = check.detail.splitlines() or [""]
            lines.append(f"{marks[check.status]}  {check.subject}: {first}")
            lines += [f"        {line}" for line in rest]
        problems = sum(c.status == "fail" for c in self.checks)
        lines.append(
            f"{problems} problem{'s' if problems > 1 else ''} to fix before Backline can run."
            if problems
            else "All set: Backline is ready to run."
        )
        return "\n".join(lines)


def diagnose(*, quick: bool = False) -> Report:
    """Every check; `quick` skips the full integrity check (for container health checks)."""
    from bot.config import ConfigError, load_config, unknown_variables

    report = Report()
    config: Config | None = None
    db_named_wrong = False
    try:
        config = load_config()
    except ConfigError as exc:
        report.add("fail", "configuration", "\n".join(exc.problems))
        # Said once: the database check would only fail again on the same path.
        db_named_wrong = any(problem.startswith("BACKLINE_DB ") for problem in exc.problems)
    db_path: Path | str
    if config is None:
        db_path = Path(os.environ.get("BACKLINE_DB") or "backline.db")
    else:
        db_path = config.db_path
        report.add("ok", "configuration", _describe_setup(config))
    for problem in unknown_variables():
        report.add("warn", "configuration", problem)
    if not quick:
        _check_content(report, config.content if config else None)
    if not db_named_wrong:
        _check_database(report, db_path, quick=quick)
    if config is not None:
        _check_tokens(report, config)
        _describe_modes(report, config)
    return report


def _describe_setup(config: Config) -> str:
    from bot.platforms import platform

    parts = []
    for name in config.platforms:
        entry = platform(name)
        if entry.webhook is None:
            parts.append(entry.title)
        else:
            mode = "webhook" if config.value(entry.webhook.url.field) else "long polling"
            parts.append(f"{entry.title} ({mode})")
    platforms = " and ".join(parts) or "no platform token: `backline` runs the console chat"
    http = (
        f"HTTP endpoint on {config.http_host}:{config.http_port}"
        if config.http_port
        else "HTTP endpoint off"
    )
    return f"{platforms}; {http}"


def _check_content(report: Report, path: Path | None) -> None:
    from bot.content import ContentError, load_library

    try:
        library = load_library(path)
    except ContentError as exc:
        report.add("fail", "content", str(exc))
        return
    report.add("ok", "content", f"{len(library.exercises)} exercises")


def _check_postgres(report: Report, url: str) -> None:
    """Connect, apply pending migrations (as a start would) and ask for an answer."""
    from bot.store.migrations import MigrationError
    from bot.store.postgres import DatabaseUnreachable, PostgresStore, redacted

    async def check() -> int:
        store = await PostgresStore.open(url)
        try:
            await store.ping()
            return int(await store.fetchval("SELECT max(version) FROM schema_version"))
        finally:
            await store.close()

    subject = f"database {redacted(url)}"
    try:
        version = asyncio.run(check())
    except (DatabaseUnreachable, MigrationError) as exc:
        report.add("fail", subject, str(exc))
        return
    report.add("ok", subject, f"PostgreSQL answers; schema version {version}")


def _check_database(report: Report, path: Path | str, *, quick: bool) -> None:
    from bot.store.migrations import discover

    if isinstance(path, str):
        _check_postgres(report, path)
        return

    subject = f"database {path}"
    folder = path.parent if str(path.parent) else Path(".")
    if not path.exists():
        if folder.is_dir() and os.access(folder, os.W_OK):
            report.add("ok", subject, "not created yet; the first start creates it")
        else:
            report.add("fail", subject, f"the folder {folder} is missing or not writable")
        return
    if not os.access(folder, os.W_OK) or not os.access(path, os.W_OK):
        # SQLite writes the -wal and -shm files next to the database.
        report.add("fail", subject, f"not writable by this user (check {folder})")
        return
    known = max((m.version for m in discover()), default=0)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version = _schema_version(conn)
            check = "quick_check" if quick else "integrity_check"
            problems = [row[0] for row in conn.execute(f"PRAGMA {check}")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        report.add("fail", subject, f"can't be read as a SQLite database ({exc})")
        return
    if problems != ["ok"]:
        report.add(
            "fail",
            subject,
            "integrity check failed: "
            + "; ".join(problems[:5])
            + "\nrestore the latest backup (docs/deploy.md, 'Restoring a backup')",
        )
    elif version > known:
        report.add(
            "fail",
            subject,
            f"schema version {version} is newer than this Backline knows ({known}): "
            "upgrade Backline",
        )
    elif version < known:
        report.add(
            "warn",
            subject,
            f"schema version {version}, {known - version} migration(s) will be applied at "
            "the next start (take a backup first)",
        )
    else:
        checked = "quick check" if quick else "integrity check"
        report.add("ok", subject, f"schema version {version} (current), {checked} ok")


def _schema_version(conn: sqlite3.Connection) -> int:
    try:
        (version,) = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    except sqlite3.OperationalError:
        return 0  # no schema_version table: never opened by Backline
    return int(version)


def _check_tokens(report: Report, config: Config) -> None:
    from bot.platforms import platform

    # The formats were checked by load_config; say which bot it is without showing the secret.
    for name in config.platforms:
        entry = platform(name)
        assert entry.token is not None
        detail = "well-formed"
        if entry.token_note is not None:
            detail += ", " + entry.token_note(config.value(entry.token.field) or "")
        report.add("ok", f"{entry.title} token", detail)
        url = config.value(entry.webhook.url.field) if entry.webhook else None
        if url:
            local = f"{config.http_host}:{config.http_port}{config.webhook_path(name)}"
            report.add("ok", f"{entry.title} webhook", f"{url} -> {local}, secret set")


def _describe_modes(report: Report, config: Config) -> None:
    """How this process runs each platform, one line each: Discord's gateway and shards, its
    HTTP interactions, paid broadcasts. load_config has checked the values, so none fails."""
    from bot.adapters.discord_options import INTERACTIONS_PATH, gateway_on, parse_shards
    from bot.platforms import platform

    if "discord" in config.platforms:
        key = config.value("discord_public_key")
        shards_text = config.value("discord_shards")
        if not gateway_on(config.value("discord_gateway")):
            does = "answers HTTP interactions and sends pushes" if key else "only sends pushes"
            detail = f"off: this process reads no messages, it {does}"
        elif shards_text:
            shards = parse_shards(shards_text)
            detail = f"on, shards {_ids(shards.ids)} of {shards.count}"
            if not shards.has_dms:
                detail += " (DMs arrive on shard 0, in another process)"
        else:
            detail = "on, every shard in this process"
        report.add("ok", "Discord gateway", detail)
        if key:
            local = f"{config.http_host}:{config.http_port}{INTERACTIONS_PATH}"
            report.add(
                "ok",
                "Discord interactions",
                f"public key set; Discord posts to https://<your host>{INTERACTIONS_PATH}, "
                f"served on {local}",
            )
    for name in config.platforms:
        paid = platform(name).limits.paid
        if config.paid_broadcast(name) and paid is not None:
            rate = f"{paid.limit / paid.seconds:g}"
            report.add(
                "ok",
                f"{platform(name).title} paid broadcasts",
                f"on: pushes go out at up to {rate}/s, each paid for in Stars from the "
                "bot's balance",
            )


def _ids(ids: tuple[int, ...]) -> str:
    """`0-2,5`: shard ids as ranges."""
    runs: list[list[int]] = []
    for i in ids:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
