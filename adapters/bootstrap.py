"""The composition root: the one place that builds the use cases and what they run on.

`connect(settings)` opens the real things (the primary, the replica router, Redis) and gives `Ports`; the builders
below make every service from `Ports`. The deployments call them in their `__init__`, the in-process server
(loadtests/inprocess.py) calls `local_services`, and the tests build `Ports` from in-memory fakes and call the
same builders.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.cache import CatalogGenerations, GenerationSource, Redis
from adapters.catalog_versions import DatabaseGenerations
from adapters.clock import SystemClock
from adapters.db import migrate
from adapters.db.engine import create_engine
from adapters.db.round_trips import ROUND_TRIPS, as_role
from adapters.db.routing import ReadRouter, create_replica_engine
from adapters.db.uow import uow_factory
from adapters.db.write_positions import RedisWritePositions
from adapters.demo_seed import seed_demo
from adapters.messaging.mailers import FileMailer, SmtpMailer
from adapters.messaging.relay import Handler
from adapters.revocations import RedisRevocations
from adapters.sandbox_gateway import SandboxGateway
from adapters.security import Argon2PasswordHasher, JwtTokens, pass_signer, ticket_codes
from adapters.settings import Settings, sync_url
from adapters.stripe_gateway import StripeGateway, stripe_client
from adapters.throttle import Backoff, MemoryThrottle, RedisThrottle
from adapters.ticket_bootstrap import attendee_service, checkin_service, ticket_authoring_service, ticket_service
from adapters.ticket_render import render_tickets_pdf
from domain import errors
from domain.auth import AuthService
from domain.booking import BatchedBookings, BookingService
from domain.catalog import CatalogService
from domain.model import BookingPolicy
from domain.notifications import Mailer, NotificationService
from domain.ports import Clock, LoginThrottle, PasswordHasher, PaymentGateway, Revocations, UnitOfWorkFactory
from domain.sessions import SessionGuard
from ingress.client_address import trusted_networks
from ingress.services import HealthCheck, PaymentConfig, QueueApi, Services

log = logging.getLogger(__name__)


@dataclass
class Ports:
    """What the use cases are built from: real adapters (`connect`) or in-memory fakes (tests)."""

    settings: Settings
    uow: UnitOfWorkFactory  # the primary: every decision
    clock: Clock
    hasher: PasswordHasher
    tokens: JwtTokens
    read_uow: UnitOfWorkFactory | None = None  # browsing, maybe from a replica (None: the primary)
    revocations: Revocations | None = None
    throttle: LoginThrottle | None = None
    register_throttle: LoginThrottle | None = None  # None: per process (register_backoff)


@dataclass
class Infrastructure:
    """The real things behind `ports`, for the deployments' health checks, loops and shutdown."""

    ports: Ports
    engine: AsyncEngine
    redis: Redis
    generations: GenerationSource  # what cached catalog reads are checked against
    router: ReadRouter | None = None

    @property
    def settings(self) -> Settings:
        return self.ports.settings

    async def database_ok(self) -> None:
        """Raise unless the primary answers (Serve replaces a replica whose check_health raises)."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))


async def connect(settings: Settings, *, prepare: bool = True) -> Infrastructure:
    """Open the primary database; with `prepare`, apply migrations and (in demo mode) the demo data first."""
    url = settings.primary_url
    if prepare:
        await asyncio.to_thread(migrate.upgrade, sync_url(url))
    engine = create_engine(url, pool_size=settings.db_pool_size)
    ROUND_TRIPS.attach(engine)
    redis = Redis(settings.redis_url)
    # Every commit that changes an event or its seats makes the cached copies of that event out of date at once:
    # Redis's counters are moved after the commit; the database's versions by the statements themselves.
    generations: GenerationSource = CatalogGenerations(redis) if redis.configured else DatabaseGenerations(engine)
    uow = uow_factory(engine, after_commit=generations.moved if redis.configured else None)
    router = read_router(settings, engine)
    # With a replica, commits made for a user remember the primary's position (read-your-writes).
    writes: UnitOfWorkFactory = router.recording(uow) if router else uow
    limits = {"account": settings.login_max_failures, "ip": settings.login_max_failures_per_ip}
    backoff = Backoff(limits, settings.login_window_s, settings.login_backoff_base_s, settings.login_backoff_max_s)
    ports = Ports(
        settings=settings,
        uow=writes,
        read_uow=router.read_uow if router else None,
        clock=SystemClock(),
        hasher=Argon2PasswordHasher(),
        tokens=JwtTokens.from_settings(settings),
        revocations=RedisRevocations(redis) if redis.configured else None,
        throttle=RedisThrottle(redis, backoff),
        register_throttle=RedisThrottle(redis, register_backoff(settings)),
    )
    infra = Infrastructure(ports, engine, redis, generations, router)
    if redis.configured:
        await redis.begin_epoch()
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
    replica = create_replica_engine(settings.replica_url, pool_size=settings.db_pool_size)
    ROUND_TRIPS.attach(replica)
    return ReadRouter(
        primary=primary,
        replica=replica,
        max_lag_s=settings.replica_max_lag_s,
        positions=RedisWritePositions(settings.redis_url) if settings.redis_url else None,
    )


async def _seed(infra: Infrastructure) -> None:
    for attempt in range(3):  # replicas starting together may race on the same rows: the loser just retries
        try:
            added = await seed_demo(uow=infra.ports.uow, hasher=infra.ports.hasher, clock=infra.ports.clock)
            if added:
                log.info("demo mode: seeded %d rows", added)
            return
        except (IntegrityError, errors.EmailTaken):
            await asyncio.sleep(0.2 * (attempt + 1))


# --- the use cases ------------------------------------------------------------------------------------------


def register_backoff(settings: Settings) -> Backoff:
    """Sign-ups per address: the first `register_max_per_ip` of a window are free, then the rest of it waits."""
    window = settings.register_window_s
    return Backoff({"register": settings.register_max_per_ip}, window, base_s=window, max_s=window)


def auth_service(ports: Ports) -> AuthService:
    s = ports.settings
    return AuthService(
        uow=ports.uow,
        hasher=ports.hasher,
        tokens=ports.tokens,
        clock=ports.clock,
        refresh_ttl=timedelta(days=s.refresh_token_ttl_days),
        throttle=ports.throttle,
        register_throttle=ports.register_throttle or MemoryThrottle(register_backoff(s)),
        revocations=ports.revocations,
        access_ttl=timedelta(seconds=s.access_token_ttl_s),
    )


def catalog_service(ports: Ports) -> CatalogService:
    hold_for = timedelta(minutes=ports.settings.hold_minutes)  # of the holds capacity growth offers the waiting list
    return CatalogService(uow=ports.uow, clock=ports.clock, read_uow=ports.read_uow, hold_for=hold_for)


def booking_service(
    ports: Ports, gateway: PaymentGateway, *, payment_sources: frozenset[str] | None = None
) -> BookingService:
    """`payment_sources`: what a pay request must carry for this gateway (`payment_sources(settings)`); None: either."""
    s = ports.settings
    policy = BookingPolicy(
        hold_minutes=s.hold_minutes,
        max_per_order=s.max_per_order,
        max_open_holds_per_user=s.max_open_holds_per_user,
        max_held_seats_per_event=s.max_held_seats_per_event,
        max_held_seats_per_user=s.max_held_seats_per_user,
    )
    return BookingService(
        uow=ports.uow,
        read_uow=ports.read_uow,
        gateway=gateway,
        clock=ports.clock,
        policy=policy,
        settle_after=timedelta(seconds=s.settle_after_s),
        charge_wait=timedelta(seconds=s.payment_timeout_s),  # a charge still processing: wait like the call would
        payment_sources=payment_sources,
        ticket_codes=ticket_codes(s),
    )


def session_guard(ports: Ports) -> SessionGuard:
    return SessionGuard(uow=ports.uow, revocations=ports.revocations)


def sandbox_gateway(infra: Infrastructure) -> SandboxGateway:
    s = infra.settings
    return SandboxGateway(infra.engine, slow_delay_s=s.sandbox_slow_card_delay_s, clock=infra.ports.clock)


def payment_gateway(infra: Infrastructure) -> PaymentGateway:
    """The configured provider: Stripe, or the sandbox (which the settings allow in demo mode only)."""
    s = infra.settings
    if s.payment_provider != "stripe":
        return sandbox_gateway(infra)
    assert s.stripe_secret_key is not None  # the settings refuse stripe without its keys
    secret = s.stripe_secret_key.get_secret_value()
    client = stripe_client(secret, api_base=s.stripe_api_base, timeout_s=s.stripe_timeout_s)
    return StripeGateway(infra.engine, client, timeout_s=s.stripe_timeout_s, clock=infra.ports.clock)


def payment_sources(settings: Settings) -> frozenset[str]:
    """How a buyer pays: Stripe takes the payment method its element made in the browser, the sandbox a card."""
    return frozenset({"payment_method"}) if settings.payment_provider == "stripe" else frozenset({"card"})


def payment_config(settings: Settings) -> PaymentConfig:
    """What the ingress tells the web app (`GET /api/payments/config`) and how it checks Stripe's webhooks."""
    webhook = settings.stripe_webhook_secret
    return PaymentConfig(
        provider=settings.payment_provider or "sandbox",
        publishable_key=settings.stripe_publishable_key or "",
        webhook_secret=webhook.get_secret_value() if webhook else "",
    )


