"""One writer per database file: an exclusive flock on `<db>.lock`, holding the owner's pid.

SQLite lets many processes write one file, but two Backline processes on it would each send
every push (and answer every update) once. The lock is advisory and per open file, so:
- the kernel drops it when the process ends, however it ends: a SIGKILLed bot leaves the
  file (with its old pid) but no lock, and the next start takes it over;
- two opens in one process also exclude each other (flock, not fcntl's per-process locks).
The file is left in place on release (emptied): deleting it could let two processes lock two
different files of the same name.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from bot.store.checks import StoreOpenError


class DatabaseInUse(StoreOpenError):
    """Another process holds the database's writer lock."""

    def __init__(self, db_path: Path, pid: int | None) -> None:
        who = f"another Backline (pid {pid})" if pid else "another Backline process"
        super().__init__(
            f"{who} is already using the database {db_path}; stop it first, or give this one "
            "its own BACKLINE_DB (two bots on one database would send every push twice)"
        )
        self.db_path = db_path
        self.pid = pid


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


class WriterLock:
    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, db_path: Path) -> WriterLock:
        """Take the lock or raise DatabaseInUse naming the holder; OSError if the lock file
        can't be created (the caller explains the folder)."""
        path = lock_path(db_path)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise DatabaseInUse(db_path, pid) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        """Give the lock up (twice is fine)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):  # e.g. a read-only folder now: closing still frees it
            os.ftruncate(fd, 0)
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isascii() and text.isdigit() else None
