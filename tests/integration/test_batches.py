"""Batches on PostgreSQL: every request of a batch gets its own correct answer, and the seats add up."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import uow_factory
from adapters.db.tables import sandbox_charges
from adapters.sandbox_gateway import SandboxGateway
from domain import errors
from domain.booking import BookingService
from domain.holding import HoldRequest
from domain.model import Booking
from domain.paying import PayRequest
from domain.ports import UnitOfWorkFactory
from tests.integration.it_support import FixedClock, add_buyers, add_event

GOOD, DECLINED, INVALID = "4242 4242 4242 4242", "4000 0000 0000 0002", "4242 4242 4242 4241"


def service(pg_engine: AsyncEngine, clock: FixedClock) -> BookingService:
    return BookingService(uow=uow_factory(pg_engine), gateway=SandboxGateway(pg_engine, clock=clock), clock=clock)


async def seats_left(uow: UnitOfWorkFactory, event_id: str) -> int:
    async with uow(autocommit=True) as tx:
        event = await tx.events.get(event_id)
    assert event is not None
    return event.seats_available


async def test_a_mixed_batch_of_holds_answers_each_request_and_the_seats_add_up(
    pg_engine: AsyncEngine, pg_uow: UnitOfWorkFactory
) -> None:
    clock = FixedClock(datetime.now(UTC))
    bookings = service(pg_engine, clock)
    event = await add_event(pg_uow, capacity=10, now=clock.now())
    ada, bob = await add_buyers(pg_uow, 2, clock.now())
    first = await bookings.hold(HoldRequest(ada, event.id, 3, "a1"))

    answers = await bookings.hold_many(
        [
            HoldRequest(ada, event.id, 3, "a1"),  # a replay: the first answer again
            HoldRequest(ada, event.id, 4, "a1"),  # the same key with another body
            HoldRequest(bob, event.id, 4, "b1"),  # another user: 4 of the 7 left
            HoldRequest(ada, event.id, 2, "a2"),  # 2 of the 3 left
            HoldRequest(bob, event.id, 3, "b2"),  # does not fit in the 1 left: sold out
            HoldRequest(ada, event.id, 1, "a3"),  # arrival order: the last seat is still this one's
        ]
    )

    replay, reused, b1, a2, b2, a3 = answers
    assert isinstance(replay, Booking) and replay.id == first.id and replay.quantity == 3
    assert isinstance(reused, errors.IdempotencyKeyReused)
    assert isinstance(b1, Booking) and (b1.user_id, b1.quantity, b1.amount_cents) == (bob.user_id, 4, 4 * 2500)
    assert isinstance(a2, Booking) and (a2.user_id, a2.quantity) == (ada.user_id, 2)
    assert isinstance(b2, errors.SoldOut) and b2.details == {"seats_available": 1}
    assert isinstance(a3, Booking) and a3.quantity == 1
    assert len({first.id, b1.id, a2.id, a3.id}) == 4
    assert await seats_left(pg_uow, event.id) == 0  # 3 + 4 + 2 + 1 = 10

    # Each key keeps its own answer: the sold-out one is sold out again, even after seats come back.
    await bookings.cancel(bob, booking_id=b1.id)
    again = await bookings.hold_many([HoldRequest(bob, event.id, 3, "b2"), HoldRequest(bob, event.id, 4, "b1")])
    assert isinstance(again[0], errors.SoldOut) and again[0].details == {"seats_available": 1}
    assert isinstance(again[1], Booking) and again[1].id == b1.id


async def test_two_batches_racing_for_the_last_seats_never_oversell(
    pg_engine: AsyncEngine, pg_uow: UnitOfWorkFactory
) -> None:
    clock = FixedClock(datetime.now(UTC))
    replicas = [service(pg_engine, clock), service(pg_engine, clock)]  # as two Booking replicas would
    event = await add_event(pg_uow, capacity=25, now=clock.now())
    buyers = await add_buyers(pg_uow, 40, clock.now())
    batches = [[HoldRequest(b, event.id, 1, f"k{i}") for b in buyers[i::2]] for i in range(2)]

    results = await asyncio.gather(*(r.hold_many(batch) for r, batch in zip(replicas, batches, strict=True)))

    held = [a for answers in results for a in answers if isinstance(a, Booking)]
    refused = [a for answers in results for a in answers if isinstance(a, errors.SoldOut)]
    assert len(held) == 25 and len(refused) == 15
    assert await seats_left(pg_uow, event.id) == 0


async def test_a_mixed_batch_of_payments_answers_each_one_and_charges_each_booking_once(
    pg_engine: AsyncEngine, pg_uow: UnitOfWorkFactory
) -> None:
    clock = FixedClock(datetime.now(UTC))
    bookings = service(pg_engine, clock)
    event = await add_event(pg_uow, capacity=20, now=clock.now())
    ada, bob = await add_buyers(pg_uow, 2, clock.now())
    h1, h2, h3, h4 = [await bookings.hold(HoldRequest(ada, event.id, 1, f"h{i}")) for i in range(4)]
    paid = await bookings.pay(ada, PayRequest(h4.id, GOOD, 12, 2099, "123", "p4"))

    def pay(booking_id: str, card: str, key: str) -> PayRequest:
        return PayRequest(booking_id, card, 12, 2099, "123", key)

    answers = await bookings.pay_many(
        [
            (ada, pay(h1.id, GOOD, "p1")),
            (ada, pay(h2.id, DECLINED, "p2")),
            (ada, pay(h3.id, INVALID, "p3")),  # fails the Luhn check: never reaches the gateway
            (ada, pay(h4.id, GOOD, "p4")),  # a replay of a paid booking
            (bob, pay(h1.id, GOOD, "p1-bob")),  # someone else's booking
            (ada, pay(h1.id, GOOD, "p1")),  # the same key twice in one batch
        ]
    )

    ok, declined, invalid, replay, stranger, twice = answers
    assert isinstance(ok, Booking) and ok.status.value == "confirmed" and ok.payment is not None
    assert isinstance(declined, errors.PaymentDeclined) and declined.code == "card_declined"
    assert isinstance(invalid, errors.ValidationFailed)
    assert isinstance(replay, Booking) and replay.payment is not None and paid.payment is not None
    assert replay.payment.reference == paid.payment.reference
    assert isinstance(stranger, errors.NotFound)
    assert isinstance(twice, errors.IdempotencyInProgress)

    # The decline is kept for its key; the confirmed one is confirmed once, with one charge.
    again = await bookings.pay_many([(ada, pay(h2.id, DECLINED, "p2")), (ada, pay(h1.id, GOOD, "p1"))])
    assert isinstance(again[0], errors.PaymentDeclined)
    assert isinstance(again[1], Booking) and again[1].payment == ok.payment
    async with pg_engine.connect() as conn:
        keys = [pay(h1.id, GOOD, "p1").charge_key, pay(h4.id, GOOD, "p4").charge_key]
        charged = await conn.scalar(
            select(func.count()).select_from(sandbox_charges).where(sandbox_charges.c.key.in_(keys))
        )
    assert charged == 2
