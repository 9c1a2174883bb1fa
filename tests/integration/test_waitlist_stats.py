"""adapters/db/waitlist_stats.py on real databases: the offer counts the dashboard shows follow what happened to
the offers (made on a cancellation, taken when paid, expired and passed on by the reaper)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import uow_factory
from adapters.db.waitlist_stats import offer_counts
from domain.accounts import Principal
from domain.booking import BookingService
from domain.model import Event
from domain.settlement import Settlement
from tests.answered import Answered
from tests.integration.it_support import FakeGateway, FixedClock, add_buyers, add_event, pay

# Between test_waitlist's RACE and BASE clocks: no other test's reaper reaches these holds, nor these tests theirs.
BASE = datetime(2021, 4, 1, tzinfo=UTC)
LATER = timedelta(minutes=11)  # past a hold's 10 minutes


async def change(engine: AsyncEngine, before: dict[str, int]) -> dict[str, int]:
    after = asdict(await offer_counts(engine))
    return {state: after[state] - before[state] for state in after}


@dataclass
class SoldOut:
    """A one-seat event whose seat a buyer holds, and two buyers on its waiting list (who joined in that order),
    with the offer counts as they stood before the waiting list was joined."""

    service: BookingService
    show: Event
    buyer: Principal
    held_id: str
    first: Principal
    second: Principal
    before: dict[str, int]


async def sold_out_with_two_waiting(engine: AsyncEngine, clock: FixedClock) -> SoldOut:
    uow = uow_factory(engine)
    service = BookingService(uow=uow, gateway=FakeGateway(), clock=clock)
    show = await add_event(uow, capacity=1, now=clock.now())
    buyer, first, second = await add_buyers(uow, 3, clock.now())
    held = await Answered(service).hold(buyer, event_id=show.id, quantity=1, idempotency_key="h")
    before = asdict(await offer_counts(engine))
    for who in (first, second):
        clock.advance(timedelta(seconds=1))  # joined one after the other: the offers go in this order
        await service.waitlist_join(who, event_id=show.id, quantity=1)
    return SoldOut(service, show, buyer, held["id"], first, second, before)


async def test_an_offer_is_counted_made_when_seats_come_back_and_taken_when_paid(engine: AsyncEngine) -> None:
    sale = await sold_out_with_two_waiting(engine, FixedClock(BASE))
    service, show, before = sale.service, sale.show, sale.before
    assert await change(engine, before) == {"waiting": 2, "made": 0, "taken": 0, "expired": 0}

    await service.cancel(sale.buyer, booking_id=sale.held_id)
    assert await change(engine, before) == {"waiting": 1, "made": 1, "taken": 0, "expired": 0}
    offer = (await service.waitlist_get(sale.first, event_id=show.id)).offer
    assert offer is not None
    await pay(Answered(service), sale.first, offer.id, "pay-offer")
    assert await change(engine, before) == {"waiting": 1, "made": 1, "taken": 1, "expired": 0}


async def test_an_offer_not_paid_in_time_is_counted_expired_and_the_next_entry_gets_one(engine: AsyncEngine) -> None:
    clock = FixedClock(BASE + timedelta(days=1))
    sale = await sold_out_with_two_waiting(engine, clock)
    settlement = Settlement(
        uow=uow_factory(engine), gateway=FakeGateway(), clock=clock, settle_after=timedelta(seconds=10)
    )
    await sale.service.cancel(sale.buyer, booking_id=sale.held_id)

    clock.advance(LATER)
    while await settlement.reap_expired(limit=50) > 0:
        pass
    assert await change(engine, sale.before) == {"waiting": 0, "made": 2, "taken": 0, "expired": 1}
    assert (await sale.service.waitlist_get(sale.second, event_id=sale.show.id)).offer is not None
