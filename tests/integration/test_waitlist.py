"""The waiting list on real databases: freed seats offered in order and exactly once, with reapers racing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import create_engine, uow_factory
from adapters.db.tables import bookings, events, metadata
from adapters.db.waitlist_tables import waitlist_entries
from domain import errors
from domain.accounts import Principal
from domain.booking import BookingService
from domain.model import Event
from domain.ports import UnitOfWorkFactory
from domain.settlement import Settlement
from domain.waitlist import WaitlistStatus
from tests.answered import Answered
from tests.integration.it_support import FakeGateway, FixedClock, add_buyers, add_event, pay

# After test_reaper's reapers (2020) and long before the real time: no other test's reaper takes these holds; the
# racing reapers' test (at RACE) never reaches the holds the other tests leave (made at BASE).
RACE = datetime(2021, 3, 1, tzinfo=UTC)
BASE = datetime(2021, 6, 1, tzinfo=UTC)
HOLD = timedelta(minutes=10)
LATER = HOLD + timedelta(minutes=1)


def booking_service(uow: UnitOfWorkFactory, clock: FixedClock) -> BookingService:
    return BookingService(uow=uow, gateway=FakeGateway(), clock=clock)


async def seat_counts(engine: AsyncEngine, event: Event) -> tuple[int, int, int]:
    """(seats available, seats held by pending bookings, seats sold)."""
    async with engine.connect() as conn:
        available = (await conn.execute(select(events.c.seats_available).where(events.c.id == event.id))).scalar_one()
        query = (
            select(bookings.c.status, func.sum(bookings.c.quantity))
            .where(bookings.c.event_id == event.id)
            .group_by(bookings.c.status)
        )
        by_status = {status: int(n) for status, n in await conn.execute(query)}
    return int(available), by_status.get("pending", 0), by_status.get("confirmed", 0)


async def statuses(service: BookingService, waiters: list[Principal], event: Event) -> list[WaitlistStatus]:
    return [(await service.waitlist_get(w, event_id=event.id)).status for w in waiters]


async def reap_until_done(settlement: Settlement) -> int:
    total = 0
    while (reaped := await settlement.reap_expired(limit=3)) > 0:
        total += reaped
    return total


async def reap_with_two_replicas(pg_url: str, at: FixedClock) -> int:
    """Two reaper replicas (their own engines), two loops each, all at once."""
    replicas = [create_engine(pg_url, pool_size=4) for _ in range(2)]
    settlements = [
        Settlement(uow=uow_factory(e), gateway=FakeGateway(), clock=at, settle_after=timedelta(seconds=10))
        for e in replicas
    ]
    try:
        return sum(await asyncio.gather(*(reap_until_done(s) for s in settlements for _ in range(2))))
    finally:
        for e in replicas:
            await e.dispose()


def waitlist_differences(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
    return [d for d in compare_metadata(context, metadata) if "waitlist_entries" in str(d)]


async def test_the_migrated_waitlist_table_equals_its_definition(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await conn.run_sync(waitlist_differences) == []
        assert (await conn.execute(select(func.count()).select_from(waitlist_entries))).scalar_one() >= 0


async def test_freed_seats_go_to_the_waiting_list_in_order_and_leaving_passes_an_offer_on(engine: AsyncEngine) -> None:
    uow = uow_factory(engine)
    clock = FixedClock(BASE)
    show = await add_event(uow, capacity=2, now=clock.now())
    service = booking_service(uow, clock)
    first_buyer, second_buyer, *waiters = await add_buyers(uow, 5, clock.now())
    taken = await Answered(service).hold(first_buyer, event_id=show.id, quantity=1, idempotency_key="a")
    await Answered(service).hold(second_buyer, event_id=show.id, quantity=1, idempotency_key="b")
    for who in waiters:
        clock.advance(timedelta(seconds=1))
        assert (await service.waitlist_join(who, event_id=show.id, quantity=1)).created
    again = await service.waitlist_join(waiters[0], event_id=show.id, quantity=1)
    assert not again.created and again.view.position == 1

    await service.cancel(first_buyer, booking_id=taken["id"])

    assert await statuses(service, waiters, show) == ["offered", "waiting", "waiting"]
    offer = (await service.waitlist_get(waiters[0], event_id=show.id)).offer
    assert offer is not None and offer.expires_at == clock.now() + HOLD
    assert (await service.waitlist_get(waiters[2], event_id=show.id)).position == 2

    await service.waitlist_leave(waiters[0], event_id=show.id)

    with pytest.raises(errors.NotFound):
        await service.waitlist_get(waiters[0], event_id=show.id)
    assert (await service.get(waiters[0], booking_id=offer.id)).status.value == "cancelled"
    assert await statuses(service, waiters[1:], show) == ["offered", "waiting"]
    assert await seat_counts(engine, show) == (0, 2, 0)


async def test_two_reapers_offer_each_freed_seat_exactly_once_in_order_and_the_counts_add_up(
    pg_url: str, pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine
) -> None:
    capacity, waiting = 12, 20
    clock = FixedClock(RACE)
    show = await add_event(pg_uow, capacity=capacity, now=clock.now())
    service = booking_service(pg_uow, clock)
    buyers = await add_buyers(pg_uow, capacity, clock.now())
    await asyncio.gather(
        *(Answered(service).hold(b, event_id=show.id, quantity=1, idempotency_key="h") for b in buyers)
    )
    waiters = await add_buyers(pg_uow, waiting, clock.now())
    for who in waiters:
        clock.advance(timedelta(seconds=1))
        await service.waitlist_join(who, event_id=show.id, quantity=1)
    assert await seat_counts(pg_engine, show) == (0, capacity, 0)

    # Every hold lapses at once; two replicas reap them together, each release offering what it freed.
    later = FixedClock(clock.now() + LATER)
    assert await reap_with_two_replicas(pg_url, later) == capacity

    expected = [WaitlistStatus.OFFERED] * capacity + [WaitlistStatus.WAITING] * (waiting - capacity)
    assert await statuses(service, waiters, show) == expected
    positions = [(await service.waitlist_get(w, event_id=show.id)).position for w in waiters[capacity:]]
    assert positions == list(range(1, waiting - capacity + 1))
    async with pg_engine.connect() as conn:
        query = (
            select(bookings.c.user_id, func.count())
            .where(bookings.c.event_id == show.id, bookings.c.status == "pending")
            .group_by(bookings.c.user_id)
        )
        offers = {str(user): int(n) for user, n in await conn.execute(query)}
    assert offers == {w.user_id: 1 for w in waiters[:capacity]}  # one hold each, for the first twelve
    assert await seat_counts(pg_engine, show) == (0, capacity, 0)

    # One offer is paid; the others lapse and pass, again with two reapers racing, to the next entries.
    first_offer = (await service.waitlist_get(waiters[0], event_id=show.id)).offer
    assert first_offer is not None
    await pay(Answered(booking_service(pg_uow, later)), waiters[0], first_offer.id, "pay-offer")
    evening = FixedClock(later.now() + LATER)
    assert await reap_with_two_replicas(pg_url, evening) == capacity - 1

    assert await statuses(service, waiters, show) == (
        [WaitlistStatus.BOOKED] + [WaitlistStatus.EXPIRED] * (capacity - 1) + [WaitlistStatus.OFFERED] * 8
    )
    available, held, sold = await seat_counts(pg_engine, show)
    assert (available, held, sold) == (3, 8, 1) and available + held + sold == capacity

    # The last offers lapse with no one left to wait: the seats go back on sale (and no hold stays behind).
    assert await reap_with_two_replicas(pg_url, FixedClock(evening.now() + LATER)) == 8
    assert await seat_counts(pg_engine, show) == (capacity - 1, 0, 1)
