"""The `backline` command as a whole process: howto, parse-log, today, piped chat."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def backline(*args: str, stdin: str = "", cwd: Path | None = None, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=60,
    )


def test_howto_prints_the_canonical_name_first() -> None:
    result = backline("howto", "rdl")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Romanian deadlift (dumbbells)"
    assert any(line.startswith("1. ") for line in lines)


def test_howto_unknown_suggests_on_stderr_and_exits_1() -> None:
    result = backline("howto", "bench", "press")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "No exercise called" in result.stderr


def test_cold_howto_imports_no_platform_library() -> None:
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        "main(['howto', 'kb swing'])\n"
        "bad = [m for m in ('telegram', 'discord', 'apscheduler', 'matplotlib', 'aiosqlite')"
        " if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Kettlebell swing")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "12 10 10",
            {
                "kind": "sets",
                "sets": [
                    {"reps": r, "seconds": None, "load": None, "unit": None} for r in (12, 10, 10)
                ],
            },
        ),
        (
            "3x12 @ 16kg",
            {
                "kind": "sets",
                "sets": [{"reps": 12, "seconds": None, "load": 16.0, "unit": "kg"}] * 3,
            },
        ),
        ("skip", {"kind": "skip", "sets": []}),
        ("done", {"kind": "done", "sets": []}),
    ],
)
def test_parse_log_prints_json(text: str, expected: dict) -> None:
    result = backline("parse-log", text)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


@pytest.mark.parametrize("text", ["banana", "-5 reps", "3x12 @ 900kg"])
def test_parse_log_refuses_with_exit_2(text: str) -> None:
    result = backline("parse-log", text)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip()


def test_piped_chat_logs_and_replies_to_an_earlier_days_message(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    first = backline(
        "chat",
        "--user",
        "sam",
        "--date",
        "2026-11-23",
        "--db",
        str(db),
        stdin="/today\nLog step by step\n12 10\n",
    )
    assert first.returncode == 0, first.stderr
    assert "[1] Mon 23 Nov" in first.stdout
    assert "Logged Single-leg Romanian deadlift (bodyweight): 12, 10 reps." in first.stdout
    # The next day, a new process replies to the prompt it printed as [3] (the log leads it).
    prompt_line = next(line for line in first.stdout.splitlines() if line.startswith("[3]"))
    assert "2/5" in prompt_line  # a beginner session now holds five moves (issue 12)
    second = backline(
        "chat",
        "--user",
        "sam",
        "--date",
        "2026-11-24",
        "--db",
        str(db),
        stdin="reply 3: 3x12\n",
    )
    assert second.returncode == 0, second.stderr
    assert "for Mon 23 Nov: 12, 12, 12 reps" in second.stdout


def test_today_command_and_rest_day(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    monday = backline("today", "--user", "kim", "--date", "2026-11-23", "--db", db)
    assert monday.returncode == 0 and "Full body" in monday.stdout
    tuesday = backline("today", "--user", "kim", "--date", "2026-11-24", "--db", db)
    assert "Rest day" in tuesday.stdout and "Next session: Wed 25 Nov" in tuesday.stdout


def test_bare_backline_without_tokens_is_the_console(tmp_path: Path) -> None:
    env = {
        "BACKLINE_DB": str(tmp_path / "x.db"),
        "BACKLINE_TELEGRAM_TOKEN": "",
        "BACKLINE_DISCORD_TOKEN": "",
    }
    result = backline(stdin="/howto superman\n", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Superhero" in result.stdout
    assert (tmp_path / "x.db").exists()


def test_exercises_lists_the_library() -> None:
    result = backline("exercises")
    assert result.returncode == 0
    assert "Glute bridge" in result.stdout and "Kettlebell swing" in result.stdout


def test_console_progress_writes_its_chart_next_to_the_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = data / "coach.db"
    data.mkdir()
    typed = "/log rdl 3x10 @ 20kg\n/progress\n"
    result = backline("chat", "--user", "kim", "--db", str(db), stdin=typed)
    assert result.returncode == 0, result.stderr
    saved = [line for line in result.stdout.splitlines() if line.startswith("Chart saved: ")]
    assert len(saved) == 1, result.stdout
    path = Path(saved[0].removeprefix("Chart saved: "))
    assert path.parent == data.resolve()
    assert path.read_bytes().startswith(b"\x89PNG")
