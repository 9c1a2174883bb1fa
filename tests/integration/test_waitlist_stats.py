"""adapters/db/waitlist_stats.py on real databases: the offer counts the dashboard shows follow what happened to
the offers (made on a cancellation, taken when paid, expired and passed on by the reaper)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import create_engine, uow_factory
from adapters.db.waitlist_stats import offer_counts
from domain.booking import BookingService
from domain.settlement import Settlement
from tests.answered import Answered
from tests.integration.it_support import FakeGateway, FixedClock, add_buyers, add_event, pay

# Between test_waitlist's RACE and BASE clocks: no other test's reaper reaches these holds, nor these tests theirs.
BASE = datetime(2021, 4, 1, tzinfo=UTC)
LATER = timedelta(minutes=11)  # past a hold's 10 minutes


@pytest.fixture(params=["postgresql", "sqlite"])
async def engine(request: pytest.FixtureRequest, pg_engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    if request.param == "postgresql":
        yield pg_engine
        return
    sqlite = create_engine(request.getfixturevalue("sqlite_url"))
    yield sqlite
    await sqlite.dispose()


async def change(engine: AsyncEngine, before: dict[str, int]) -> dict[str, int]:
    after = asdict(await offer_counts(engine))
    return {state: after[state] - before[state] for state in after}


async def test_an_offer_is_counted_made_when_seats_come_back_and_taken_when_paid(engine: AsyncEngine) -> None:
    uow, clock = uow_factory(engine), FixedClock(BASE)
    service = BookingService(uow=uow, gateway=FakeGateway(), clock=clock)
    show = await add_event(uow, capacity=1, now=clock.now())
    buyer, first, second = await add_buyers(uow, 3, clock.now())
    held = await Answered(service).hold(buyer, event_id=show.id, quantity=1, idempotency_key="h")
    before = asdict(await offer_counts(engine))
    for who in (first, second):
        clock.advance(timedelta(seconds=1))  # joined one after the other: the offers go in this order
        await service.waitlist_join(who, event_id=show.id, quantity=1)
    assert await change(engine, before) == {"waiting": 2, "made": 0, "taken": 0, "expired": 0}

    await service.cancel(buyer, booking_id=held["id"])
    assert await change(engine, before) == {"waiting": 1, "made": 1, "taken": 0, "expired": 0}
    offer = (await service.waitlist_get(first, event_id=show.id)).offer
    assert offer is not None
    await pay(Answered(service), first, offer.id, "pay-offer")
    assert await change(engine, before) == {"waiting": 1, "made": 1, "taken": 1, "expired": 0}


async def test_an_offer_not_paid_in_time_is_counted_expired_and_the_next_entry_gets_one(engine: AsyncEngine) -> None:
    uow, clock = uow_factory(engine), FixedClock(BASE + timedelta(days=1))
    service = BookingService(uow=uow, gateway=FakeGateway(), clock=clock)
    settlement = Settlement(uow=uow, gateway=FakeGateway(), clock=clock, settle_after=timedelta(seconds=10))
    show = await add_event(uow, capacity=1, now=clock.now())
    buyer, first, second = await add_buyers(uow, 3, clock.now())
    held = await Answered(service).hold(buyer, event_id=show.id, quantity=1, idempotency_key="h")
    before = asdict(await offer_counts(engine))
    for who in (first, second):
        clock.advance(timedelta(seconds=1))  # joined one after the other: the offers go in this order
        await service.waitlist_join(who, event_id=show.id, quantity=1)
    await service.cancel(buyer, booking_id=held["id"])

    clock.advance(LATER)
    while await settlement.reap_expired(limit=50) > 0:
        pass
    assert await change(engine, before) == {"waiting": 0, "made": 2, "taken": 0, "expired": 1}
    assert (await service.waitlist_get(second, event_id=show.id)).offer is not None
