"""The real `backline` process against the fake Bot API, for the hardening tests: start it,
wait until it polls, read /healthz, stop it, and make read-only or tiny filesystems."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fakes.telegram_server import TEST_TOKEN, FakeTelegram
from tests.ops.support import REPO_ROOT, backline_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start(
    db: Path, tg: FakeTelegram, *, port: int | None = None, **settings: str
) -> asyncio.subprocess.Process:
    env = backline_env(
        BACKLINE_DB=str(db),
        BACKLINE_TELEGRAM_TOKEN=TEST_TOKEN,
        BACKLINE_TELEGRAM_API_URL=tg.url,
        **({"BACKLINE_HTTP_PORT": str(port)} if port else {}),
        **settings,
    )
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=db.parent, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def start_discord(
    db: Path, fake_url: str, token: str, *, port: int, **settings: str
) -> asyncio.subprocess.Process:
    """`backline` with Discord only, its REST and gateway traffic sent to a fake at `fake_url`
    (tests/ops/discord_child.py), the HTTP endpoint on `port`."""
    env = backline_env(
        BACKLINE_DB=str(db),
        BACKLINE_DISCORD_TOKEN=token,
        BACKLINE_HTTP_PORT=str(port),
        FAKE_DISCORD_URL=fake_url,
        **settings,
    )
    child = str(Path(__file__).with_name("discord_child.py"))
    return await asyncio.create_subprocess_exec(
        sys.executable, child, cwd=db.parent, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


# stderr lines already read by `polling`, per process id, handed back by `finished`.
_read_early: dict[int, list[str]] = {}


async def finished(process: asyncio.subprocess.Process, timeout: float = 30) -> tuple[int, str]:
    _, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, "".join(_read_early.pop(process.pid, [])) + err.decode()


async def polling(tg: FakeTelegram, process: asyncio.subprocess.Process) -> None:
    """Until the process says it is listening (or it died: then its error is the failure).
    Read from its log: the fake records a long poll only when it returns."""
    assert process.stderr is not None
    seen = _read_early.setdefault(process.pid, [])
    while True:
        line = await asyncio.wait_for(process.stderr.readline(), 30)
        if not line:
            _, err = await finished(process)
            raise AssertionError(f"backline exited: {err}")
        seen.append(line.decode())
        if "Telegram: listening" in seen[-1]:
            return


async def health(port: int) -> tuple[int, dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/healthz"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, json.loads(await response.text())


async def stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    return await finished(process)


def one_line(err: str) -> str:
    """The error a host sees: exactly one `backline:` line, no traceback."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("backline:")]
    assert len(lines) == 1, err
    return lines[0]


def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextlib.contextmanager
def small_filesystem(where: Path, size: str = "4m") -> Iterator[Path]:
    """A real tmpfs of `size` mounted at `where` (needs root and mount; else the test skips)."""
    where.mkdir(parents=True, exist_ok=True)
    if not _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)):
        pytest.skip("needs root and mount(8) for a real small or read-only filesystem")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount(where: Path, mode: str) -> None:
    assert _mount("-o", f"remount,{mode}", str(where)), f"remount {mode} failed"


def fill(folder: Path) -> Path:
    """Fill the filesystem at `folder` up to the last byte; returns the filler to delete."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as f:
        for chunk in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * chunk)
    return filler


REPO = REPO_ROOT
