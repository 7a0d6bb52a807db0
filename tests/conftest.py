"""Fixtures for every test folder: a throwaway PostgreSQL server (tests/postgres_server.py)
for the tests that run on the PostgreSQL store.

`pg_url` is a migrated database emptied for each test (made once per session: emptying takes
a few milliseconds where creating a database takes half a second). Without
PostgreSQL's binaries those tests skip, saying why; with BACKLINE_REQUIRE_POSTGRES=1 (CI) they
fail instead, so CI never skips them silently.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest

from tests.postgres_server import REQUIRE, PostgresServer, find_binaries

_DATABASE = "backline"


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to the end from sync code, whatever loop the test has."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _admin(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _make_database(server: PostgresServer) -> None:
    from bot.store.postgres import PostgresStore

    await _admin(server.url(), f"CREATE DATABASE {_DATABASE}")
    store = await PostgresStore.open(server.url(_DATABASE))
    await store.close()


async def _empty(url: str) -> None:
    """Every row gone, every other session ended (a process a test left behind can't hold a
    lock into the next test); the schema stays."""
    import asyncpg

    from bot.store.postgres.database import migration_files

    conn = await asyncpg.connect(url)
    try:
        known = [m.version for m in migration_files()]
        # (a test may have marked it as written by a newer Backline)
        await conn.execute("DELETE FROM schema_version WHERE NOT version = ANY($1::int[])", known)
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'schema_version'"
        )
        # Foreign keys are triggers: a replica session skips them, so any order works.
        await conn.execute(
            "SET session_replication_role = replica;"
            + "".join(f'DELETE FROM "{t}";' for (t,) in tables)
        )
    finally:
        await conn.close()


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE):
        pytest.fail(f"{reason}, and {REQUIRE} is set (CI): install postgresql", pytrace=False)
    pytest.skip(f"{reason}: the PostgreSQL tests are skipped ({REQUIRE}=1 makes this fail)")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = find_binaries()
    if bin_dir is None:
        _unavailable("PostgreSQL is not installed (no initdb/pg_ctl in /usr/lib/postgresql/*/bin)")
    assert bin_dir is not None
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        # A run stopped with SIGTERM (e.g. `timeout`) still stops the server: as Ctrl-C.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = PostgresServer.start(bin_dir)
    try:
        _run(_make_database(server))
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:
    """The URL of an empty database with every migration applied."""
    url = postgres_server.url(_DATABASE)
    _run(_empty(url))
    return url
