"""No pre-ping per checkout: a pooled connection the server dropped while it sat idle is replaced at its first
statement, and the unit of work goes on as if nothing happened."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import create_engine, uow_factory
from domain.model import new_id
from tests.integration.conftest import PG_SERVER

NAME = "eventbook-reconnect-test"  # only this test's connections are cut, not the other tests' pools


@pytest.fixture
async def engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"{pg_url}?application_name={NAME}", pool_size=2)
    yield engine
    await engine.dispose()


def drop_the_pools_connections() -> int:
    """What a server restart or an idle timeout does to the pool: its connections are cut while they sit idle."""
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", (NAME,)
        ).fetchall()
    return len(rows)


@pytest.mark.parametrize("autocommit", [True, False])
async def test_a_connection_dropped_in_the_pool_is_replaced_at_its_first_statement(
    engine: AsyncEngine, autocommit: bool
) -> None:
    uow = uow_factory(engine)
    async with uow(autocommit=autocommit) as tx:  # a connection is now in the pool
        assert await tx.events.get(new_id()) is None
    assert drop_the_pools_connections() >= 1

    async with uow(autocommit=autocommit) as tx:
        assert await tx.events.get(new_id()) is None
        assert await tx.sessions.get(new_id()) is None
        await tx.commit()
