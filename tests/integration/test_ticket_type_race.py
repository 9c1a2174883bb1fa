"""Holds of several ticket types with a promo code, racing on PostgreSQL: no type, no event and no code over its
limit, and every count adds up to the bookings the database holds; on both databases, a cancelled hold gives its
seats and its code's use back, and a write that finds a type changed since its decision writes nothing."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import uow_factory
from adapters.db.tables import bookings, events
from adapters.db.ticket_tables import promo_codes, ticket_types
from domain import errors
from domain.booking import BookingService
from domain.holding import HoldRequest, plan_holds
from domain.model import Booking, BookingPolicy, new_id
from domain.ports import UnitOfWorkFactory
from domain.pricing import LineRequest, TicketType
from tests.integration.it_support import FakeGateway, FixedClock, add_buyers, add_event

CAPACITY = 40  # below the types' quotas together (15 + 30): the event's capacity binds as well
BUYERS = 300
MAX_USES = 5


async def _event_with_two_types_and_a_code(uow: UnitOfWorkFactory, engine: AsyncEngine) -> tuple[str, str, str]:
    early, late = TicketType(new_id(), "Early bird", 1000, 15), TicketType(new_id(), "Late", 2000, 30)
    event = await add_event(uow, capacity=CAPACITY, now=datetime.now(UTC), ticket_types=[early, late])
    async with engine.begin() as conn:
        await conn.execute(
            insert(promo_codes).values(
                id=new_id(), event_id=event.id, code="HALF", percent_off=50, max_uses=MAX_USES, uses=0,
                created_at=datetime.now(UTC),
            )
        )  # fmt: skip
    return event.id, early.id, late.id


def _requests(buyers: list, event_id: str, early: str, late: str) -> list[HoldRequest]:
    pick = random.Random(7)
    requests = []
    for i, buyer in enumerate(buyers):
        shape = pick.choice([[(early, 1)], [(early, 2)], [(late, 2)], [(early, 1), (late, 1)], [(late, 1)]])
        lines = tuple(LineRequest(type_id, n) for type_id, n in shape)
        code = "half" if i % 2 == 0 else None  # any case: codes are case-insensitive
        seats = sum(line.quantity for line in lines)
        requests.append(HoldRequest(buyer, event_id, seats, f"race-{i}", lines=lines, promo_code=code))
    return requests


async def _counts(engine: AsyncEngine, event_id: str) -> tuple[int, dict[str, int], int]:
    async with engine.connect() as conn:
        seats = (await conn.execute(select(events.c.seats_available).where(events.c.id == event_id))).scalar_one()
        taken = dict((await conn.execute(select(ticket_types.c.id, ticket_types.c.taken).where(
            ticket_types.c.event_id == event_id))).all())  # fmt: skip
        uses = (await conn.execute(select(promo_codes.c.uses).where(promo_codes.c.event_id == event_id))).scalar_one()
    return seats, {str(k): int(v) for k, v in taken.items()}, int(uses)


async def _live_holds(engine: AsyncEngine, event_id: str) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).where(bookings.c.event_id == event_id, bookings.c.status == "pending")
        return int((await conn.execute(query)).scalar_one())


async def test_three_hundred_buyers_over_two_types_and_a_code_never_pass_a_limit(
    pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine
) -> None:
    event_id, early, late = await _event_with_two_types_and_a_code(pg_uow, pg_engine)
    buyers = await add_buyers(pg_uow, BUYERS, datetime.now(UTC))
    service = BookingService(uow=pg_uow, gateway=FakeGateway(), clock=FixedClock())
    requests = _requests(buyers, event_id, early, late)

    outcomes = await asyncio.gather(*(service.hold(r) for r in requests), return_exceptions=True)

    refused = (errors.SoldOut, errors.PromoCodeInvalid)
    unexpected = [o for o in outcomes if not isinstance(o, (Booking, *refused))]
    assert not unexpected, unexpected[:3]
    held = [o for o in outcomes if isinstance(o, Booking)]
    by_type: Counter[str] = Counter()
    for booking in held:
        for line in booking.lines:
            by_type[line.ticket_type_id] += line.quantity
    coded = [b for b in held if b.promo_code is not None]
    seats, taken, uses = await _counts(pg_engine, event_id)

    assert by_type[early] <= 15 and by_type[late] <= 30 and sum(by_type.values()) <= CAPACITY
    assert taken == {early: by_type[early], late: by_type[late]}  # each type's counter is its bookings' seats
    assert seats == CAPACITY - sum(by_type.values())
    assert uses == len(coded) == MAX_USES  # 150 buyers tried the code: exactly its five uses were taken
    assert all(b.promo_code == "HALF" for b in coded)
    assert await _live_holds(pg_engine, event_id) == len(held)
    assert seats == 0 or taken[early] == 15  # nothing left unsold that someone asked for and could have had
    for booking in held:  # every amount is its lines' price less half, rounded half up, for the coded ones
        subtotal = sum(line.quantity * line.unit_price_cents for line in booking.lines)
        discount = (subtotal * 50 + 50) // 100 if booking.promo_code else 0
        assert (booking.discount_cents, booking.amount_cents) == (discount, subtotal - discount)


async def test_cancelled_holds_give_their_types_seats_and_their_codes_uses_back(engine: AsyncEngine) -> None:
    uow = uow_factory(engine)  # PostgreSQL's one statement, and SQLite's savepoint (adapters/db/holds_portable.py)
    event_id, early, late = await _event_with_two_types_and_a_code(uow, engine)
    buyers = await add_buyers(uow, MAX_USES + 1, datetime.now(UTC))
    service = BookingService(uow=uow, gateway=FakeGateway(), clock=FixedClock())
    lines = (LineRequest(early, 1), LineRequest(late, 2))
    held = [
        await service.hold(HoldRequest(b, event_id, 3, f"k-{i}", lines=lines, promo_code="HALF"))
        for i, b in enumerate(buyers[:MAX_USES])
    ]
    try:
        await service.hold(HoldRequest(buyers[-1], event_id, 3, "late", lines=lines, promo_code="HALF"))
    except errors.PromoCodeInvalid as used_up:
        assert used_up.details["reason"] == "used_up"
    else:
        raise AssertionError("a sixth use of a code with five was granted")
    assert await _counts(engine, event_id) == (CAPACITY - 15, {early: 5, late: 10}, MAX_USES)

    for buyer, booking in zip(buyers, held, strict=False):
        await service.cancel(buyer, booking_id=booking.id)

    assert await _counts(engine, event_id) == (CAPACITY, {early: 0, late: 0}, 0)
    again = await service.hold(HoldRequest(buyers[-1], event_id, 3, "again", lines=lines, promo_code="HALF"))
    assert again.promo_code == "HALF" and again.discount_cents == 2500


async def test_a_batch_whose_type_filled_since_its_snapshot_writes_nothing(engine: AsyncEngine) -> None:
    uow = uow_factory(engine)
    event_id, early, late = await _event_with_two_types_and_a_code(uow, engine)
    (buyer,) = await add_buyers(uow, 1, datetime.now(UTC))
    now = FixedClock().now()
    request = HoldRequest(buyer, event_id, 2, "k", lines=(LineRequest(early, 1), LineRequest(late, 1)))
    async with uow(autocommit=True) as tx:
        snapshot = await tx.bookings.sale_snapshot(event_id, [request.key], [buyer.user_id], now, [])
    plan = plan_holds([request], snapshot, BookingPolicy(), now)
    async with engine.begin() as conn:  # the late type sells out between the decision and the write
        await conn.execute(update(ticket_types).where(ticket_types.c.id == late).values(taken=30))

    async with uow(autocommit=True) as tx:
        placed = await tx.bookings.place_holds(snapshot.event, plan.seats, plan.holds, plan.keys, now)
        await tx.commit()

    assert placed is False
    assert await _counts(engine, event_id) == (CAPACITY, {early: 0, late: 30}, 0)  # the early seat was not taken
    assert await _live_holds(engine, event_id) == 0
