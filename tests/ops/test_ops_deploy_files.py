"""deploy/: the Dockerfile, compose file, systemd unit and .env.example, parsed and checked.

Docker can't run here, so the files are read the way their tools read them (instructions with
line continuations, YAML, systemd's key=value sections) and the commands they run are run.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from bot.config import ENV_FILE_VAR, SETTINGS, load_config
from tests.ops.support import REPO_ROOT, backline_env, run_backline

DEPLOY = REPO_ROOT / "deploy"


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: comments dropped, backslash continuations joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # comments inside a continuation are skipped by Docker too
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a continuation"
    return instructions


def final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(i for i, (kw, _) in enumerate(instructions) if kw == "FROM")
    return instructions[last_from:]


def unit_sections(text: str) -> dict[str, list[tuple[str, str]]]:
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = []
            continue
        assert current is not None, f"setting outside a section: {line}"
        key, sep, value = line.partition("=")
        assert sep, f"not key=value: {line}"
        sections[current].append((key.strip(), value.strip()))
    return sections


@pytest.fixture(scope="module")
def docker() -> list[tuple[str, str]]:
    return dockerfile_instructions((DEPLOY / "Dockerfile").read_text(encoding="utf-8"))


def test_dockerfile_runs_slim_python_as_a_user_with_a_volume(
    docker: list[tuple[str, str]],
) -> None:
    known = {"FROM", "WORKDIR", "COPY", "RUN", "ENV", "USER", "VOLUME", "HEALTHCHECK"}
    known |= {"STOPSIGNAL", "ENTRYPOINT", "CMD", "EXPOSE", "ARG", "LABEL"}
    assert {kw for kw, _ in docker} <= known
    stage = final_stage(docker)
    assert stage[0] == ("FROM", "python:3.11-slim")
    users = [args for kw, args in stage if kw == "USER"]
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith("0:")
    # Nothing after USER runs as root again, and the entrypoint is the backline command.
    assert [args for kw, args in stage if kw == "ENTRYPOINT"] == ['["backline"]']
    volumes = [args for kw, args in stage if kw == "VOLUME"]
    assert volumes == ['["/data"]']
    env = " ".join(args for kw, args in stage if kw == "ENV")
    assert "BACKLINE_DB=/data/backline.db" in env
    # The image carries the project's bytecode, written at build time (not at every start).
    installs = [args for kw, args in stage if kw == "RUN" and "pip install" in args]
    assert installs and all("--compile" in args for args in installs)
    # Every COPY from the build context names something that exists.
    for kw, args in docker:
        if kw == "COPY" and not args.startswith("--from"):
            *sources, _dest = args.split()
            for source in sources:
                assert (REPO_ROOT / source).exists(), source


def test_dockerfile_healthcheck_command_works(
    docker: list[tuple[str, str]], tmp_path: Path
) -> None:
    [check] = [args for kw, args in final_stage(docker) if kw == "HEALTHCHECK"]
    options, _, command = check.partition("CMD")
    assert "--interval=" in options and "--timeout=" in options
    argv = yaml.safe_load(command.strip())  # exec form is a JSON array
    assert argv[0] == "backline"
    # The same command, run here against a fresh data folder, passes.
    env = backline_env(BACKLINE_DB=str(tmp_path / "data.db"))
    result = run_backline(*argv[1:], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    # And it fails when the database can't be used.
    (tmp_path / "data.db").write_bytes(b"not a database" * 100)
    assert run_backline(*argv[1:], cwd=tmp_path, env=env).returncode == 1


def test_dockerignore_keeps_the_context_to_the_sources() -> None:
    lines = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules[0] == "**"
    assert {"!bot/", "!scheduler/", "!content/", "!pyproject.toml"} <= set(rules)


def test_compose_keeps_the_database_in_a_named_volume() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["backline"]
    assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert (DEPLOY / ".." / service["build"]["dockerfile"]).resolve().is_file()
    assert service["restart"] in ("unless-stopped", "always", "on-failure")
    [mount] = service["volumes"]
    volume, target = mount.split(":")
    assert volume in compose["volumes"] and target == "/data"
    assert service["environment"]["BACKLINE_DB"].startswith(target + "/")
    assert any(e["path"] == ".env" for e in service["env_file"])
    seconds = int(re.fullmatch(r"(\d+)s", service["stop_grace_period"]).group(1))
    assert seconds >= 30  # time for a graceful stop


def test_systemd_unit_restarts_and_is_hardened() -> None:
    sections = unit_sections((DEPLOY / "backline.service").read_text(encoding="utf-8"))
    service = dict(sections["Service"])
    assert service["Restart"] == "on-failure"
    # configuration/database, content, token: see bot/exit_codes.py
    assert service["RestartPreventExitStatus"] == "2 3 4"
    assert service["User"] not in ("root", "0")
    for key, value in {
        "NoNewPrivileges": "true",
        "ProtectSystem": "strict",
        "ProtectHome": "true",
        "PrivateTmp": "true",
    }.items():
        assert service[key] == value, key
    db = dict(value.split("=", 1) for key, value in sections["Service"] if key == "Environment")[
        "BACKLINE_DB"
    ]
    assert service["ReadWritePaths"] == str(Path(db).parent)
    assert service["StateDirectory"] == Path(db).parent.name
    assert shlex.split(service["ExecStart"])[0].endswith("/bin/backline")
    assert dict(sections["Install"])["WantedBy"] == "multi-user.target"


def test_env_example_lists_every_setting_with_a_comment() -> None:
    lines = (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()
    listed = {}
    for i, line in enumerate(lines):
        match = re.match(r"^#? ?(BACKLINE_[A-Z_]+)=", line)
        if match:
            assert lines[i - 1].startswith("#"), f"{match.group(1)} has no comment"
            listed[match.group(1)] = line
    expected = {variable for variable, _ in SETTINGS.values()} | {ENV_FILE_VAR}
    assert set(listed) == expected


def test_env_example_as_is_loads_the_defaults(
    clean_env: Path,
) -> None:
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    (clean_env / ".env").write_text(example, encoding="utf-8")
    config = load_config()
    assert config.platforms == [] and config.http_port is None
    assert config.push_grace_minutes == 180 and config.log_level == "INFO"


def test_deploy_doc_covers_the_platform_setup() -> None:
    doc = (REPO_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for needed in (
        "@BotFather",
        "Message Content",
        "applications.commands",
        "Send Messages",
        "Embed Links",
        "Attach Files",
        "Read Message History",
        "Use Application Commands",
        "backline backup",
        "backline doctor",
        "compose.yaml",
        "backline.service",
    ):
        assert needed in doc, needed
    for variable, _ in SETTINGS.values():
        assert f"`{variable}`" in doc, variable
    # The invite link's permission number is exactly the five permissions named above.
    bits = {"send": 1 << 11, "embed": 1 << 14, "attach": 1 << 15, "history": 1 << 16}
    bits["application commands"] = 1 << 31
    [permissions] = re.findall(r"permissions=(\d+)", doc)
    assert int(permissions) == sum(bits.values())
