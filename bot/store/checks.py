"""Is this database usable? Path checks before connecting, health checks after, and the
SQLite errors that mean "can't save right now" rather than "a bug".

Every failure here is one line for the host that names the file and what to do; the runner
turns `StoreOpenError` into the configuration exit code (restarting would not fix it).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

# Virtual filesystems: SQLite can't keep a database there even as root.
_VIRTUAL = ("/proc", "/sys", "/dev")


class StoreOpenError(RuntimeError):
    """The database can't be used as it is (wrong path, read-only, damaged, in use)."""


def path_problem(path: Path) -> str | None:
    """What is wrong with `path` as a database file ("is a folder"...), or None. Also used by
    the configuration check, so the message names the path and the fix."""
    absolute = Path(os.path.abspath(path))
    for root in _VIRTUAL:
        if absolute == Path(root) or Path(root) in absolute.parents:
            return f"is under {root}, a virtual filesystem that can't hold a database"
    if absolute.is_dir():
        return f"is a folder, not a file (try {path / 'backline.db'})"
    for parent in absolute.parents:
        if parent.exists():
            if not parent.is_dir():
                return f"is under {parent}, which is a file, not a folder"
            break
    return None


def check_path(path: Path) -> None:
    """Refuse paths SQLite would fail on later with a confusing message."""
    problem = path_problem(path)
    if problem is not None:
        raise StoreOpenError(f"the database path {path} {problem}: set BACKLINE_DB to a file")


def make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreOpenError(
            f"can't create the folder {path.parent} for the database {path}: "
            f"{os.strerror(exc.errno or errno.EIO)}"
        ) from None


def _primary(exc: sqlite3.Error) -> int:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF


def is_damaged(exc: sqlite3.Error) -> bool:
    return _primary(exc) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def unavailable_reason(exc: BaseException) -> str | None:
    """Why nothing can be saved, for errors the bot can't fix but that may pass (disk full,
    read-only, I/O); None for every other error (those are bugs or constraint failures)."""
    if not isinstance(exc, sqlite3.Error):
        return None
    code = _primary(exc)
    if code == sqlite3.SQLITE_READONLY:
        return "the database is read-only"
    if code == sqlite3.SQLITE_FULL:
        return "the disk is full"
    if code == sqlite3.SQLITE_IOERR:
        return f"the disk failed a write ({exc})"
    if code == sqlite3.SQLITE_CANTOPEN:
        return "the database file can't be opened"
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return "the database file is damaged"
    return None


def why_unwritable(path: Path) -> str:
    """The most likely reason SQLite can't write `path`, in the host's terms."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"{folder} is on a read-only filesystem"
    except OSError:
        pass
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path} is not writable by this user"
    if not os.access(folder, os.W_OK):
        return f"the folder {folder} is not writable by this user (SQLite writes files next to it)"
    return "SQLite can't write it"


def open_failure(path: Path, exc: sqlite3.Error) -> StoreOpenError:
    """A StoreOpenError for an SQLite error met while opening or checking `path`."""
    if _primary(exc) == sqlite3.SQLITE_NOTADB:
        return StoreOpenError(
            f"the file {path} is not a Backline database (SQLite says: {exc}); point "
            "BACKLINE_DB at the right file, or move this one away to start afresh"
        )
    if is_damaged(exc):
        return damaged(path, str(exc))
    reason = unavailable_reason(exc)
    if reason is None:
        return StoreOpenError(f"can't open the database {path}: {exc}")
    if _primary(exc) in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN):
        return unwritable(path)
    return StoreOpenError(f"the database {path} can't be written: {reason}")


def unwritable(path: Path) -> StoreOpenError:
    return StoreOpenError(
        f"the database {path} can't be written: {why_unwritable(path)}; Backline needs to "
        "save what people log (fix the permissions or the mount, or point BACKLINE_DB "
        "elsewhere)"
    )


def damaged(path: Path, detail: str) -> StoreOpenError:
    first = detail.strip().splitlines()[0] if detail.strip() else "integrity check failed"
    return StoreOpenError(
        f"the database {path} is damaged ({first}); restore the latest backup "
        "(see `backline backup`) or move the file away to start afresh"
    )


def quick_check(conn: sqlite3.Connection) -> str | None:
    """None when SQLite's quick integrity check passes, else its first complaint."""
    rows = conn.execute("PRAGMA quick_check(1)").fetchall()
    verdict = rows[0][0] if rows else "no answer"
    return None if verdict == "ok" else str(verdict)


def check_writable(conn: sqlite3.Connection) -> None:
    """Take the write lock and let it go: a read-only file or mount fails here, not at the
    first person's message. A database busy with another writer counts as writable."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if _primary(exc) == sqlite3.SQLITE_BUSY:
            return
        raise
    conn.execute("ROLLBACK")
