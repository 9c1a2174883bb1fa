"""Ticket types, promo codes and the names on tickets on real databases: the repositories round-trip what they write
(PostgreSQL and SQLite), types added at once take distinct positions under the event's lock, and a renamed seat's
ticket is renamed in the same transaction (PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import uow_factory
from adapters.db.tables import events
from adapters.db.ticket_tables import promo_codes, ticket_types
from domain import errors
from domain.accounts import Principal, Role
from domain.attendee_editing import AttendeeService
from domain.attendees import Attendee, AttendeeInput
from domain.booking import BookingService
from domain.holding import HoldRequest
from domain.model import new_id
from domain.paying import PayRequest
from domain.ports import UnitOfWorkFactory
from domain.pricing import PromoCode, TicketType
from domain.ticket_authoring import TicketAuthoringService, TicketTypeDraft
from domain.ticket_ports import TicketRename
from domain.ticketing import TicketService
from tests.fakes import GOOD_CARD, FakeGateway
from tests.integration.it_support import FixedClock, add_buyers, add_event


async def version_of(engine: AsyncEngine, event_id: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(events.c.version).where(events.c.id == event_id))).scalar_one())


async def test_a_type_and_a_promo_code_round_trip_with_taken_scope_and_expiry(engine: AsyncEngine) -> None:
    uow = uow_factory(engine)
    now = datetime.now(UTC).replace(microsecond=123456)
    event = await add_event(uow, capacity=100, now=now)
    (ga,) = event.ticket_types
    before = await version_of(engine, event.id)
    vip = TicketType(new_id(), "VIP", 9000, 20, sales_end=now + timedelta(days=3), max_per_order=2)
    async with uow() as tx:
        await tx.ticket_types.add(event.id, vip, now)
        await tx.commit()
    async with engine.begin() as conn:  # what the hold statements keep
        await conn.execute(update(ticket_types).where(ticket_types.c.id == vip.id).values(taken=7))

    async with uow() as tx:
        (found_ga, found_vip) = (await tx.ticket_types.for_events([event.id]))[event.id]
        await tx.ticket_types.save(event.id, TicketType(vip.id, "VIP lounge", 9500, 25, taken=0))
        await tx.commit()
    assert found_ga.id == ga.id and found_vip == TicketType(**{**vip.__dict__, "taken": 7})
    async with uow(autocommit=True) as tx:
        (_, saved) = (await tx.ticket_types.for_events([event.id]))[event.id]
    assert (saved.name, saved.price_cents, saved.quota, saved.taken, saved.sales_end) == (
        "VIP lounge",
        9500,
        25,
        7,
        None,
    )
    assert await version_of(engine, event.id) == before + 2  # each write moved the cached copies' version on

    scoped = PromoCode("vip-half", percent_off=50, max_uses=3, valid_until=now + timedelta(days=1),
                       ticket_type_ids=frozenset({vip.id, ga.id}), id=new_id())  # fmt: skip
    everywhere = PromoCode("FLAT", amount_off_cents=500, id=new_id())
    async with uow() as tx:
        assert await tx.promo_codes.add(event.id, scoped, now)
        assert await tx.promo_codes.add(event.id, everywhere, now + timedelta(seconds=1))
        assert not await tx.promo_codes.add(event.id, PromoCode("VIP-HALF", percent_off=5, id=new_id()), now)
        await tx.commit()
    async with uow(autocommit=True) as tx:
        assert await tx.promo_codes.for_event(event.id) == [scoped, everywhere]
        assert await tx.promo_codes.for_event("no-such-event") == []
    async with engine.connect() as conn:
        nulls = select(promo_codes.c.code).where(promo_codes.c.ticket_type_ids.is_(None))
        assert (await conn.execute(nulls)).scalars().all() == ["FLAT"]  # SQL NULL: every type, not JSON null


async def test_types_added_at_once_take_distinct_positions_and_quotas_stay_above_taken(
    pg_engine: AsyncEngine,
) -> None:
    uow = uow_factory(pg_engine)
    clock = FixedClock(datetime.now(UTC))
    event = await add_event(uow, capacity=100, now=clock.now())
    organizer = Principal(event.organizer_id, Role.ORGANIZER, "session")
    authoring = TicketAuthoringService(uow=uow, clock=clock)
    drafts = [TicketTypeDraft(f"Tier {i}", 1000 + i, 5) for i in range(12)]

    await asyncio.gather(*(authoring.add_ticket_type(organizer, event_id=event.id, draft=d) for d in drafts))

    async with pg_engine.connect() as conn:
        query = select(ticket_types.c.position).where(ticket_types.c.event_id == event.id)
        assert sorted((await conn.execute(query)).scalars()) == list(range(13))  # General admission is 0
    async with uow(autocommit=True) as tx:
        (first, *added) = (await tx.ticket_types.for_events([event.id]))[event.id]
    assert first.name == "General admission" and sorted(t.name for t in added) == sorted(d.name for d in drafts)
    async with pg_engine.begin() as conn:
        await conn.execute(update(ticket_types).where(ticket_types.c.id == added[0].id).values(taken=3))
    with pytest.raises(errors.CapacityBelowSold):
        await authoring.update_ticket_type(
            organizer, event_id=event.id, ticket_type_id=added[0].id, changes={"quota": 2}
        )
    kept = await authoring.update_ticket_type(
        organizer, event_id=event.id, ticket_type_id=added[0].id, changes={"quota": 3}
    )
    assert (kept.ticket_type.quota, kept.ticket_type.taken, kept.ticket_type.available) == (3, 3, 0)


async def test_a_renamed_seat_renames_its_ticket_in_the_same_transaction(pg_uow: UnitOfWorkFactory) -> None:
    clock = FixedClock(datetime.now(UTC))
    event = await add_event(pg_uow, capacity=10, now=clock.now())
    (buyer,) = await add_buyers(pg_uow, 1, clock.now())
    bookings = BookingService(uow=pg_uow, gateway=FakeGateway(), clock=clock)
    held = await bookings.hold(HoldRequest(buyer, event.id, 2, "hold"))
    await bookings.pay(buyer, PayRequest(held.id, GOOD_CARD, 12, 2099, "123", "pay"))

    edited = await AttendeeService(uow=pg_uow, clock=clock).edit(
        buyer, booking_id=held.id, attendees=[AttendeeInput(), AttendeeInput("Grace Hopper", "grace@example.com")]
    )

    async with pg_uow(autocommit=True) as tx:
        account = await tx.users.get(buyer.user_id)
    assert account is not None
    tickets = (await TicketService(uow=pg_uow).of_booking(buyer, booking_id=held.id)).tickets
    assert sorted((t.attendee_name, t.attendee_email) for t in tickets) == [
        ("Buyer", account.email), ("Grace Hopper", "grace@example.com"),
    ]  # fmt: skip
    assert (await bookings.get(buyer, booking_id=held.id)).attendees == edited.attendees
    async with pg_uow() as tx:  # a void ticket keeps the name it had
        await tx.tickets.void_for_booking(held.id, clock.now())
        await tx.ticket_names.rename(held.id, [TicketRename(t.id, Attendee("Nobody")) for t in tickets])
        await tx.commit()
    after = (await TicketService(uow=pg_uow).of_booking(buyer, booking_id=held.id)).tickets
    assert sorted(t.attendee_name for t in after) == ["Buyer", "Grace Hopper"]
