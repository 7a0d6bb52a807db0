"""`backline backup PATH` while the bot writes, and the restore steps of docs/deploy.md."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import sys
from datetime import date
from pathlib import Path

from bot.core.events import UserRef
from bot.core.ports import NewSet
from bot.ops.backup import backup_store
from bot.store import open_store
from bot.store.migrations import discover
from tests.ops.support import REPO_ROOT, backline_env, run_backline

CURRENT = discover()[-1].version  # the newest migration this code ships

DAY = date(2026, 11, 23)
BATCH = 3  # every write is one transaction of three sets


def batches(db: Path) -> tuple[int, set[int]]:
    """(number of sets, the distinct sizes of the set batches) in the file at `db`."""
    conn = sqlite3.connect(db)
    try:
        (count,) = conn.execute("SELECT COUNT(*) FROM set_logs").fetchone()
        sizes = {n for (n,) in conn.execute("SELECT COUNT(*) FROM set_logs GROUP BY batch_id")}
        (check,) = conn.execute("PRAGMA integrity_check").fetchone()
        assert check == "ok"
    finally:
        conn.close()
    return count, sizes


async def test_backup_taken_during_writes_restores_consistently(tmp_path: Path) -> None:
    db = tmp_path / "data" / "backline.db"
    store = await open_store(db)
    user = await store.get_or_create_user(UserRef("telegram", "501"), "501", "Ada")
    writing = True
    written = 0

    async def writer() -> None:
        nonlocal written
        while writing:
            sets = [NewSet("romanian-deadlift", n, reps=10) for n in range(1, BATCH + 1)]
            await store.add_sets(user.id, DAY, sets, None)
            written += 1

    task = asyncio.create_task(writer())
    while written < 20:  # the bot is busy before the backup starts
        await asyncio.sleep(0.01)
    target = tmp_path / "backups" / "nightly.db"
    target.parent.mkdir()
    env = backline_env(BACKLINE_DB=str(db), PYTHONPATH=str(REPO_ROOT))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "backup",
        str(target),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    during = written
    writing = False
    await task
    await store.close()

    assert process.returncode == 0, err.decode()
    assert out.decode().startswith(f"Backed up {db} to {target}")
    assert written > during > 20  # the bot kept writing while the copy was taken
    count, sizes = batches(target)
    assert count > 0 and sizes == {BATCH}  # whole transactions only
    assert not Path(f"{target}-wal").exists()  # one self-contained file
    assert not list(target.parent.glob(".*partial"))

    # Restore as docs/deploy.md says: bot stopped, backup over the database, journals removed.
    shutil.copyfile(target, db)
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    doctor = run_backline("doctor", cwd=tmp_path, env=env)
    assert doctor.returncode == 0, doctor.stdout
    restored = await open_store(db)
    try:
        rows = await restored.read("SELECT COUNT(*) AS n FROM set_logs")
        assert rows[0]["n"] == count
        assert await restored.find_user(UserRef("telegram", "501")) is not None
    finally:
        await restored.close()


async def test_backup_into_a_folder_is_time_stamped(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "backline.db")
    try:
        result = await backup_store(store, tmp_path)
    finally:
        await store.close()
    assert result.path.parent == tmp_path and result.path.name.startswith("backline-")
    assert result.schema_version == CURRENT and result.bytes == result.path.stat().st_size


async def test_backup_refuses_a_missing_database_or_folder(tmp_path: Path) -> None:
    env = backline_env(BACKLINE_DB=str(tmp_path / "none.db"))
    missing_db = run_backline("backup", str(tmp_path / "b.db"), cwd=tmp_path, env=env)
    assert missing_db.returncode == 1
    assert "no database at" in missing_db.stderr and "BACKLINE_DB" in missing_db.stderr
    await (await open_store(tmp_path / "none.db")).close()
    before = sorted(os.listdir(tmp_path))
    missing_folder = run_backline("backup", str(tmp_path / "no" / "b.db"), cwd=tmp_path, env=env)
    assert missing_folder.returncode == 1
    assert "does not exist" in missing_folder.stderr
    assert sorted(os.listdir(tmp_path)) == before
