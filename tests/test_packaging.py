"""The wheel carries the content: installed elsewhere, `backline howto rdl` still works."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_content_and_runs_from_another_directory(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        timeout=180,
    )
    (wheel,) = wheels.glob("backline-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/_content/programs.yaml" in names
    assert any(n.startswith("bot/_content/exercises/") for n in names)
    # The drawings ship with their index and credit.
    pictures = {"index.yaml", "NOTICE.md", "pull-up.png"}
    assert {f"bot/_content/images/{name}" for name in pictures} <= set(names)
    assert "bot/store/migrations/0001_initial.sql" in names

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=180,
    )
    # The install wrote the project's bytecode: a cold start doesn't compile it.
    for package in ("bot", "scheduler"):
        sources = list((target / package).rglob("*.py"))
        assert sources
        tag = sys.implementation.cache_tag
        missing = [
            s for s in sources if not (s.parent / "__pycache__" / f"{s.stem}.{tag}.pyc").exists()
        ]
        assert not missing, missing[:5]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import bot, sys\n"
        "from bot.cli import main\n"
        "from bot.content import content_root\n"
        f"assert bot.__file__.startswith({str(target)!r}), bot.__file__\n"
        "print(content_root())\n"
        "sys.exit(main(['howto', 'rdl']))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "BACKLINE_CONTENT"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env={**env, "PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()[:2]
    assert first.startswith(str(target)) and first.endswith("_content")
    assert second == "Romanian deadlift (dumbbells)"
    # Its drawing is read from the installed copy, nowhere else.
    picture = result.stdout.splitlines()[-1]
    assert picture.startswith("Picture: ") and "/_content/images/" in picture
    assert Path(picture.removeprefix("Picture: ")).is_relative_to(target.resolve())

    # The host's check runs from the installed wheel too, on a fresh database there.
    doctor = subprocess.run(
        [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(['doctor']))"],
        cwd=elsewhere,
        env={**env, "PYTHONPATH": str(target), "BACKLINE_DB": str(elsewhere / "b.db")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
