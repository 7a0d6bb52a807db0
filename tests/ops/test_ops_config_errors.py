"""Configuration mistakes, through the real `backline` command: one line that names the
setting and the bad value, the configuration exit code, never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot import exit_codes
from bot.core.onboarding import AnswerError, parse_timezone
from tests.fakes.telegram_server import TEST_TOKEN
from tests.ops.support import backline_env, run_backline


def problem_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "never awaited" not in stderr, stderr
    problems = [line for line in stderr.splitlines() if line.startswith(("  - ", "backline: "))]
    return problems[-1]


def test_a_non_utf8_env_file_is_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"BACKLINE_DB=/var/lib/backline/caf\xe9.db\n")
    result = run_backline(cwd=tmp_path, env=backline_env())
    assert result.returncode == exit_codes.CONFIG
    line = problem_line(result.stderr)
    assert ".env is not UTF-8" in line and "0xe9" in line and "line 1" in line


def test_an_http_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = backline_env(
            BACKLINE_DB=str(tmp_path / "backline.db"),
            BACKLINE_TELEGRAM_TOKEN=TEST_TOKEN,
            BACKLINE_TELEGRAM_API_URL="http://127.0.0.1:9",
            BACKLINE_HTTP_PORT=str(port),
        )
        result = run_backline(cwd=tmp_path, env=env)
    assert result.returncode == exit_codes.CONFIG
    line = problem_line(result.stderr)
    assert line.startswith(f"backline: BACKLINE_HTTP_PORT={port}: can't listen on 127.0.0.1:{port}")


@pytest.mark.parametrize("url", ["http://127.0.0.1:notaport", "http://127.0.0.1:99999"])
def test_an_api_url_with_a_bad_port_is_refused(tmp_path: Path, url: str) -> None:
    env = backline_env(BACKLINE_TELEGRAM_TOKEN=TEST_TOKEN, BACKLINE_TELEGRAM_API_URL=url)
    result = run_backline(cwd=tmp_path, env=env)
    assert result.returncode == exit_codes.CONFIG
    line = problem_line(result.stderr)
    assert line.startswith(f"  - BACKLINE_TELEGRAM_API_URL = {url} has a port that is not")


def test_a_misspelt_setting_is_warned_about_at_start(tmp_path: Path) -> None:
    env = backline_env(BACKLINE_DB=str(tmp_path / "b.db"), BACKLINE_TELGRAM_TOKEN="x")
    result = run_backline("--help", cwd=tmp_path, env=env)  # no config read for --help
    assert "BACKLINE_TELGRAM_TOKEN" not in result.stderr
    chat = run_backline(cwd=tmp_path, env=env)  # console mode, stdin empty: starts, ends
    assert chat.returncode == 0, chat.stderr
    assert (
        "backline: warning: BACKLINE_TELGRAM_TOKEN is not a Backline setting "
        "(did you mean BACKLINE_TELEGRAM_TOKEN?)" in chat.stderr
    )


@pytest.mark.parametrize("name", ["localtime", "Factory", "posixrules", "posix/Europe/Berlin"])
def test_only_iana_zones_are_timezones(name: str) -> None:
    with pytest.raises(AnswerError):
        parse_timezone(name)


@pytest.mark.parametrize(
    ("given", "zone"),
    [("Europe/Berlin", "Europe/Berlin"), ("america/new_york", "America/New_York")],
)
def test_iana_zones_still_work(given: str, zone: str) -> None:
    assert parse_timezone(given) == zone
