"""Expiring unpaid holds with several reaper replicas at once."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import create_engine, uow_factory
from adapters.db.tables import bookings, events
from domain.booking import BookingService
from domain.model import BookingPolicy, Event
from domain.ports import UnitOfWorkFactory
from domain.settlement import Settlement
from tests.answered import Answered
from tests.integration.it_support import FakeGateway, FixedClock, add_buyers, add_event

HOLDS = 150
CAPACITY = 400
# Long past, so no hold of another test (made at the real time) is ever due for this test's reapers.
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


async def seats_taken(engine: AsyncEngine, shows: list[Event]) -> int:
    async with engine.connect() as conn:
        query = select(func.sum(events.c.capacity - events.c.seats_available)).where(
            events.c.id.in_([e.id for e in shows])
        )
        return int((await conn.execute(query)).scalar_one())


async def reap_until_done(settlement: Settlement) -> int:
    total = 0
    while (reaped := await settlement.reap_expired(limit=7)) > 0:
        total += reaped
    return total


async def test_two_reaper_replicas_expire_every_hold_exactly_once_and_return_every_seat(
    pg_url: str, pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine
) -> None:
    clock = FixedClock(LONG_AGO)
    # Several events, so the reapers' seat releases could lock event rows in opposite orders.
    shows = [await add_event(pg_uow, capacity=CAPACITY, now=clock.now()) for _ in range(3)]
    buyers = await add_buyers(pg_uow, HOLDS // 5, clock.now())
    service = Answered(
        BookingService(uow=pg_uow, gateway=FakeGateway(), clock=clock, policy=BookingPolicy(max_open_holds_per_user=5))
    )
    wanted = [(random.choice(shows).id, random.randint(1, 2)) for _ in range(HOLDS)]
    await asyncio.gather(
        *(
            service.hold(buyers[i % len(buyers)], event_id=event_id, quantity=q, idempotency_key=f"h{i}")
            for i, (event_id, q) in enumerate(wanted)
        )
    )
    assert await seats_taken(pg_engine, shows) == sum(q for _, q in wanted)

    replicas = [create_engine(pg_url, pool_size=4) for _ in range(2)]
    later = FixedClock(LONG_AGO + timedelta(hours=1))
    settlements = [
        Settlement(uow=uow_factory(engine), gateway=FakeGateway(), clock=later, settle_after=timedelta(seconds=10))
        for engine in replicas
    ]
    try:
        # Two loops per replica as well, so claims overlap inside a replica and across replicas.
        reaped = await asyncio.gather(*(reap_until_done(s) for s in settlements for _ in range(2)))
    finally:
        for engine in replicas:
            await engine.dispose()

    assert sum(reaped) == HOLDS
    assert await seats_taken(pg_engine, shows) == 0
    async with pg_engine.connect() as conn:
        query = (
            select(bookings.c.status, func.count())
            .where(bookings.c.event_id.in_([e.id for e in shows]))
            .group_by(bookings.c.status)
        )
        by_status: dict[str, int] = {status: count for status, count in await conn.execute(query)}
    assert by_status == {"expired": HOLDS}
    assert await settlements[0].reap_expired() == 0
