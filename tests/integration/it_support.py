"""Helpers shared by the integration tests: a hand-moved clock, a fake gateway, fast data builders."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.accounts import Principal, Role, Session, User
from domain.model import Booking, BookingStatus, Event, EventStatus, new_id
from domain.payments import ChargeRequest, ChargeResult
from domain.ports import UnitOfWorkFactory
from tests.answered import Answered


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime.now(UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


@dataclass
class FakeGateway:
    """An in-memory payment gateway, idempotent by key; `hold` makes charges wait until it is set."""

    charges: dict[str, ChargeResult] = field(default_factory=dict)
    refunds: dict[str, str] = field(default_factory=dict)
    hold: asyncio.Event | None = None
    calls: int = 0
    called: asyncio.Event = field(default_factory=asyncio.Event)

    async def charge_many(self, charges: Sequence[ChargeRequest]) -> list[ChargeResult]:
        self.calls += 1
        self.called.set()
        if self.hold is not None:
            await self.hold.wait()
        for c in charges:
            if c.key not in self.charges:
                self.charges[c.key] = ChargeResult(c.key, "succeeded", f"ch_{len(self.charges) + 1}", "", c.card.last4)
        return [self.charges[c.key] for c in charges]

    async def settle(self, key: str) -> ChargeResult:
        return self.charges.get(key) or ChargeResult(key, "declined", decline_code="voided")

    async def refund(self, *, key: str, charge_reference: str, amount_cents: int) -> str:
        return self.refunds.setdefault(key, f"re_{len(self.refunds) + 1}")


async def add_buyers(uow: UnitOfWorkFactory, count: int, now: datetime) -> list[Principal]:
    """Customers with an open session each, written straight through the repositories (no slow hashing)."""
    principals = []
    async with uow() as tx:
        for _ in range(count):
            user = User(new_id(), f"buyer-{new_id()}@example.com", "Buyer", Role.CUSTOMER, "not-a-hash", now)
            session = Session(new_id(), user.id, now)
            await tx.users.add(user)
            await tx.sessions.add(session)
            principals.append(Principal(user.id, user.role, session.id))
        await tx.commit()
    return principals


async def add_event(
    uow: UnitOfWorkFactory, *, capacity: int, now: datetime, price_cents: int = 2500, **rules: Any
) -> Event:
    """A published event starting in a month, organised by a new organizer; `rules`: sale_starts_at, max_per_buyer."""
    organizer = User(new_id(), f"org-{new_id()}@example.com", "Org", Role.ORGANIZER, "not-a-hash", now)
    event = Event(
        id=new_id(),
        organizer_id=organizer.id,
        title="Concert",
        description="Loud",
        category="music",
        venue="Hall",
        starts_at=now + timedelta(days=30),
        ends_at=now + timedelta(days=30, hours=3),
        capacity=capacity,
        seats_available=capacity,
        price_cents=price_cents,
        currency="EUR",
        status=EventStatus.PUBLISHED,
        created_at=now,
        **rules,
    )
    async with uow() as tx:
        await tx.users.add(organizer)
        await tx.events.add(event)
        await tx.commit()
    return event


async def pay(
    service: Answered, buyer: Principal, booking_id: str, key: str, card_number: str = "4242 4242 4242 4242"
) -> dict[str, Any]:
    """Pay with a valid card; the default one succeeds with the fake gateway and the sandbox alike."""
    return await service.pay(
        buyer,
        booking_id=booking_id,
        card_number=card_number,
        exp_month=12,
        exp_year=2099,
        cvc="123",
        idempotency_key=key,
    )


def booking_of(event: Event, seats: int) -> Booking:
    """A confirmed booking of so many seats of the event's first type, as the release of its seats sees it."""
    now = datetime.now(UTC)
    return Booking(new_id(), event.id, new_id(), seats, BookingStatus.CONFIRMED, 0, event.currency, now, now)
