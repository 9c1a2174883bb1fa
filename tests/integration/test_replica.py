"""Browsing from the streaming replica (127.0.0.1:5433), decisions on the primary, read-your-writes by LSN.

These run on the machine's real services. The replica is started through cluster/local/services.sh when it
does not answer; one test stops it and starts it again. The test database is a throwaway one on the primary,
which physical replication copies to the standby by itself.
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.bootstrap import catalog_service, connect
from adapters.db import create_engine, uow_factory
from adapters.db.readers import acting_as, current_reader, read_consistently
from adapters.db.routing import PRIMARY, REPLICA, ReadRouter, RoutedReadUnitOfWork, create_replica_engine
from adapters.settings import Settings
from deployments.base import ServiceDeployment
from domain import errors
from domain.accounts import Principal, Role, Session, User
from domain.booking import BookingService
from domain.catalog import CatalogService, EventDraft
from domain.model import new_id
from domain.ports import EventFilter, UnitOfWork
from tests.answered import Answered
from tests.integration.it_support import FakeGateway, FixedClock
from tests.integration.replica_support import (
    PG_REPLICA,
    PG_SERVER,
    REDIS,
    ROOT,
    eventually,
    on_replica,
    redis_answers,
    redis_positions,
    services,
    standby,
)


@pytest.fixture
async def engines(databases: tuple[str, str]) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    primary = create_engine(databases[0], pool_size=5)
    replica = create_replica_engine(databases[1], pool_size=5)
    yield primary, replica
    await primary.dispose()
    await replica.dispose()


@pytest.fixture(params=["redis", "primary-fence"])
async def fence(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """How a user's last write is found: remembered in Redis, or the primary's position at read time."""
    if request.param == "redis" and not await redis_answers():
        pytest.skip(f"no Redis at {REDIS}")
    yield request.param


def router_for(engines: tuple[AsyncEngine, AsyncEngine], fence: str, *, max_lag_s: float = 3600) -> ReadRouter:
    """A router as one deployment replica builds it; several of them stand for several processes."""
    positions = redis_positions() if fence == "redis" else None
    return ReadRouter(primary=engines[0], replica=engines[1], max_lag_s=max_lag_s, positions=positions)


class Spy:
    """A read_uow factory that notes, for each unit of work, the router's target and what the server says."""

    def __init__(self, router: ReadRouter) -> None:
        self.router = router
        self.answered: list[tuple[str, bool]] = []  # (target, pg_is_in_recovery())

    def __call__(self, *, autocommit: bool = False) -> UnitOfWork:
        return _SpiedUnitOfWork(self)  # type: ignore[return-value]


class _SpiedUnitOfWork:
    def __init__(self, spy: Spy) -> None:
        self.spy = spy
        self.routed: RoutedReadUnitOfWork = spy.router.routed()

    async def __aenter__(self) -> UnitOfWork:
        uow = await self.routed.__aenter__()
        in_recovery = await self.routed.connection.scalar(text("SELECT pg_is_in_recovery()"))
        assert self.routed.target is not None
        self.spy.answered.append((self.routed.target, bool(in_recovery)))
        return uow

    async def __aexit__(self, *exc: Any) -> None:
        await self.routed.__aexit__(*exc)


async def add_organizer(router: ReadRouter) -> Principal:
    now = datetime.now(UTC)
    user = User(new_id(), f"org-{new_id()}@example.com", "Org", Role.ORGANIZER, "not-a-hash", now)
    session = Session(new_id(), user.id, now)
    async with router.recording(uow_factory(router.primary))() as tx:
        await tx.users.add(user)
        await tx.sessions.add(session)
        await tx.commit()
    return Principal(user.id, user.role, session.id)


def draft(title: str) -> EventDraft:
    starts = datetime.now(UTC) + timedelta(days=30)
    return EventDraft(
        title=title,
        description="made by a test",
        category="music",
        venue="Hall",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=50,
        price_cents=1500,
        currency="EUR",
    )


def catalog(router: ReadRouter, spy: Spy | None = None) -> CatalogService:
    return CatalogService(
        uow=router.recording(uow_factory(router.primary)), clock=FixedClock(), read_uow=spy or router.read_uow
    )


def replica_replayed_everything() -> bool:
    with psycopg.connect(PG_SERVER, autocommit=True) as primary:
        row = primary.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()
    assert row is not None
    with psycopg.connect(PG_REPLICA, autocommit=True) as replica:
        caught_up = replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (row[0],)).fetchone()
    return caught_up == (True,)


# --- the script ---------------------------------------------------------------------------------------------


