"""The fakes keep the promises of the ports, or the other tests would prove nothing."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from domain.model import Event, EventStatus
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


async def test_try_reserve_takes_seats_while_there_are_enough_then_answers_none() -> None:
    store = InMemoryStore()
    await stored(store)

    async with uow_factory(store)() as uow:
        assert await uow.events.try_reserve("e1", 2) == 1
        assert await uow.events.try_reserve("e1", 2) is None
        assert await uow.events.try_reserve("e1", 1) == 0
        await uow.commit()

    assert store.get("events", "e1").seats_available == 0


async def test_a_locked_row_waits_for_the_holder_to_finish() -> None:
    store = InMemoryStore()
    await stored(store)
    uow = uow_factory(store)
    order: list[str] = []

    async def first() -> None:
        async with uow() as tx:
            await tx.events.try_reserve("e1", 3)
            await asyncio.sleep(0.01)
            order.append("first commits")
            await tx.commit()

    async def second() -> None:
        await asyncio.sleep(0)
        async with uow() as tx:
            left = await tx.events.try_reserve("e1", 1)
            order.append(f"second sees {left}")

    await asyncio.gather(first(), second())

    assert order == ["first commits", "second sees None"]
