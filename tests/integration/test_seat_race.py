"""The no-oversell decision under real concurrency: many buyers, few seats, PostgreSQL and multi-process SQLite."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import create_engine, uow_factory
from adapters.db.tables import bookings, events
from domain import errors
from domain.accounts import Principal
from domain.booking import BookingService
from domain.ports import UnitOfWorkFactory
from tests.answered import Answered
from tests.integration.it_support import FakeGateway, FixedClock, add_buyers, add_event

CAPACITY = 50


@dataclass
class RaceResult:
    held: list[int]  # the quantity of each successful hold
    sold_out: int
    lowest_seen: int


async def race(uow: UnitOfWorkFactory, event_id: str, buyers: list[Principal], quantities: list[int]) -> RaceResult:
    """Every buyer tries to hold at once, while a watcher keeps reading the seat counter."""
    service = Answered(BookingService(uow=uow, gateway=FakeGateway(), clock=FixedClock()))
    done = asyncio.Event()
    seen: list[int] = []

    async def watch() -> None:
        while not done.is_set():
            async with uow() as tx:
                event = await tx.events.get(event_id)
            assert event is not None
            seen.append(event.seats_available)
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    outcomes = await asyncio.gather(
        *(
            service.hold(buyer, event_id=event_id, quantity=quantity, idempotency_key=f"hold-{buyer.user_id}")
            for buyer, quantity in zip(buyers, quantities, strict=True)
        ),
        return_exceptions=True,
    )
    done.set()
    await watcher
    unexpected = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, errors.SoldOut)]
    assert not unexpected, unexpected[:3]
    held = [o["quantity"] for o in outcomes if isinstance(o, dict)]
    return RaceResult(held, sum(isinstance(o, errors.SoldOut) for o in outcomes), min(seen))


async def seats_and_pending(engine: AsyncEngine, event_id: str) -> tuple[int, int, int]:
    """What the database itself says: seats left, pending bookings, seats those bookings hold."""
    async with engine.connect() as conn:
        seats = (await conn.execute(select(events.c.seats_available).where(events.c.id == event_id))).scalar_one()
        count, total = (
            await conn.execute(
                select(func.count(), func.coalesce(func.sum(bookings.c.quantity), 0)).where(
                    bookings.c.event_id == event_id, bookings.c.status == "pending"
                )
            )
        ).one()
    return seats, count, total


async def test_two_hundred_buyers_for_fifty_seats_on_postgres_get_exactly_fifty_holds(
    pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine
) -> None:
    clock = FixedClock()
    event = await add_event(pg_uow, capacity=CAPACITY, now=clock.now())
    buyers = await add_buyers(pg_uow, 200, clock.now())

    result = await race(pg_uow, event.id, buyers, [1] * len(buyers))

    assert len(result.held) == CAPACITY
    assert result.sold_out == len(buyers) - CAPACITY
    assert result.lowest_seen >= 0
    assert await seats_and_pending(pg_engine, event.id) == (0, CAPACITY, CAPACITY)


async def test_buyers_of_random_quantities_on_postgres_never_hold_more_than_capacity(
    pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine
) -> None:
    clock = FixedClock()
    event = await add_event(pg_uow, capacity=CAPACITY, now=clock.now())
    buyers = await add_buyers(pg_uow, 200, clock.now())
    quantities = [random.randint(1, 4) for _ in buyers]

    result = await race(pg_uow, event.id, buyers, quantities)

    assert sum(result.held) <= CAPACITY
    assert result.lowest_seen >= 0
    assert len(result.held) + result.sold_out == len(buyers)
    seats, count, total = await seats_and_pending(pg_engine, event.id)
    assert (count, total) == (len(result.held), sum(result.held))
    assert seats == CAPACITY - total
    assert seats < 4  # the buyers wanting at most what was left would have taken it


def buy_in_process(url: str, event_id: str, buyers: list[Principal], start: Any, results: Any) -> None:
    """One OS process of buyers, on its own engine (run by multiprocessing with spawn)."""
    results.put(asyncio.run(_buy(url, event_id, buyers, start)))


async def _buy(url: str, event_id: str, buyers: list[Principal], start: Any) -> tuple[int, int, list[str]]:
    engine = create_engine(url, pool_size=8)
    try:
        async with engine.connect():
            pass  # connect (and so import everything) before the start line
        await asyncio.to_thread(start.wait)
        result = await race(uow_factory(engine), event_id, buyers, [1] * len(buyers))
        return len(result.held), result.sold_out, []
    except BaseException as exc:  # report it to the parent rather than hang it
        return 0, 0, [repr(exc)]
    finally:
        await engine.dispose()


async def test_two_processes_of_buyers_on_one_sqlite_file_get_exactly_fifty_holds(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = create_engine(sqlite_url)
    uow = uow_factory(engine)
    clock = FixedClock()
    event = await add_event(uow, capacity=CAPACITY, now=clock.now())
    buyers = await add_buyers(uow, 200, clock.now())

    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    results = ctx.Queue()
    processes = [
        ctx.Process(target=buy_in_process, args=(sqlite_url, event.id, buyers[i::2], start, results)) for i in (0, 1)
    ]
    for process in processes:
        process.start()
    outcomes = [await asyncio.to_thread(results.get, True, 120) for _ in processes]
    for process in processes:
        await asyncio.to_thread(process.join, 30)
        assert process.exitcode == 0

    assert [problems for *_, problems in outcomes] == [[], []]
    assert sum(held for held, _, _ in outcomes) == CAPACITY
    assert sum(sold_out for _, sold_out, _ in outcomes) == len(buyers) - CAPACITY
    assert await seats_and_pending(engine, event.id) == (0, CAPACITY, CAPACITY)
    await engine.dispose()
