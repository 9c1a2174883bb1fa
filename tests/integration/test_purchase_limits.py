"""Sale start and purchase limit per buyer on PostgreSQL and SQLite, decided in the hold's one atomic step."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import uow_factory
from adapters.sandbox_gateway import SandboxGateway
from domain import errors
from domain.booking import BookingService
from domain.holding import HoldRequest
from domain.model import Booking
from domain.ports import UnitOfWorkFactory
from tests.integration.it_support import FixedClock, add_buyers, add_event


def service(engine: AsyncEngine, clock: FixedClock) -> BookingService:
    return BookingService(uow=uow_factory(engine), gateway=SandboxGateway(engine, clock=clock), clock=clock)


@pytest.fixture
def db(engine: AsyncEngine) -> tuple[AsyncEngine, UnitOfWorkFactory]:
    return engine, uow_factory(engine)


async def test_holds_open_at_the_sale_start(db: tuple[AsyncEngine, UnitOfWorkFactory]) -> None:
    engine, uow = db
    clock = FixedClock(datetime.now(UTC))
    opens = clock.now() + timedelta(minutes=5)
    event = await add_event(uow, capacity=10, now=clock.now(), sale_starts_at=opens)
    (ada,) = await add_buyers(uow, 1, clock.now())
    bookings = service(engine, clock)

    with pytest.raises(errors.EventNotOnSale) as early:
        await bookings.hold(HoldRequest(ada, event.id, 2, "early"))
    assert early.value.details["sale_starts_at"].startswith(opens.strftime("%Y-%m-%dT%H:%M"))
    clock.at = opens
    assert (await bookings.hold(HoldRequest(ada, event.id, 2, "on-time"))).quantity == 2


async def test_the_limit_counts_held_and_bought_seats_across_bookings(
    db: tuple[AsyncEngine, UnitOfWorkFactory],
) -> None:
    engine, uow = db
    clock = FixedClock(datetime.now(UTC))
    event = await add_event(uow, capacity=50, now=clock.now(), max_per_buyer=4)
    ada, bob = await add_buyers(uow, 2, clock.now())
    bookings = service(engine, clock)
    await bookings.hold(HoldRequest(ada, event.id, 3, "a1"))

    with pytest.raises(errors.PurchaseLimitReached) as limited:
        await bookings.hold(HoldRequest(ada, event.id, 2, "a2"))

    assert limited.value.details == {"seats_left_for_you": 1}
    assert (await bookings.hold(HoldRequest(ada, event.id, 1, "a3"))).quantity == 1
    assert (await bookings.hold(HoldRequest(bob, event.id, 4, "b1"))).quantity == 4  # per buyer


async def test_two_holds_racing_for_a_buyers_last_seats_one_wins(pg_engine: AsyncEngine) -> None:
    uow = uow_factory(pg_engine)
    clock = FixedClock(datetime.now(UTC))
    event = await add_event(uow, capacity=200, now=clock.now(), max_per_buyer=6)
    buyers = await add_buyers(uow, 20, clock.now())
    replicas = [service(pg_engine, clock) for _ in range(4)]  # separate batches, as separate Booking replicas make
    for buyer in buyers:
        await replicas[0].hold(HoldRequest(buyer, event.id, 2, "first"))

    async def try_hold(n: int, buyer: object) -> Booking | errors.DomainError:
        (answer,) = await replicas[n % 4].hold_many([HoldRequest(buyer, event.id, 4, f"race-{n % 2}")])  # type: ignore[arg-type]
        return answer

    answers = await asyncio.gather(*(try_hold(n, b) for b in buyers for n in range(2)))

    for i in range(0, len(answers), 2):  # each buyer had room for one of its two holds of 4
        kinds = sorted(type(a).__name__ for a in answers[i : i + 2])
        assert kinds == ["Booking", "PurchaseLimitReached"], kinds
    async with uow(autocommit=True) as tx:
        left = (await tx.events.get(event.id)).seats_available  # type: ignore[union-attr]
    assert left == 200 - 20 * 6
