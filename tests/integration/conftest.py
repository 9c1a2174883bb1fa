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

from adapters.db import create_engine, uow_factory
from adapters.db.migrate import upgrade
from domain.ports import UnitOfWorkFactory

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


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The async URL of a migrated SQLite file."""
    path = tmp_path / "eventbook.db"
    upgrade(f"sqlite:///{path}")
    return f"sqlite+aiosqlite:///{path}"
