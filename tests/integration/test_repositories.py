"""Repository queries on both databases: aware UTC times, filters, keyset pages, payments loaded with bookings."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import create_engine, uow_factory
from domain.booking import BookingService
from domain.catalog import CatalogService
from domain.model import Booking, BookingStatus, EventStatus
from domain.payments import ChargeResult
from domain.ports import EventFilter
from domain.settlement import new_payment
from tests.answered import Answered
from tests.integration.it_support import FakeGateway, FixedClock, add_buyers, add_event, booking_of, pay


async def test_times_come_back_as_aware_utc_equal_to_what_was_stored(engine: AsyncEngine) -> None:
    uow = uow_factory(engine)
    at = datetime(2030, 5, 17, 20, 30, 15, 123456, tzinfo=UTC)
    event = await add_event(uow, capacity=5, now=at)

    async with uow() as tx:
        stored = await tx.events.get(event.id)

    assert stored == event
    assert stored is not None and stored.starts_at.tzinfo is UTC


async def test_published_events_are_filtered_case_insensitively_and_paged_soonest_first(engine: AsyncEngine) -> None:
    uow = uow_factory(engine)
    now = datetime(2031, 1, 1, tzinfo=UTC)
    made = [await add_event(uow, capacity=5, now=now + timedelta(minutes=i // 2)) for i in range(7)]
    async with uow() as tx:  # a unique venue so other tests' events stay out of the way
        for event in made:
            await tx.events.save(replace(event, venue="Salle Pleyel 1931", category="Jazz"))
        await tx.events.save(replace(made[3], venue="Salle Pleyel 1931", status=EventStatus.DRAFT))
        await tx.commit()
    catalog = CatalogService(uow=uow, clock=FixedClock(now))
    flt = EventFilter(q="PLEYEL 1931", category="jazz", venue="salle pleyel 1931")

    pages, cursor = [], None
    while True:
        page = await catalog.list_events(flt, limit=2, cursor=cursor)
        pages.append([e.id for e in page.items])
        if not (cursor := page.next_cursor):
            break

    expected = sorted((e for i, e in enumerate(made) if i != 3), key=lambda e: (e.starts_at, e.id))
    assert [i for p in pages for i in p] == [e.id for e in expected]
    assert [len(p) for p in pages] == [2, 2, 2]
    after, before = expected[2].starts_at, expected[3].starts_at  # both bounds are inclusive
    window = EventFilter(venue="Salle Pleyel 1931", starts_after=after, starts_before=before)
    in_window = [e.id for e in expected if after <= e.starts_at <= before]
    assert [e.id for e in (await catalog.list_events(window)).items] == in_window
    assert (await catalog.list_events(EventFilter(q="100%_pleyel"))).items == []


async def test_a_users_bookings_come_newest_first_in_pages_with_their_payments(engine: AsyncEngine) -> None:
    uow = uow_factory(engine)
    clock = FixedClock(datetime(2032, 1, 1, tzinfo=UTC))
    event = await add_event(uow, capacity=50, now=clock.now())
    [buyer] = await add_buyers(uow, 1, clock.now())
    service = Answered(BookingService(uow=uow, gateway=FakeGateway(), clock=clock))
    ids = []
    for i in range(5):
        ids.append((await service.hold(buyer, event_id=event.id, quantity=1, idempotency_key=f"h{i}"))["id"])
        clock.advance(timedelta(seconds=1 - i % 2))  # some share a created_at: the id breaks the tie
    paid = await pay(service, buyer, ids[1], "p")

    page1 = await service.list(buyer, limit=3)
    page2 = await service.list(buyer, limit=3, cursor=page1.next_cursor)

    listed = page1.items + page2.items
    assert page2.next_cursor is None
    assert sorted(b["id"] for b in listed) == sorted(ids)
    assert [(b["created_at"], b["id"]) for b in listed] == sorted(
        ((b["created_at"], b["id"]) for b in listed), reverse=True
    )
    assert next(b for b in listed if b["id"] == ids[1])["payment"] == paid["payment"]
    assert paid["payment"]["card_last4"] == "4242"
    receipt = await service.receipt(buyer, booking_id=ids[1])
    assert receipt["payment_reference"] == paid["payment"]["reference"]


async def test_a_booking_locked_after_waiting_for_its_confirmation_comes_with_the_payment(
    pg_engine: AsyncEngine,
) -> None:
    """The reconciler confirms a charge while the paying request waits for the booking's row lock: the request must
    see the payment that came with the confirmation (in READ COMMITTED a locking join that waited re-reads the
    locked row only, and would pair the confirmed booking with no payment)."""
    uow = uow_factory(pg_engine)
    clock = FixedClock(datetime(2032, 1, 1, tzinfo=UTC))
    event = await add_event(uow, capacity=5, now=clock.now())
    [buyer] = await add_buyers(uow, 1, clock.now())
    held = await Answered(BookingService(uow=uow, gateway=FakeGateway(), clock=clock)).hold(
        buyer, event_id=event.id, quantity=1, idempotency_key="h"
    )
    async with uow() as reconciler:
        booking = await reconciler.bookings.get_for_update(held["id"])
        assert booking is not None
        booking.confirm(
            new_payment(booking, ChargeResult("k", "succeeded", "ch_1", "", "4242"), clock.now()), clock.now()
        )
        await reconciler.bookings.save(booking)

        async def request_side() -> Booking | None:
            async with uow() as request:
                return await request.bookings.get_for_update(held["id"])

        waiting = asyncio.create_task(request_side())
        await asyncio.sleep(0.3)
        assert not waiting.done()  # blocked on the row lock
        await reconciler.commit()
    seen = await waiting
    assert seen is not None and seen.status is BookingStatus.CONFIRMED
    assert seen.payment is not None and seen.payment.reference == "ch_1"


async def test_organizers_see_their_events_newest_first_with_sales(engine: AsyncEngine) -> None:
    uow = uow_factory(engine)
    clock = FixedClock(datetime(2033, 1, 1, tzinfo=UTC))
    first = await add_event(uow, capacity=10, now=clock.now(), price_cents=1000)
    [buyer] = await add_buyers(uow, 1, clock.now())
    service = Answered(BookingService(uow=uow, gateway=FakeGateway(), clock=clock))
    booking = await service.hold(buyer, event_id=first.id, quantity=3, idempotency_key="h")
    await pay(service, buyer, booking["id"], "p")
    await service.hold(buyer, event_id=first.id, quantity=2, idempotency_key="h2")  # held, not sold

    async with uow() as tx:
        assert await tx.bookings.sales_for_event(first.id) == (3, 3000)
        snapshot = await tx.bookings.sale_snapshot(first.id, [(buyer.user_id, "h2")], [buyer.user_id], clock.now())
        assert snapshot.open_holds == {buyer.user_id: 1} and (buyer.user_id, "h2") in snapshot.priors
        assert len(await tx.bookings.ids_for_event(first.id, ("pending", "confirmed"))) == 2
        mine = await tx.events.list_by_organizer(first.organizer_id, None, 10)
        everyone = await tx.events.list_by_organizer(None, None, 1000)
    assert [e.id for e in mine] == [first.id]
    assert first.id in {e.id for e in everyone}
    assert [(e.created_at, e.id) for e in everyone] == sorted(((e.created_at, e.id) for e in everyone), reverse=True)

    async with uow() as tx:
        stored = await tx.bookings.get(booking["id"])
    assert stored is not None and stored.status is BookingStatus.CONFIRMED and stored.payment is not None


async def test_a_read_only_unit_of_work_on_sqlite_reads_while_a_writer_holds_the_lock(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    event = await add_event(uow_factory(engine), capacity=5, now=datetime.now(UTC))
    reader = uow_factory(engine, read_only=True)
    async with uow_factory(engine)() as writer:
        await writer.events.release(booking_of(event, 0))  # a write: holds the write lock, uncommitted
        async with reader() as tx:
            seen = await asyncio.wait_for(tx.events.get(event.id), timeout=2)
    assert seen is not None and seen.seats_available == 5
    await engine.dispose()


async def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    async with engine.connect() as conn:
        pragmas = [
            (await conn.exec_driver_sql(f"PRAGMA {p}")).scalar()
            for p in ("journal_mode", "busy_timeout", "foreign_keys")
        ]
    await engine.dispose()
    assert pragmas == ["wal", 30000, 1]
