"""The one place that builds real dependencies from settings; deployments call it in their __init__."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.cache import CachedCatalog, CatalogCache, Redis
from adapters.clock import SystemClock
from adapters.db import migrate
from adapters.db.engine import create_engine
from adapters.db.routing import ReadRouter, RedisWritePositions, create_replica_engine
from adapters.db.uow import uow_factory
from adapters.demo_seed import seed_demo
from adapters.sandbox_gateway import SandboxGateway
from adapters.security import Argon2PasswordHasher, JwtTokens
from adapters.settings import Settings, sync_url
from adapters.throttle import RedisThrottle
from domain import errors
from domain.auth import AuthService
from domain.booking import BookingService
from domain.catalog import CatalogService
from domain.model import BookingPolicy
from domain.ports import PaymentGateway, UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass
class Infrastructure:
    settings: Settings
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    clock: SystemClock
    redis: Redis
    router: ReadRouter | None = None  # with a replica configured: where browsing reads go

    def tokens(self) -> JwtTokens:
        return JwtTokens.from_settings(self.settings)

    @property
    def read_uow(self) -> UnitOfWorkFactory:
        """Units of work for browsing: routed to the replica when there is one (decisions keep `uow`)."""
        return self.router.read_uow if self.router else self.uow


async def connect(settings: Settings, *, prepare: bool = True) -> Infrastructure:
    """Open the primary database; with `prepare`, apply migrations and (in demo mode) the demo data first."""
    url = settings.primary_url
    if prepare:
        await asyncio.to_thread(migrate.upgrade, sync_url(url))
    engine = create_engine(url, pool_size=settings.db_pool_size)
    redis = Redis(settings.redis_url)
    # Every commit that changes an event or its seats makes cached catalog reads out of date at once.
    uow = uow_factory(engine, after_commit=CatalogCache(redis).forget)
    router = read_router(settings, engine)
    # With a replica, commits made for a user remember the primary's position (read-your-writes).
    writes: UnitOfWorkFactory = router.recording(uow) if router else uow
    infra = Infrastructure(settings, engine, writes, SystemClock(), redis, router)
    if prepare and settings.demo_mode:
        await _seed(infra)
    return infra


def read_router(settings: Settings, primary: AsyncEngine) -> ReadRouter | None:
    """The replica router when `EVENTBOOK_REPLICA_URL` is set (and the primary is PostgreSQL), else None."""
    if not settings.replica_url:
        return None
    if not settings.primary_url.startswith("postgresql"):
        log.warning("EVENTBOOK_REPLICA_URL is ignored: the primary is not PostgreSQL")
        return None
    return ReadRouter(
        primary=primary,
        replica=create_replica_engine(settings.replica_url, pool_size=settings.db_pool_size),
        max_lag_s=settings.replica_max_lag_s,
        positions=RedisWritePositions(settings.redis_url) if settings.redis_url else None,
    )


async def _seed(infra: Infrastructure) -> None:
    for attempt in range(3):  # replicas starting together may race on the same rows: the loser just retries
        try:
            added = await seed_demo(uow=infra.uow, hasher=Argon2PasswordHasher(), clock=infra.clock)
            if added:
                log.info("demo mode: seeded %d rows", added)
            return
        except (IntegrityError, errors.EmailTaken):
            await asyncio.sleep(0.2 * (attempt + 1))


def auth_service(infra: Infrastructure) -> AuthService:
    s = infra.settings
    limits = {"account": s.login_max_failures, "ip": s.login_max_failures_per_ip}
    return AuthService(
        uow=infra.uow,
        hasher=Argon2PasswordHasher(),
        tokens=infra.tokens(),
        clock=infra.clock,
        refresh_ttl=timedelta(days=s.refresh_token_ttl_days),
        throttle=RedisThrottle(infra.redis, limits=limits, window_s=s.login_window_s),
    )


def catalog_service(infra: Infrastructure) -> CatalogService | CachedCatalog:
    routed = CatalogService(uow=infra.uow, clock=infra.clock, read_uow=infra.read_uow)
    if not infra.settings.redis_url:
        return routed
    primary = CatalogService(uow=infra.uow, clock=infra.clock)  # fills the cache: never a lagging copy
    return CachedCatalog(routed, CatalogCache(infra.redis), fill=primary)


def booking_service(infra: Infrastructure, gateway: PaymentGateway) -> BookingService:
    s = infra.settings
    policy = BookingPolicy(
        hold_minutes=s.hold_minutes, max_per_order=s.max_per_order, max_open_holds_per_user=s.max_open_holds_per_user
    )
    return BookingService(
        uow=infra.uow,
        read_uow=infra.read_uow,
        gateway=gateway,
        clock=infra.clock,
        policy=policy,
        settle_after=timedelta(seconds=s.settle_after_s),
    )


def sandbox_gateway(infra: Infrastructure) -> SandboxGateway:
    return SandboxGateway(infra.engine, slow_delay_s=infra.settings.sandbox_slow_card_delay_s, clock=infra.clock)