def test_make_services_twice_is_harmless(replica_running: None) -> None:
    for _ in range(2):
        done = subprocess.run(["make", "-s", "services"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    assert "postgresql replica: running on 5433" in done.stdout
    assert "postgresql replica: streaming from 5432" in done.stdout
    assert "database eventbook exists" in done.stdout
    assert standby()


# --- routing ------------------------------------------------------------------------------------------------


async def test_a_list_read_is_answered_by_the_replica(engines: tuple[AsyncEngine, AsyncEngine]) -> None:
    router = router_for(engines, "primary-fence", max_lag_s=5)
    routed = router.routed()
    async with routed as uow:
        assert routed.target == REPLICA
        assert await routed.connection.scalar(text("SELECT pg_is_in_recovery()")) is True
        assert await routed.connection.scalar(text("SELECT inet_server_port()")) == make_url(PG_REPLICA).port
        await uow.events.list_published(EventFilter(), None, 5)

    spy = Spy(router)
    await catalog(router, spy).list_events(EventFilter(category="music"), limit=5)
    assert spy.answered == [(REPLICA, True)]


async def test_a_users_reads_see_their_own_write_while_the_replica_lags(
    engines: tuple[AsyncEngine, AsyncEngine], fence: str
) -> None:
    writer, reader = router_for(engines, fence), router_for(engines, fence)  # two processes of a deployment
    organizer = await add_organizer(writer)
    title = f"Replica test {uuid.uuid4().hex[:8]}"
    on_replica("SELECT pg_wal_replay_pause()")  # the replica receives the write but does not apply it yet
    try:
        with acting_as(organizer.user_id):
            created = await catalog(writer).create_event(organizer, draft(title))

        spy = Spy(reader)
        with acting_as(organizer.user_id):
            page = await catalog(reader, spy).list_events(EventFilter(q=title))
            seen = await catalog(reader, spy).get_event(created.id, viewer=organizer)
        assert [e.id for e in page.items] == [created.id]
        assert seen.title == title
        assert spy.answered == [(PRIMARY, False), (PRIMARY, False)]

        # Anyone else is served by the replica, a snapshot that may be (here: is) a little behind.
        spy = Spy(reader)
        anonymous = await catalog(reader, spy).list_events(EventFilter(q=title))
        assert anonymous.items == []
        assert spy.answered == [(REPLICA, True)]
    finally:
        on_replica("SELECT pg_wal_replay_resume()")

    # Once the replica has replayed the write, the user's reads go back to it.
    await eventually(lambda: asyncio.to_thread(replica_replayed_everything), "replay of the write")
    spy = Spy(reader)
    with acting_as(organizer.user_id):
        page = await catalog(reader, spy).list_events(EventFilter(q=title))
    assert [e.id for e in page.items] == [created.id]
    assert spy.answered == [(REPLICA, True)]
    if fence == "redis":
        assert reader.positions is not None
        assert await reader.positions.last_write(organizer.user_id) is not None


async def test_a_miss_on_the_replica_is_read_again_on_the_primary(engines: tuple[AsyncEngine, AsyncEngine]) -> None:
    """A row written with no reader known is not fenced: a miss on the replica is read again on the primary."""
    router = router_for(engines, "redis") if await redis_answers() else router_for(engines, "primary-fence")
    buyer = await add_organizer(router)
    event = await catalog(router).create_event(buyer, draft("Replica miss"))
    await eventually(lambda: asyncio.to_thread(replica_replayed_everything), "replay of the event")
    spy = Spy(router)
    bookings = Answered(
        BookingService(
            uow=router.recording(uow_factory(router.primary)), read_uow=spy, gateway=FakeGateway(), clock=FixedClock()
        )
    )
    on_replica("SELECT pg_wal_replay_pause()")
    try:
        held = await bookings.hold(buyer, event_id=event.id, quantity=1, idempotency_key="k")  # nobody remembered
        found = await read_consistently(buyer.user_id, lambda: bookings.get(buyer, booking_id=held["id"]))
        assert found["id"] == held["id"]
        if router.positions is not None:  # no remembered write: the replica is tried first, then the primary
            assert spy.answered == [(REPLICA, True), (PRIMARY, False)]
            # Outside read_consistently the same read is a plain miss.
            with pytest.raises(errors.NotFound), acting_as(buyer.user_id):
                await bookings.get(buyer, booking_id=held["id"])
    finally:
        on_replica("SELECT pg_wal_replay_resume()")


async def test_reads_use_the_primary_and_health_is_degraded_while_the_replica_is_down(
    databases: tuple[str, str], engines: tuple[AsyncEngine, AsyncEngine]
) -> None:
    settings = Settings(database_url=databases[0], replica_url=databases[1], redis_url=None)
    infra = await connect(settings, prepare=False)
    deployment = ServiceDeployment()
    deployment.infra = infra
    assert infra.router is not None
    assert (await deployment.health())["replica"] == "ok"
    router = router_for(engines, "primary-fence", max_lag_s=5)
    services("stop")
    try:
        assert not standby()
        health = await deployment.health()
        assert health["database"] == "ok"
        assert health["replica"] == "degraded"

        page = await catalog_service(infra.ports).list_events(EventFilter(), limit=5)
        assert page.items is not None
        spy = Spy(router)
        await catalog(router, spy).list_events(EventFilter(), limit=5)
        await catalog(router, spy).list_events(EventFilter(), limit=5)
        assert spy.answered == [(PRIMARY, False), (PRIMARY, False)]
    finally:
        services("up")
    assert standby()

    async def healthy_again() -> bool:
        return (await deployment.health())["replica"] == "ok"

    await eventually(healthy_again, "health reporting the restarted replica")
    assert infra.router is not None
    await infra.router.dispose()
    await infra.engine.dispose()


# --- the deployments run each request on behalf of its caller -----------------------------------------------


class _Probe(ServiceDeployment):
    async def mine(self, principal: Principal, *, limit: int = 20) -> str | None:
        return current_reader()

    async def page(self, event_id: str, *, viewer: Principal | None = None) -> str | None:
        return current_reader()

    async def anonymous(self, flt: EventFilter) -> str | None:
        return current_reader()


async def test_deployment_requests_run_as_their_principal() -> None:
    probe = _Probe()
    someone = Principal("user-1", Role.CUSTOMER, "session-1")
    assert await probe.mine(someone) == "user-1"
    assert await probe.page("event-1", viewer=someone) == "user-1"
    assert await probe.page("event-1") is None
    assert await probe.anonymous(EventFilter()) is None
    assert current_reader() is None
