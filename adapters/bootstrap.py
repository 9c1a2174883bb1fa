"""The one place that builds real dependencies from settings; deployments call it in their __init__."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.db import migrate
from adapters.db.engine import create_engine
from adapters.db.uow import uow_factory
from adapters.demo_seed import seed_demo
from adapters.sandbox_gateway import SandboxGateway
from adapters.security import Argon2PasswordHasher, JwtTokens
from adapters.settings import Settings, sync_url
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

    def tokens(self) -> JwtTokens:
        return JwtTokens.from_settings(self.settings)


async def connect(settings: Settings, *, prepare: bool = True) -> Infrastructure:
    """Open the primary database; with `prepare`, apply migrations and (in demo mode) the demo data first."""
    url = settings.primary_url
    if prepare:
        await asyncio.to_thread(migrate.upgrade, sync_url(url))
    engine = create_engine(url, pool_size=settings.db_pool_size)
    infra = Infrastructure(settings, engine, uow_factory(engine), SystemClock())
    if prepare and settings.demo_mode:
        await _seed(infra)
    return infra


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
    return AuthService(
        uow=infra.uow,
        hasher=Argon2PasswordHasher(),
        tokens=infra.tokens(),
        clock=infra.clock,
        refresh_ttl=timedelta(days=infra.settings.refresh_token_ttl_days),
    )


def catalog_service(infra: Infrastructure) -> CatalogService:
    return CatalogService(uow=infra.uow, clock=infra.clock)


def booking_service(infra: Infrastructure, gateway: PaymentGateway) -> BookingService:
    s = infra.settings
    policy = BookingPolicy(
        hold_minutes=s.hold_minutes, max_per_order=s.max_per_order, max_open_holds_per_user=s.max_open_holds_per_user
    )
    return BookingService(
        uow=infra.uow,
        gateway=gateway,
        clock=infra.clock,
        policy=policy,
        settle_after=timedelta(seconds=s.settle_after_s),
    )


def sandbox_gateway(infra: Infrastructure) -> SandboxGateway:
    return SandboxGateway(infra.engine, slow_delay_s=infra.settings.sandbox_slow_card_delay_s, clock=infra.clock)
