"""`backline doctor` and the configuration errors of `backline`, as whole processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import open_store
from bot.store.migrations import discover
from tests.ops.support import backline_env, run_backline

CURRENT = discover()[-1].version  # the newest migration this code ships

TELEGRAM = "123456789:AAE-fake-token-that-must-never-be-logged"
DISCORD = "MTEyMjMzNDQ1NTY2Nzc4ODk5.GfAkeT.backline-test-token-must-never-be-logged"


async def test_doctor_on_a_healthy_setup(tmp_path: Path) -> None:
    db = tmp_path / "data" / "backline.db"
    store = await open_store(db)
    await store.close()
    env = backline_env(
        BACKLINE_DB=str(db), BACKLINE_TELEGRAM_TOKEN=TELEGRAM, BACKLINE_DISCORD_TOKEN=DISCORD
    )
    result = run_backline("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "ok    configuration: Telegram (long polling) and Discord; HTTP endpoint off"
    assert any(line.startswith("ok    content: ") for line in lines)
    assert f"ok    database {db}: schema version {CURRENT} (current), integrity check ok" in lines
    assert "ok    Telegram token: well-formed, bot id 123456789" in lines
    assert lines[-1] == "All set: Backline is ready to run."
    assert TELEGRAM.partition(":")[2] not in result.stdout and DISCORD not in result.stdout


def test_doctor_fails_on_bad_configuration_without_quoting_it(tmp_path: Path) -> None:
    bad = "123456789:this is not a token at all"
    env = backline_env(BACKLINE_TELEGRAM_TOKEN=bad, BACKLINE_DISCROD_TOKEN=DISCORD)
    result = run_backline("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 1
    out = result.stdout
    assert "FAIL  configuration: BACKLINE_TELEGRAM_TOKEN does not look like" in out
    assert "warn  configuration: BACKLINE_DISCROD_TOKEN is not a Backline setting" in out
    assert bad not in out and DISCORD not in out
    assert out.splitlines()[-1] == "1 problem to fix before Backline can run."


def test_doctor_finds_a_corrupt_database(tmp_path: Path) -> None:
    db = tmp_path / "backline.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
    conn.commit()
    conn.close()
    with db.open("r+b") as f:  # scribble over the middle of the file
        f.seek(4096 * 2)
        f.write(b"\xff" * 4096)
    result = run_backline("doctor", cwd=tmp_path, env=backline_env(BACKLINE_DB=str(db)))
    assert result.returncode == 1
    assert f"FAIL  database {db}:" in result.stdout


async def test_doctor_reports_a_database_from_a_newer_backline(tmp_path: Path) -> None:
    db = tmp_path / "backline.db"
    store = await open_store(db)
    await store.write(
        "INSERT INTO schema_version (version, name, applied_at) VALUES (99, '0099_x.sql', 'now')"
    )
    await store.close()
    result = run_backline("doctor", cwd=tmp_path, env=backline_env(BACKLINE_DB=str(db)))
    assert result.returncode == 1
    assert "schema version 99 is newer than this Backline knows" in result.stdout


def test_doctor_wants_a_writable_data_folder(tmp_path: Path) -> None:
    env = backline_env(BACKLINE_DB=str(tmp_path / "missing" / "deeper" / "backline.db"))
    result = run_backline("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "is missing or not writable" in result.stdout


@pytest.mark.parametrize("command", [[], ["backup", "x.db"]])
def test_bad_configuration_stops_before_anything_runs(tmp_path: Path, command: list[str]) -> None:
    env = backline_env(BACKLINE_DB=str(tmp_path / "b.db"), BACKLINE_HTTP_PORT="http")
    result = run_backline(*command, cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "BACKLINE_HTTP_PORT is wrong" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "b.db").exists()


def test_cold_commands_never_load_pydantic(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        "main(['howto', 'rdl'])\n"
        "main(['parse-log', '3x12'])\n"
        "assert 'pydantic' not in sys.modules and 'bot.config' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=backline_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_doctor_names_a_database_path_that_is_a_folder_once(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    result = run_backline("doctor", cwd=tmp_path, env=backline_env(BACKLINE_DB=str(folder)))
    assert result.returncode == 1
    fails = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 1 and "is a folder, not a file" in fails[0], result.stdout
    assert result.stdout.splitlines()[-1] == "1 problem to fix before Backline can run."


@pytest.mark.parametrize(
    ("settings", "wanted"),
    [
        ({}, ["ok    Discord gateway: on, every shard in this process"]),
        (
            {"BACKLINE_DISCORD_SHARDS": "1-2/4"},
            [
                "ok    Discord gateway: on, shards 1-2 of 4 "
                "(DMs arrive on shard 0, in another process)"
            ],
        ),
        ({"BACKLINE_DISCORD_SHARDS": "0,2/4"}, ["ok    Discord gateway: on, shards 0,2 of 4"]),
        (
            {"BACKLINE_DISCORD_GATEWAY": "off"},
            ["ok    Discord gateway: off: this process reads no messages, it only sends pushes"],
        ),
        (
            {
                "BACKLINE_DISCORD_GATEWAY": "off",
                "BACKLINE_DISCORD_PUBLIC_KEY": "ab" * 32,
                "BACKLINE_HTTP_PORT": "8080",
            },
            [
                "ok    Discord gateway: off: this process reads no messages, it answers HTTP "
                "interactions and sends pushes",
                "ok    Discord interactions: public key set; Discord posts to "
                "https://<your host>/discord/interactions, served on "
                "127.0.0.1:8080/discord/interactions",
            ],
        ),
        (
            {"BACKLINE_TELEGRAM_TOKEN": TELEGRAM, "BACKLINE_TELEGRAM_PAID_BROADCAST": "true"},
            [
                "ok    Telegram paid broadcasts: on: pushes go out at up to 1000/s, each paid "
                "for in Stars from the bot's balance"
            ],
        ),
    ],
)
def test_doctor_says_how_each_platform_runs_in_one_line_each(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], wanted: list[str]
) -> None:
    from bot.ops.doctor import diagnose

    monkeypatch.setenv("BACKLINE_DB", str(clean_env / "backline.db"))
    monkeypatch.setenv("BACKLINE_DISCORD_TOKEN", DISCORD)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    report = diagnose(quick=True)
    lines = report.render().splitlines()
    assert not report.failed, lines
    for line in wanted:
        assert line in lines
    assert sum("Discord gateway" in line for line in lines) == 1
    paid = "BACKLINE_TELEGRAM_PAID_BROADCAST" in settings
    assert any("paid broadcasts" in line for line in lines) == paid
