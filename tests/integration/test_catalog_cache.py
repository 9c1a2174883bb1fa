"""Catalog reads cached in the ingress replica, checked per event against Redis's counters or the database's
versions: never stale after a change, a hold refreshes only its own event, and a Redis restart (or a Redis that is
away) never serves an old copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.cache import CatalogGenerations, GenerationSource, Redis
from adapters.catalog_versions import DatabaseGenerations
from adapters.db import uow_factory
from adapters.db.tables import events
from adapters.local_catalog import LocalCatalog
from domain.booking import BookingService
from domain.catalog import CatalogService
from domain.holding import HoldRequest
from domain.ports import EventFilter
from tests.integration.it_support import FakeGateway, FixedClock, add_buyers, add_event
from tests.integration.redis_support import dead_redis


@dataclass
class Stack:
    catalog: LocalCatalog
    bookings: BookingService
    generations: GenerationSource


def stack(engine: AsyncEngine, generations: GenerationSource, *, tell: bool = True) -> Stack:
    uow = uow_factory(engine, after_commit=generations.moved if tell else None)
    clock = FixedClock()
    catalog = LocalCatalog(CatalogService(uow=uow, clock=clock), generations)
    return Stack(catalog, BookingService(uow=uow, gateway=FakeGateway(), clock=clock), generations)


@pytest.fixture(params=["redis", "database"])
async def s(request: pytest.FixtureRequest, pg_engine: AsyncEngine, live_redis: Redis) -> Stack:
    """The cache checked against Redis's counters (moved after commits), or the database's versions."""
    if request.param == "redis":
        await live_redis.begin_epoch()
        return stack(pg_engine, CatalogGenerations(live_redis))
    return stack(pg_engine, DatabaseGenerations(pg_engine), tell=False)


async def rename_behind_the_caches_back(engine: AsyncEngine, event_id: str, title: str) -> None:
    """No unit of work, so no generation moves: what a read then shows is the cached copy."""
    async with engine.begin() as conn:
        await conn.execute(update(events).where(events.c.id == event_id).values(title=title))


async def test_catalog_reads_come_from_the_cache_until_a_change_and_then_show_it(
    pg_engine: AsyncEngine, s: Stack
) -> None:
    uow = uow_factory(pg_engine)
    event = await add_event(uow, capacity=10, now=FixedClock().now())
    assert (await s.catalog.get_event(event.id)).title == "Concert"
    await rename_behind_the_caches_back(pg_engine, event.id, "Renamed in SQL")
    assert (await s.catalog.get_event(event.id)).title == "Concert"

    (buyer,) = await add_buyers(uow, 1, FixedClock().now())
    await s.bookings.hold(HoldRequest(buyer, event.id, 3, "k1"))
    fresh = await s.catalog.get_event(event.id)
    assert fresh.seats_available == 7 and fresh.title == "Renamed in SQL"


async def test_a_hold_refreshes_only_its_own_event_in_a_cached_list(pg_engine: AsyncEngine, s: Stack) -> None:
    uow = uow_factory(pg_engine)
    now = FixedClock().now()
    hot, quiet = await add_event(uow, capacity=10, now=now), await add_event(uow, capacity=10, now=now)
    flt = EventFilter(starts_after=now + timedelta(days=30))  # this test's events (others start earlier)
    listed = await s.catalog.list_events(flt, limit=100)  # the list's ids
    await s.catalog.list_events(flt, limit=100)  # and each event's copy
    await rename_behind_the_caches_back(pg_engine, quiet.id, "Quiet renamed in SQL")
    await rename_behind_the_caches_back(pg_engine, hot.id, "Hot renamed in SQL")

    (buyer,) = await add_buyers(uow, 1, now)
    await s.bookings.hold(HoldRequest(buyer, hot.id, 2, "k1"))
    again = {e.id: e for e in (await s.catalog.list_events(flt, limit=100)).items}

    assert [e.id for e in listed.items] == list(again)  # same list: the hold changed no listing
    assert (again[hot.id].seats_available, again[hot.id].title) == (8, "Hot renamed in SQL")  # fetched anew
    assert (again[quiet.id].seats_available, again[quiet.id].title) == (10, "Concert")  # still the cached copy


async def test_a_new_event_shows_in_the_cached_list_at_once(pg_engine: AsyncEngine, s: Stack) -> None:
    uow = uow_factory(pg_engine)
    now = FixedClock().now()
    first = await add_event(uow, capacity=5, now=now)
    flt = EventFilter(starts_after=now + timedelta(days=30))
    before = await s.catalog.list_events(flt, limit=100)
    assert first.id in {e.id for e in before.items}

    tracked = uow_factory(pg_engine, after_commit=s.generations.moved)  # as the Catalog writes
    second = await add_event(tracked, capacity=5, now=now)

    after = await s.catalog.list_events(flt, limit=100)
    assert {first.id, second.id} <= {e.id for e in after.items}


async def test_after_redis_forgets_everything_no_old_copy_is_served(pg_engine: AsyncEngine, live_redis: Redis) -> None:
    s = stack(pg_engine, CatalogGenerations(live_redis))
    event = await add_event(uow_factory(pg_engine), capacity=10, now=FixedClock().now())
    await live_redis.begin_epoch()
    await s.catalog.get_event(event.id)
    await rename_behind_the_caches_back(pg_engine, event.id, "Renamed while Redis restarts")
    assert live_redis.client is not None
    await live_redis.client.flushdb()  # Redis restarted: every counter reads 0 again, as when the copy was taken

    assert (await s.catalog.get_event(event.id)).title == "Renamed while Redis restarts"


async def test_with_redis_unreachable_catalog_reads_and_holds_still_work(pg_engine: AsyncEngine) -> None:
    redis = Redis(dead_redis())
    s = stack(pg_engine, CatalogGenerations(redis))
    uow = uow_factory(pg_engine, after_commit=s.generations.moved)
    event = await add_event(uow, capacity=5, now=FixedClock().now())
    (buyer,) = await add_buyers(uow, 1, FixedClock().now())
    held = await s.bookings.hold(HoldRequest(buyer, event.id, 2, "k"))
    assert held.status.value == "pending"
    assert (await s.catalog.get_event(event.id)).seats_available == 3
    assert redis.state == "degraded" and await redis.ping() == "degraded"
    page = await s.catalog.list_events(EventFilter(), limit=100)
    assert event.id in {e.id for e in page.items}
