"""Remembering a user's write position (read-your-writes on the full stack) must not need a second connection.

The full-stack on-sale collapsed (1.4 paid bookings/s, most payments 409 `idempotency_in_progress`): after each
commit the primary's WAL position was read on a connection of its own while the committing unit of work still held
its connection. Once every pooled connection was held by a committer waiting for another, all of them waited out
the pool timeout; the requests timed out and their retries found their own idempotency keys in flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import create_engine, uow_factory
from adapters.db.readers import acting_as
from adapters.db.routing import ReadRouter, create_replica_engine
from tests.integration.replica_support import redis_answers, redis_positions
from tests.integration.test_replica import add_organizer


@pytest.fixture
async def one_connection_router(databases: tuple[str, str]) -> AsyncIterator[ReadRouter]:
    if not await redis_answers():
        pytest.skip("no Redis")
    primary: AsyncEngine = create_engine(databases[0], pool_size=1, pool_timeout_s=2)
    replica = create_replica_engine(databases[1], pool_size=1)
    yield ReadRouter(primary=primary, replica=replica, positions=redis_positions())
    await primary.dispose()
    await replica.dispose()


async def test_a_commit_remembers_its_position_on_a_pool_of_one_connection(one_connection_router: ReadRouter) -> None:
    router = one_connection_router
    organizer = await add_organizer(router)
    assert router.positions is not None
    with acting_as(organizer.user_id):
        async with router.recording(uow_factory(router.primary))() as tx:
            await tx.sessions.revoke(organizer.session_id, datetime.now(UTC))
            await tx.commit()
    assert await router.positions.last_write(organizer.user_id) is not None


async def test_concurrent_commits_on_a_small_pool_all_remember_their_positions(
    one_connection_router: ReadRouter,
) -> None:
    router = one_connection_router
    organizers = [await add_organizer(router) for _ in range(4)]

    async def write(user_id: str, session_id: str) -> None:
        with acting_as(user_id):
            async with router.recording(uow_factory(router.primary))() as tx:
                await tx.sessions.revoke(session_id, datetime.now(UTC))
                await tx.commit()

    await asyncio.gather(*(write(o.user_id, o.session_id) for o in organizers))
    assert router.positions is not None
    for o in organizers:
        assert await router.positions.last_write(o.user_id) is not None
