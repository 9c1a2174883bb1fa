"""The fakes keep the promises of the ports, or the other tests would prove nothing."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from domain import idempotency
from domain.model import Booking, BookingStatus, Event, EventStatus
from domain.ports import StoredKey
from tests.fakes import InMemoryStore, uow_factory

NOW = datetime(2030, 1, 1, tzinfo=UTC)
EVENT = Event(
    id="e1", organizer_id="o1", title="Gig", description="", category="music", venue="Hall",
    starts_at=NOW, ends_at=NOW + timedelta(hours=2), capacity=3, seats_available=3, price_cents=100,
    currency="EUR", status=EventStatus.PUBLISHED, created_at=NOW,
)  # fmt: skip


async def stored(store: InMemoryStore) -> None:
    async with uow_factory(store)() as uow:
        await uow.events.add(EVENT)
        await uow.commit()


async def test_writes_are_invisible_to_others_until_commit_and_gone_without_it() -> None:
    store = InMemoryStore()
    uow = uow_factory(store)
    async with uow() as writer:
        await writer.events.add(replace(EVENT, id="e2"))
        async with uow() as reader:
            assert await reader.events.get("e2") is None
        assert await writer.events.get("e2") is not None  # a transaction reads its own writes

    async with uow() as reader:
        assert await reader.events.get("e2") is None


async def test_changing_a_loaded_entity_without_saving_it_changes_nothing() -> None:
    store = InMemoryStore()
    await stored(store)

    async with uow_factory(store)() as uow:
        event = await uow.events.get("e1")
        assert event is not None
        event.title = "Changed"
        await uow.commit()

    assert store.get("events", "e1").title == "Gig"


def a_hold(booking_id: str, quantity: int) -> Booking:
    return Booking(
        id=booking_id, event_id="e1", user_id="u1", quantity=quantity, status=BookingStatus.PENDING,
        amount_cents=100 * quantity, currency="EUR", created_at=NOW, expires_at=NOW + timedelta(minutes=10),
    )  # fmt: skip


def a_key(key: str) -> StoredKey:
    return idempotency.stored("u1", key, "hash", {"ok": {}}, NOW)


async def test_place_holds_takes_seats_while_there_are_enough_then_writes_nothing() -> None:
    store = InMemoryStore()
    await stored(store)

    async with uow_factory(store)(autocommit=True) as uow:
        assert await uow.bookings.place_holds(EVENT, 2, [a_hold("b1", 2)], [a_key("k1")], NOW)
        assert not await uow.bookings.place_holds(EVENT, 2, [a_hold("b2", 2)], [a_key("k2")], NOW)
        assert await uow.bookings.place_holds(EVENT, 1, [a_hold("b3", 1)], [a_key("k3")], NOW)

    assert store.get("events", "e1").seats_available == 0
    assert set(store.tables["bookings"]) == {"b1", "b3"}
    assert set(store.tables["idempotency"]) == {("u1", "k1"), ("u1", "k3")}


async def test_a_key_stored_already_makes_place_holds_write_nothing() -> None:
    store = InMemoryStore()
    await stored(store)
    async with uow_factory(store)(autocommit=True) as uow:
        assert await uow.bookings.place_holds(EVENT, 1, [a_hold("b1", 1)], [a_key("k1")], NOW)
        assert not await uow.bookings.place_holds(EVENT, 1, [a_hold("b2", 1)], [a_key("k1")], NOW)

    assert store.get("events", "e1").seats_available == 2
    assert set(store.tables["bookings"]) == {"b1"}


async def test_a_locked_row_waits_for_the_holder_to_finish() -> None:
    store = InMemoryStore()
    await stored(store)
    uow = uow_factory(store)
    order: list[str] = []

    async def first() -> None:
        async with uow() as tx:
            event = await tx.events.get_for_update("e1")
            assert event is not None
            event.seats_available = 0
            await tx.events.save(event)
            await asyncio.sleep(0.01)
            order.append("first commits")
            await tx.commit()

    async def second() -> None:
        await asyncio.sleep(0)
        async with uow(autocommit=True) as tx:
            placed = await tx.bookings.place_holds(EVENT, 1, [a_hold("b1", 1)], [a_key("k1")], NOW)
            order.append(f"second placed: {placed}")

    await asyncio.gather(first(), second())

    assert order == ["first commits", "second placed: False"]
