"""deploy/compose.postgres.yaml: PostgreSQL and two Backline processes that the configuration
accepts as they are written (each its own instance name, the URL on the db service)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.config import Config

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "deploy" / "compose.postgres.yaml"


def test_two_backline_processes_share_one_postgresql_service() -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = compose["services"]
    db = services["db"]
    assert db["image"].startswith("postgres:") and "healthcheck" in db
    [volume] = db["volumes"]
    assert volume.split(":")[0] in compose["volumes"]
    bots = {name: s for name, s in services.items() if name.startswith("backline")}
    assert len(bots) == 2
    names = set()
    for service in bots.values():
        env = service["environment"]
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert (REPO / service["build"]["dockerfile"]).is_file()  # context: the repo
        url = env["BACKLINE_DB"].replace("${POSTGRES_PASSWORD}", "s3cret-0123456789")
        config = Config(db_path=url, instance=env["BACKLINE_INSTANCE"], _env_file=None)  # type: ignore[call-arg]
        assert config.database_url is not None and "@db:5432/" in config.database_url
        names.add(config.instance)
    assert len(names) == 2  # one name per process
    # The Discord gateway runs in one process only; the other still sends (REST).
    assert [s["environment"].get("BACKLINE_DISCORD_GATEWAY") for s in bots.values()] == [
        None,
        "off",
    ]
    assert not any("BACKLINE_DISCORD_TOKEN" in s["environment"] for s in bots.values())


def test_the_deploy_doc_explains_scaling_out() -> None:
    doc = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    for needed in ("compose.postgres.yaml", "backline db copy", "BACKLINE_INSTANCE", "pg_dump",
                   "100,000", "webhook"):  # fmt: skip
        assert needed in doc, needed
