"""Idempotency keys on the real database: replays, reuse with another body, requests still in flight."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db.tables import bookings
from domain import errors, idempotency
from domain.booking import BookingService
from domain.ports import ChargeClaim, ChargeStart, UnitOfWorkFactory
from tests.answered import Answered
from tests.integration.it_support import FakeGateway, FixedClock, add_buyers, add_event, pay


async def bookings_of(engine: AsyncEngine, user_id: str) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).where(bookings.c.user_id == user_id)
        return int((await conn.execute(query)).scalar_one())


async def test_a_replayed_hold_returns_the_first_body_and_books_nothing_more(
    pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine
) -> None:
    clock = FixedClock()
    event = await add_event(pg_uow, capacity=10, now=clock.now())
    [buyer] = await add_buyers(pg_uow, 1, clock.now())
    service = Answered(BookingService(uow=pg_uow, gateway=FakeGateway(), clock=clock))

    first = await service.hold(buyer, event_id=event.id, quantity=2, idempotency_key="k1")
    clock.advance(timedelta(seconds=5))
    again = await service.hold(buyer, event_id=event.id, quantity=2, idempotency_key="k1")

    assert again == first
    assert await bookings_of(pg_engine, buyer.user_id) == 1
    with pytest.raises(errors.IdempotencyKeyReused):
        await service.hold(buyer, event_id=event.id, quantity=3, idempotency_key="k1")
    assert await bookings_of(pg_engine, buyer.user_id) == 1


async def test_a_duplicate_payment_while_the_first_is_charging_is_told_it_is_in_progress(
    pg_uow: UnitOfWorkFactory,
) -> None:
    clock = FixedClock()
    event = await add_event(pg_uow, capacity=10, now=clock.now())
    [buyer] = await add_buyers(pg_uow, 1, clock.now())
    gateway = FakeGateway(hold=asyncio.Event())
    service = Answered(BookingService(uow=pg_uow, gateway=gateway, clock=clock))
    booking = await service.hold(buyer, event_id=event.id, quantity=1, idempotency_key="hold")

    first = asyncio.create_task(pay(service, buyer, booking["id"], "pay"))
    await asyncio.wait_for(gateway.called.wait(), timeout=5)
    with pytest.raises(errors.IdempotencyInProgress):
        await pay(service, buyer, booking["id"], "pay")
    assert gateway.hold is not None
    gateway.hold.set()
    paid = await first

    assert paid["status"] == "confirmed"
    assert await pay(service, buyer, booking["id"], "pay") == paid
    assert gateway.calls == 1


async def test_a_sold_out_refusal_is_replayed_even_after_seats_come_back(
    pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine
) -> None:
    clock = FixedClock()
    event = await add_event(pg_uow, capacity=1, now=clock.now())
    first, second = await add_buyers(pg_uow, 2, clock.now())
    service = Answered(BookingService(uow=pg_uow, gateway=FakeGateway(), clock=clock))
    taken = await service.hold(first, event_id=event.id, quantity=1, idempotency_key="a")
    with pytest.raises(errors.SoldOut):
        await service.hold(second, event_id=event.id, quantity=1, idempotency_key="b")

    await service.cancel(first, booking_id=taken["id"])
    with pytest.raises(errors.SoldOut) as replayed:
        await service.hold(second, event_id=event.id, quantity=1, idempotency_key="b")

    assert replayed.value.details == {"seats_available": 0}
    assert await bookings_of(pg_engine, second.user_id) == 0
    fresh = await service.hold(second, event_id=event.id, quantity=1, idempotency_key="c")
    assert fresh["status"] == "pending"


async def test_a_key_whose_request_died_can_be_taken_over_after_its_lease_only_by_the_same_body(
    pg_uow: UnitOfWorkFactory,
) -> None:
    clock = FixedClock(datetime(2019, 1, 1, tzinfo=UTC))  # so purging below touches no other test's keys
    [buyer] = await add_buyers(pg_uow, 1, clock.now())
    event = await add_event(pg_uow, capacity=5, now=clock.now())
    held = await Answered(BookingService(uow=pg_uow, gateway=FakeGateway(), clock=clock)).hold(
        buyer, event_id=event.id, quantity=1, idempotency_key="hold"
    )

    async def start(at: datetime, request_hash: str) -> ChargeStart:
        async with pg_uow(autocommit=True) as tx:
            claim = idempotency.stored(buyer.user_id, "k", request_hash, None, at)
            claims = [ChargeClaim(held["id"], buyer.user_id, f"{held['id']}:charge", claim)]
            (started,) = await tx.bookings.start_charges(claims)
            return started

    assert (await start(clock.now(), "h1")).started  # then the request died
    leased = await start(clock.now() + timedelta(seconds=30), "h1")
    assert not leased.claimed and leased.prior is not None and leased.prior.outcome is None  # still in progress

    later = clock.now() + timedelta(seconds=90)
    other = await start(later, "h2")
    assert not other.claimed and other.prior is not None and other.prior.request_hash == "h1"
    assert (await start(later, "h1")).claimed
    async with pg_uow() as tx:
        await tx.idempotency.complete(buyer.user_id, "k", {"ok": {"n": 1}})
        await tx.commit()

    done = await start(later, "h1")
    assert not done.claimed and done.prior is not None and done.prior.outcome == {"ok": {"n": 1}}
    async with pg_uow() as tx:
        assert await tx.idempotency.purge(later + timedelta(days=3)) == 2  # this one and the hold's
        await tx.commit()
