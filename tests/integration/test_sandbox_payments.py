"""The booking saga with the built-in sandbox gateway, whose ledger lives in the same database."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sandbox_gateway import SandboxGateway
from domain import errors
from domain.booking import BookingService
from domain.ports import UnitOfWorkFactory
from tests.answered import Answered
from tests.integration.it_support import FixedClock, add_buyers, add_event, pay


async def test_paying_then_cancelling_refunds_and_a_declined_card_leaves_the_hold_pending(
    pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine
) -> None:
    clock = FixedClock()
    event = await add_event(pg_uow, capacity=5, now=clock.now())
    [buyer] = await add_buyers(pg_uow, 1, clock.now())
    service = Answered(BookingService(uow=pg_uow, gateway=SandboxGateway(pg_engine, clock=clock), clock=clock))

    declined = await service.hold(buyer, event_id=event.id, quantity=1, idempotency_key="h1")
    with pytest.raises(errors.PaymentDeclined) as refusal:
        await pay(service, buyer, declined["id"], "p1", card_number="4000000000009995")
    assert refusal.value.code == "insufficient_funds"
    assert (await service.get(buyer, booking_id=declined["id"]))["status"] == "pending"

    held = await service.hold(buyer, event_id=event.id, quantity=2, idempotency_key="h2")
    paid = await pay(service, buyer, held["id"], "p2")
    assert paid["status"] == "confirmed" and paid["payment"]["reference"].startswith("ch_")

    cancelled = await service.cancel(buyer, booking_id=held["id"])
    assert cancelled["status"] == "cancelled" and cancelled["payment"]["status"] == "refunded"
    async with pg_uow() as tx:
        after = await tx.events.get(event.id)
    assert after is not None and after.seats_available == 4  # the declined hold still holds its seat
