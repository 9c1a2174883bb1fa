"""Redis on the real server: catalog reads cached yet never stale after a change; login throttling;
and with Redis unreachable everything still answers."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.cache import CachedCatalog, CatalogCache, Redis
from adapters.db import uow_factory
from adapters.db.tables import events
from adapters.security import Argon2PasswordHasher, JwtTokens
from adapters.throttle import RedisThrottle
from domain import errors
from domain.auth import AuthService
from domain.booking import BookingService
from domain.catalog import CatalogService
from domain.ports import EventFilter
from tests.integration.it_support import FakeGateway, FixedClock, add_buyers, add_event

LIVE_REDIS = "redis://127.0.0.1:6379/15"


def dead_redis() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{s.getsockname()[1]}/0"


@dataclass
class Stack:
    catalog: CachedCatalog
    bookings: BookingService
    redis: Redis


@pytest.fixture
async def live_redis() -> AsyncIterator[Redis]:
    redis = Redis(LIVE_REDIS)
    assert redis.client is not None
    await redis.client.flushdb()
    yield redis
    await redis.client.flushdb()
    await redis.client.aclose()


def stack(engine: AsyncEngine, redis: Redis) -> Stack:
    uow = uow_factory(engine, after_commit=CatalogCache(redis).forget)
    clock = FixedClock()
    catalog = CachedCatalog(CatalogService(uow=uow, clock=clock), CatalogCache(redis))
    return Stack(catalog, BookingService(uow=uow, gateway=FakeGateway(), clock=clock), redis)


async def test_catalog_reads_come_from_the_cache_until_a_change_and_then_show_it(
    pg_engine: AsyncEngine, live_redis: Redis
) -> None:
    s = stack(pg_engine, live_redis)
    uow = uow_factory(pg_engine)
    event = await add_event(uow, capacity=10, now=FixedClock().now())
    assert (await s.catalog.get_event(event.id)).title == "Concert"
    # Behind the cache's back (no unit of work, so no invalidation): the cached copy is what is served.
    async with pg_engine.begin() as conn:
        await conn.execute(update(events).where(events.c.id == event.id).values(title="Renamed in SQL"))
    assert (await s.catalog.get_event(event.id)).title == "Concert"

    (buyer,) = await add_buyers(uow, 1, FixedClock().now())
    await s.bookings.hold(buyer, event_id=event.id, quantity=3, idempotency_key="k1")
    fresh = await s.catalog.get_event(event.id)
    assert fresh.seats_available == 7 and fresh.title == "Renamed in SQL"
    listed = await s.catalog.list_events(EventFilter(q="Renamed in SQL"))
    assert [(e.id, e.seats_available) for e in listed.items] == [(event.id, 7)]


async def test_with_redis_unreachable_catalog_reads_and_bookings_still_work(pg_engine: AsyncEngine) -> None:
    s = stack(pg_engine, Redis(dead_redis()))
    uow = uow_factory(pg_engine, after_commit=CatalogCache(s.redis).forget)
    event = await add_event(uow, capacity=5, now=FixedClock().now())
    (buyer,) = await add_buyers(uow, 1, FixedClock().now())
    held = await s.bookings.hold(buyer, event_id=event.id, quantity=2, idempotency_key="k")
    assert held["status"] == "pending"
    assert (await s.catalog.get_event(event.id)).seats_available == 3
    assert s.redis.state == "degraded" and await s.redis.ping() == "degraded"
    page = await s.catalog.list_events(EventFilter(), limit=100)
    assert event.id in {e.id for e in page.items}


@pytest.mark.parametrize("redis_url", [LIVE_REDIS, "dead"])
async def test_login_throttling_answers_429_then_lets_the_right_password_in_after_the_window(
    pg_uow: object, redis_url: str, live_redis: Redis
) -> None:
    redis = Redis(dead_redis() if redis_url == "dead" else redis_url)
    throttle = RedisThrottle(redis, limits={"account": 3, "ip": 100}, window_s=2)
    auth = AuthService(
        uow=pg_uow,  # type: ignore[arg-type]
        hasher=Argon2PasswordHasher(),
        tokens=JwtTokens("x" * 40, access_ttl=timedelta(minutes=5)),
        clock=FixedClock(),
        throttle=throttle,
    )
    email = f"throttled-{redis_url[-2:]}@example.org"
    await auth.register(email=email, password="right-password", name="T")
    for _ in range(3):
        with pytest.raises(errors.InvalidCredentials):
            await auth.login(email=email, password="wrong-password", client_ip="10.0.0.9")
    with pytest.raises(errors.RateLimited) as limited:
        await auth.login(email=email, password="right-password", client_ip="10.0.0.9")
    assert 1 <= limited.value.details["retry_after"] <= 2
    await asyncio.sleep(2.2)
    assert (await auth.login(email=email, password="right-password", client_ip="10.0.0.9")).access_token


async def test_failed_logins_from_one_address_are_throttled_across_accounts(live_redis: Redis) -> None:
    throttle = RedisThrottle(live_redis, limits={"account": 100, "ip": 4}, window_s=60)
    for n in range(4):
        await throttle.failed([f"account:user{n}@example.org", "ip:10.0.0.7"])
    assert await throttle.retry_after(["account:new@example.org", "ip:10.0.0.7"])
    assert await throttle.retry_after(["account:new@example.org", "ip:10.0.0.8"]) is None
