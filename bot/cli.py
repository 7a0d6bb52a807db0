"""The `backline` command. Heavy imports happen inside each subcommand so `backline howto`
starts fast and never loads a platform library."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

from bot import exit_codes


def _db_default() -> str:
    return os.environ.get("BACKLINE_DB") or "backline.db"


def _clock_for(day: date | None) -> Callable[[], datetime] | None:
    """A fixed clock at midday UTC of `day`: the same local date in timezones from -11 to +11."""
    if day is None:
        return None
    moment = datetime.combine(day, time(12), tzinfo=UTC)
    return lambda: moment


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-11-21, got {text!r}") from exc


def cmd_howto(args: argparse.Namespace) -> int:
    from bot.content import default_library
    from bot.core.lookup import ExerciseLookup
    from bot.core.render import howto, picture_credit

    library = default_library()
    query = " ".join(args.query)
    result = ExerciseLookup(library).find(query)
    if result.exercise is None:
        print(f'No exercise called "{query}" in the Backline library.', file=sys.stderr)
        if result.suggestions:
            names = ", ".join(e.name for e in result.suggestions)
            print(f"Did you mean: {names}?", file=sys.stderr)
        return 1
    name, text = howto(result.exercise, library)
    print(name)
    print(text)
    if (image := result.exercise.image) is not None:
        print(f"{picture_credit(image.credit)}\nPicture: {image.path}")
    return 0


def cmd_parse_log(args: argparse.Namespace) -> int:
    from bot.core.parser import LogParseError, parse_log

    try:
        parsed = parse_log(" ".join(args.text))
    except LogParseError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    print(json.dumps(parsed.to_json()))
    return 0


def cmd_exercises(args: argparse.Namespace) -> int:
    from bot.content import default_library

    library = default_library()
    for ex in sorted(library.main_exercises(), key=lambda e: (e.region, e.name)):
        print(f"{ex.name:<38} {ex.region:<6} {ex.pattern:<16} {', '.join(ex.equipment)}")
    return 0


async def _with_coach(db: str, day: date | None, work, writer: bool = False) -> int:
    from bot.app import open_coach

    coach, store = await open_coach(db, clock=_clock_for(day), writer=writer)
    try:
        return await work(coach)
    finally:
        await store.close()


def _files_dir(db: str) -> Path:
    """Charts and exports of a console chat go next to its database."""
    return Path(db).expanduser().resolve().parent


def cmd_today(args: argparse.Namespace) -> int:
    from bot.adapters.console import ConsoleChat

    async def work(coach) -> int:
        chat = ConsoleChat(coach, user=args.user, files_dir=_files_dir(args.db))
        await chat.say("/today")
        return 0

    return asyncio.run(_with_coach(args.db, args.date, work))


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.adapters.console import ConsoleChat

    async def work(coach) -> int:
        chat = ConsoleChat(coach, user=args.user, files_dir=_files_dir(args.db))
        await chat.run(sys.stdin, prompt=sys.stdin.isatty())
        return 0

    # `backline` with no token runs this as the bot: one such process per database.
    return asyncio.run(_with_coach(args.db, args.date, work, writer=args.command is None))


def _load_config():  # -> bot.config.Config | None (pydantic loads only here)
    """The host's configuration, or None after printing what is wrong with it."""
    from bot.config import ConfigError, load_config, unknown_variables

    try:
        config = load_config()
    except ConfigError as exc:
        print(f"backline: {exc}", file=sys.stderr)
        return None
    for typo in unknown_variables():
        print(f"backline: warning: {typo}", file=sys.stderr)
    if config.content is not None:
        # The content loader reads the environment; a value from .env must reach it too.
        os.environ.setdefault("BACKLINE_CONTENT", str(config.content))
    return config