def mailer(settings: Settings) -> Mailer:
    return SmtpMailer(settings.smtp_url) if settings.smtp_url else FileMailer(settings.var_dir / "mail")


def notification_service(ports: Ports) -> NotificationService:
    return NotificationService(
        uow=ports.uow, mailer=mailer(ports.settings), clock=ports.clock, tickets_pdf=render_tickets_pdf
    )


def mail_handler(ports: Ports) -> Handler:
    """What the consumers run for each message: the e-mail it calls for (its round trips counted as `mail`)."""
    return as_role("mail", notification_service(ports).handle)


def local_services(
    ports: Ports,
    *,
    auth: AuthService,
    catalog: CatalogService,
    booking: BookingService,
    health: dict[str, HealthCheck],
    queue: QueueApi | None = None,
) -> Services:
    """The ingress's services as objects in this process (the in-process server, the HTTP tests); holds and
    payments batched as the Api replica batches them (domain/batching.py)."""
    return Services(
        auth=auth,
        catalog=catalog,
        booking=BatchedBookings(booking),
        tickets=ticket_service(ports),
        checkin=checkin_service(ports),
        authoring=ticket_authoring_service(ports),
        attendees=attendee_service(ports),
        health=health,
        sessions=session_guard(ports),
        tokens=ports.tokens,
        demo=ports.settings.demo_mode,
        payments=payment_config(ports.settings),
        trusted_proxies=trusted_networks(ports.settings.trusted_proxies),
        queue=queue,
        passes=pass_signer(ports.settings),
    )
