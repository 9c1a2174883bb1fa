"""Real databases: a throwaway PostgreSQL database per run, and SQLite files under tmp_path."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.cache import Redis
from adapters.db import create_engine, uow_factory
from adapters.db.migrate import upgrade
from domain.ports import UnitOfWorkFactory
from tests.integration.redis_support import LIVE_REDIS
from tests.integration.replica_support import PG_REPLICA, on_replica, services, standby, wait_for

PG_SERVER = os.environ.get("EVENTBOOK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The async URL of a freshly migrated database that is dropped after the run."""
    server = make_url(PG_SERVER)
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"eventbook_it_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {PG_SERVER} (set EVENTBOOK_TEST_PG): {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            database = server.set(drivername="postgresql+psycopg", database=name)
            upgrade(database.render_as_string(hide_password=False))
            yield database.render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(scope="package", loop_scope="session")
async def pg_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    # Package scope: its 40 connections close when the integration tests end, before the e2e app needs some.
    engine = create_engine(pg_url, pool_size=40)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="package")
def pg_uow(pg_engine: AsyncEngine) -> UnitOfWorkFactory:
    return uow_factory(pg_engine)


@pytest.fixture(params=["postgresql", "sqlite"])
async def engine(request: pytest.FixtureRequest, pg_engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """Each test that takes it runs twice: on the package's PostgreSQL engine and on a migrated SQLite file."""
    if request.param == "postgresql":
        yield pg_engine
        return
    sqlite = create_engine(request.getfixturevalue("sqlite_url"))
    yield sqlite
    await sqlite.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The async URL of a migrated SQLite file."""
    path = tmp_path / "eventbook.db"
    upgrade(f"sqlite:///{path}")
    return f"sqlite+aiosqlite:///{path}"


# --- the streaming replica (127.0.0.1:5433) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def replica_running() -> None:
    try:
        psycopg.connect(PG_SERVER, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {PG_SERVER}: {exc}")
    if not standby():
        services("up")
    assert standby(), "the replica did not come up"
    on_replica("SELECT pg_wal_replay_resume()")  # in case an interrupted run left replay paused


@pytest.fixture(scope="module")
def databases(replica_running: None) -> Iterator[tuple[str, str]]:
    """(primary, replica) async URLs of a migrated throwaway database, once the replica has it too."""
    name = f"eventbook_rr_{secrets.token_hex(6)}"
    server = make_url(PG_SERVER)
    admin = psycopg.connect(PG_SERVER, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        primary = server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
        upgrade(primary)
        replica = make_url(PG_REPLICA).set(drivername="postgresql+psycopg", database=name)
        replica_dsn = replica.set(drivername="postgresql").render_as_string(hide_password=False)

        def migrated_there() -> bool:
            try:
                with psycopg.connect(replica_dsn, connect_timeout=2) as conn:
                    return conn.execute("SELECT to_regclass('events') IS NOT NULL").fetchone() == (True,)
            except psycopg.OperationalError:
                return False

        wait_for(migrated_there, "replication of the test database")
        yield primary, replica.render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# --- Redis ------------------------------------------------------------------------------------------------


@pytest.fixture
async def live_redis() -> AsyncIterator[Redis]:
    redis = Redis(LIVE_REDIS)
    assert redis.client is not None
    await redis.client.flushdb()
    yield redis
    await redis.client.flushdb()
    await redis.client.aclose()