def cmd_run(args: argparse.Namespace) -> int:
    config = _load_config()
    if config is None:
        return exit_codes.CONFIG
    if not config.platforms:
        args.user = _default_user()
        args.date = None
        args.db = str(config.db_path)
        return cmd_chat(args)
    from bot.runner import run_forever

    return run_forever(config)


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.ops.doctor import diagnose

    report = diagnose(quick=args.quick)
    print(report.render())
    return 1 if report.failed else 0


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    config = _load_config()
    if config is None:
        return exit_codes.CONFIG
    from bot.ops.backup import BackupError, backup_database

    if not isinstance(config.db_path, Path):
        print(
            "backline: backup copies a SQLite file; for PostgreSQL use pg_dump, or"
            " `backline db copy URL FILE` for a SQLite copy",
            file=sys.stderr,
        )
        return 2
    try:
        result = asyncio.run(backup_database(config.db_path, Path(args.path)))
    except BackupError as exc:
        print(f"backline: backup failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"Backed up {config.db_path} to {result.path} "
        f"({result.bytes // 1024} KiB, schema version {result.schema_version})."
    )
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    """Copy a database into another (SQLite <-> PostgreSQL), verifying every table's rows."""
    from bot.store.copy import CopyError, copy_database, describe
    from bot.store.migrations import MigrationError

    failures: tuple[type[Exception], ...] = (CopyError, MigrationError, OSError)
    try:
        from bot.store.postgres import DatabaseUnreachable

        failures += (DatabaseUnreachable,)
        report = asyncio.run(copy_database(args.source, args.target, force=args.force))
    except failures as exc:
        print(f"backline: db copy: {exc}", file=sys.stderr)
        return 1
    for table, rows in report.rows.items():
        print(f"  {table:<22} {rows:>9} rows")
    print(
        f"Copied {report.total} rows in {len(report.rows)} tables from {describe(args.source)}"
        f" to {describe(args.target)}; every table's row count matches."
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """A person's sets as CSV, for the host: --user platform:user_id (e.g. telegram:12345)."""
    from pathlib import Path

    platform, sep, user_id = args.user.partition(":")
    if not (sep and platform and user_id):
        print("backline: --user takes platform:user_id, e.g. telegram:12345", file=sys.stderr)
        return 2
    if not Path(args.db).exists():
        print(f"backline: no database at {args.db}", file=sys.stderr)
        return 1

    async def work() -> tuple[str, int] | None:
        from bot.content import default_library
        from bot.core.events import UserRef
        from bot.core.history import export_csv
        from bot.store import open_store

        store = await open_store(args.db)
        try:
            user = await store.find_user(UserRef(platform, user_id))
            if user is None:
                return None
            sets = await store.export_sets(user.id)
            units = args.units or user.settings.units
            return export_csv(sets, default_library(), units), len(sets)
        finally:
            await store.close()

    found = asyncio.run(work())
    if found is None:
        print(f"backline: no user {args.user} in {args.db}", file=sys.stderr)
        return 1
    text, count = found
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Wrote {count} sets to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _default_user() -> str:
    return os.environ.get("USER") or "you"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backline",
        description="Backline: posterior-chain coaching. With no command it runs the bot "
        "(Telegram/Discord when a token is set, else a console chat).",
    )
    parser.set_defaults(func=cmd_run, db=_db_default())
    sub = parser.add_subparsers(dest="command")

    def with_db(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db",
            default=_db_default(),
            help="SQLite file (default: $BACKLINE_DB or ./backline.db)",
        )

    chat = sub.add_parser(
        "chat", help="chat with Backline in the terminal (works with piped stdin)"
    )
    chat.add_argument("--user", default=_default_user())
    chat.add_argument("--date", type=_date, help="pretend today is YYYY-MM-DD")
    with_db(chat)
    chat.set_defaults(func=cmd_chat)

    today = sub.add_parser("today", help="print today's session")
    today.add_argument("--user", default=_default_user())
    today.add_argument("--date", type=_date)
    with_db(today)
    today.set_defaults(func=cmd_today)

    sub.add_parser("exercises", help="list the exercise library").set_defaults(func=cmd_exercises)

    howto = sub.add_parser("howto", help="how to do an exercise")
    howto.add_argument("query", nargs="+")
    howto.set_defaults(func=cmd_howto)

    export = sub.add_parser("export", help="write a person's training log as CSV")
    export.add_argument(
        "--user", required=True, help="platform:user_id, e.g. telegram:12345 or discord:8123"
    )
    export.add_argument("--out", help="file to write (default: standard output)")
    export.add_argument("--units", choices=("kg", "lb"), help="default: the person's setting")
    with_db(export)
    export.set_defaults(func=cmd_export)

    doctor = sub.add_parser("doctor", help="check configuration, content, database and tokens")
    doctor.add_argument(
        "--quick", action="store_true", help="skip the slow checks (for container health checks)"
    )
    doctor.set_defaults(func=cmd_doctor)

    backup = sub.add_parser(
        "backup", help="copy the database to PATH (safe while the bot is running)"
    )
    backup.add_argument("path", help="a file, or a folder for a time-stamped file")
    backup.set_defaults(func=cmd_backup)

    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    copy = db_sub.add_parser(
        "copy",
        help="copy a database into another: SQLite <-> PostgreSQL (stop the bot first)",
        description="Copy every row of FROM into TO, ids included, and check the row counts. "
        "Each is a SQLite file or a postgresql:// URL; TO must be empty unless --force.",
    )
    copy.add_argument("source", metavar="FROM", help="a SQLite file or a postgresql:// URL")
    copy.add_argument("target", metavar="TO", help="a SQLite file or a postgresql:// URL")
    copy.add_argument(
        "--force", action="store_true", help="replace whatever TO holds (it is emptied first)"
    )
    copy.set_defaults(func=cmd_db_copy)

    parse_log = sub.add_parser("parse-log", help="show how a logged reply is read, as JSON")
    parse_log.add_argument("text", nargs="+")
    parse_log.set_defaults(func=cmd_parse_log)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return exit_codes.INTERRUPTED
    except Exception as exc:  # a host sees one clear line, not a traceback
        from bot.runner import exit_code_for

        code = exit_code_for(exc)
        if code is None:
            raise
        if code == exit_codes.CONTENT:
            print(f"backline: the content is broken:\n{exc}", file=sys.stderr)
        else:
            print(f"backline: {exc}", file=sys.stderr)
        return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
