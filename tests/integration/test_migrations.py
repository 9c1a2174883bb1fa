"""Migrations: Alembic's head is exactly tables.metadata, upgrading is idempotent and safe to run at once."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, Engine, create_engine, inspect, make_url, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db.migrate import alembic_config, upgrade
from adapters.db.tables import events, metadata
from adapters.settings import sync_url
from domain.ports import UnitOfWorkFactory
from tests.integration.conftest import PG_SERVER
from tests.integration.it_support import add_event, booking_of

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.fixture
def pg_sync(pg_url: str) -> Iterator[Engine]:
    engine = create_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_sync(sqlite_url: str) -> Iterator[Engine]:
    engine = create_engine(sync_url(sqlite_url))
    yield engine
    engine.dispose()


def differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return list(compare_metadata(context, metadata))


def revisions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def test_the_migrated_postgres_schema_equals_the_table_definitions(pg_sync: Engine) -> None:
    assert differences(pg_sync) == []
    # compare_metadata does not look at CHECK constraints: compare their names ourselves.
    inspector = inspect(pg_sync)
    for table in metadata.sorted_tables:
        declared = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        assert {c["name"] for c in inspector.get_check_constraints(table.name)} == declared


def test_the_migrated_sqlite_schema_equals_the_table_definitions(sqlite_sync: Engine) -> None:
    assert differences(sqlite_sync) == []


def test_upgrading_an_up_to_date_database_twice_changes_nothing(pg_url: str, pg_sync: Engine) -> None:
    before = sorted(inspect(pg_sync).get_table_names())
    upgrade(pg_url)
    upgrade(pg_url)

    assert sorted(inspect(pg_sync).get_table_names()) == before
    assert revisions(pg_sync) == [HEAD]


def test_processes_starting_together_on_a_new_sqlite_file_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(upgrade, [f"sqlite:///{path}"] * 4))

    engine = create_engine(f"sqlite:///{path}")
    assert revisions(engine) == [HEAD]
    assert differences(engine) == []
    engine.dispose()


def test_processes_starting_together_on_a_new_postgres_database_migrate_it_once() -> None:
    server = make_url(PG_SERVER)
    name = f"eventbook_it_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(server.set(drivername="postgresql").render_as_string(False), autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {PG_SERVER}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = server.set(drivername="postgresql+psycopg", database=name).render_as_string(False)
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(upgrade, [url] * 4))
            engine = create_engine(url)
            assert revisions(engine) == [HEAD]
            engine.dispose()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_the_database_refuses_a_negative_seat_count(pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine) -> None:
    event = await add_event(pg_uow, capacity=3, now=datetime.now(UTC))
    async with pg_engine.connect() as conn:
        with pytest.raises(IntegrityError, match="ck_events_seats_in_range"):
            await conn.execute(update(events).where(events.c.id == event.id).values(seats_available=-1))


async def test_the_database_refuses_releasing_seats_above_capacity(pg_uow: UnitOfWorkFactory) -> None:
    event = await add_event(pg_uow, capacity=3, now=datetime.now(UTC) - timedelta(days=1))
    async with pg_uow() as tx:
        with pytest.raises(IntegrityError):
            await tx.events.release(booking_of(event, 1))
