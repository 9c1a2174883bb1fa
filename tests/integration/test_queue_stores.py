"""The waiting room's stores on real Redis, PostgreSQL and SQLite, each seen through two store instances (two Queue
replicas): concurrent joins get distinct places, both replicas read the same places, concurrent ticks admit in
one order under the bound, leaving frees a place and passes that ran out are counted."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import create_engine
from adapters.db.queue_store import DatabaseQueueStore
from adapters.queue_redis import RedisQueueStore
from domain import errors
from domain.queue_pass import PassSigner
from domain.waiting_room import AdmissionPolicy, LatencySignal, QueueStatus, QueueStore, Room, WaitingRoom
from tests.integration.it_support import FixedClock
from tests.integration.redis_support import LIVE_REDIS

QUIET = LatencySignal(hold_p99_s=None, pay_p99_s=None, samples=0)
SIGNER = PassSigner(secrets.token_bytes(32))


@dataclass
class Backend:
    """Two store instances over one backend, and the clock their callers use (Redis keeps its own)."""

    name: str
    stores: tuple[QueueStore, QueueStore]
    clock: FixedClock

    def rooms(
        self, *, bound: int, ttl_s: float = 60, policy: AdmissionPolicy | None = None
    ) -> tuple[WaitingRoom, WaitingRoom]:
        policy = policy or AdmissionPolicy(initial_bound=bound, min_bound=1, max_bound=bound)
        made = [
            WaitingRoom(store=s, passes=SIGNER, clock=self.clock, policy=policy, pass_ttl=timedelta(seconds=ttl_s))
            for s in self.stores
        ]
        return made[0], made[1]

    async def wait(self, delta: timedelta) -> None:
        """Let `delta` pass on whichever clock the store decides on."""
        self.clock.advance(delta)
        if self.name == "redis":
            await asyncio.sleep(delta.total_seconds())


def redis_client() -> aioredis.Redis:
    return aioredis.Redis(connection_pool=aioredis.BlockingConnectionPool.from_url(LIVE_REDIS, max_connections=40))


@pytest.fixture(params=["redis", "postgresql", "sqlite"])
async def backend(request: pytest.FixtureRequest, pg_engine: AsyncEngine, pg_url: str) -> AsyncIterator[Backend]:
    clock = FixedClock(datetime.now(UTC))
    if request.param == "redis":
        clients = redis_client(), redis_client()
        try:
            await clients[0].ping()
        except (OSError, aioredis.ConnectionError) as exc:
            pytest.skip(f"no Redis at {LIVE_REDIS}: {exc}")
        prefix = f"test:queue:{secrets.token_hex(4)}"
        yield Backend(
            "redis", (RedisQueueStore(clients[0], prefix=prefix), RedisQueueStore(clients[1], prefix=prefix)), clock
        )
        keys = [k async for k in clients[0].scan_iter(match=f"{prefix}:*")]
        if keys:
            await clients[0].delete(*keys)
        for client in clients:
            await client.aclose()
        return
    if request.param == "postgresql":
        other = create_engine(pg_url, pool_size=20)
        yield Backend("postgresql", (DatabaseQueueStore(pg_engine), DatabaseQueueStore(other)), clock)
        await other.dispose()
        return
    url = request.getfixturevalue("sqlite_url")
    engines = create_engine(url), create_engine(url)
    yield Backend("sqlite", (DatabaseQueueStore(engines[0]), DatabaseQueueStore(engines[1])), clock)
    for engine in engines:
        await engine.dispose()


def new_event() -> str:
    return secrets.token_hex(8)


def before_and_after_opening(event_id: str) -> tuple[Room, Room]:
    """The same event with its sale an hour away, and open (as if the hour had passed)."""
    now = datetime.now(UTC)
    return Room(event_id, sale_starts_at=now + timedelta(hours=1)), Room(event_id, sale_starts_at=now - timedelta(1))


async def test_concurrent_joins_get_distinct_places_that_both_replicas_agree_on(backend: Backend) -> None:
    one, two = backend.rooms(bound=10)
    early, opened = before_and_after_opening(new_event())
    users = [f"user-{i:03}" for i in range(500)]

    joined = await asyncio.gather(*((one if i % 2 else two).join(u, early) for i, u in enumerate(users)))
    assert all(created and entry.position is None for entry, created in joined)

    seen_by_one = [(await one.status(u, opened)).position for u in users]
    seen_by_two = [(await two.status(u, opened)).position for u in users]
    assert seen_by_one == seen_by_two
    assert sorted(p for p in seen_by_one if p is not None) == list(range(1, 501))

    late = []
    for i in range(10):  # after the opening: behind everyone, in arrival order
        entry, created = await (one if i % 2 else two).join(f"late-{i}", opened)
        assert created
        late.append(entry.position)
    assert late == list(range(501, 511))

    again, created = await one.join(users[0], opened)
    assert not created and again.position == seen_by_one[0]


async def test_polls_read_together_answer_what_each_read_alone_does(backend: Backend) -> None:
    one, _ = backend.rooms(bound=10)
    _, opened = before_and_after_opening(new_event())
    users = [f"user-{i:03}" for i in range(300)]
    for user in users:
        await one.join(user, opened)
    stored = await backend.stores[1].read_many(opened.event_id, [*users, "stranger"], now=backend.clock.now())
    assert stored[-1] is None
    assert [e.rank for e in stored[:-1] if e is not None] == list(range(1, 301))
    alone = [(await backend.stores[1].read_many(opened.event_id, [u], now=backend.clock.now()))[0] for u in users]
    assert [(e.rank, e.ahead, e.status) for e in stored[:-1] if e] == [(e.rank, e.ahead, e.status) for e in alone if e]


async def test_replicas_ticking_at_once_admit_in_queue_order_under_the_bound(backend: Backend) -> None:
    one, two = backend.rooms(bound=7)
    early, opened = before_and_after_opening(new_event())
    users = [f"user-{i:02}" for i in range(40)]
    await asyncio.gather(*(one.join(u, early) for u in users))
    places = {u: (await two.status(u, opened)).position for u in users}
    order = sorted(users, key=lambda u: places[u] or 0)

    admitted: list[str] = []
    for _ in range(20):
        ticks = await asyncio.gather(one.admit(opened, QUIET), two.admit(opened, QUIET), one.admit(opened, QUIET))
        left = order[len(admitted) :]
        now_in = {u for u in left if (await one.status(u, opened)).status is QueueStatus.ADMITTED}
        assert len(now_in) <= 7 and all(t.bound == 7 for t in ticks)
        assert sum(t.admitted for t in ticks) == len(now_in)  # each entry admitted once, by one of the ticks
        admitted += [u for u in order if u in now_in]
        assert admitted == order[: len(admitted)]  # always the head of the queue, never out of order
        await asyncio.gather(*(one.leave(u, opened.event_id) for u in now_in))  # they bought and left
        if len(admitted) == len(order):
            break
    assert admitted == order


async def test_leaving_frees_an_admitted_buyers_place(backend: Backend) -> None:
    one, two = backend.rooms(bound=1)
    room = Room(new_event(), sale_starts_at=None)
    await one.join("ada", room)
    await two.join("bob", room)
    assert (await one.admit(room, QUIET)).admitted == 1
    assert (await two.admit(room, QUIET)).admitted == 0
    ada = await two.status("ada", room)
    assert ada.status is QueueStatus.ADMITTED and ada.admitted_until is not None
    assert SIGNER.check(ada.pass_token, user_id="ada", event_id=room.event_id, now=datetime.now(UTC))

    await one.leave("ada", room.event_id)
    with pytest.raises(errors.NotFound):
        await two.status("ada", room)
    tick = await two.admit(room, QUIET)
    assert (tick.admitted, tick.waiting) == (1, 0)
    assert (await one.status("bob", room)).status is QueueStatus.ADMITTED


async def test_passes_that_run_out_read_expired_and_are_counted_once(backend: Backend) -> None:
    one, two = backend.rooms(bound=2, ttl_s=1)
    room = Room(new_event(), sale_starts_at=None)
    for user in ("ada", "bob", "cy"):
        await one.join(user, room)
    assert (await one.admit(room, QUIET)).admitted == 2
    await backend.wait(timedelta(seconds=1.2))

    assert (await two.status("ada", room)).status is QueueStatus.EXPIRED
    ticks = await asyncio.gather(one.admit(room, QUIET), two.admit(room, QUIET))
    assert sum(t.expired for t in ticks) == 2
    assert sum(t.admitted for t in ticks) == 1
    assert (await one.status("cy", room)).status is QueueStatus.ADMITTED
    assert (await one.admit(room, QUIET)).expired == 0
    assert (await one.join("ada", room))[0].status is QueueStatus.EXPIRED


async def test_the_admission_rate_gives_an_estimated_wait(backend: Backend) -> None:
    one, _ = backend.rooms(bound=2, ttl_s=0.3)
    room = Room(new_event(), sale_starts_at=None)
    for i in range(12):
        await one.join(f"user-{i:02}", room)
    for _ in range(3):
        await one.admit(room, QUIET)
        await backend.wait(timedelta(seconds=0.4))
    entry = await one.status("user-11", room)
    assert entry.status is QueueStatus.WAITING and entry.ahead == 5
    assert entry.estimated_wait_s is not None and 0 < entry.estimated_wait_s < 10


async def test_replicas_ticking_at_once_move_the_bound_once_per_interval(backend: Backend) -> None:
    growing = AdmissionPolicy(initial_bound=2, min_bound=1, max_bound=50, increase=1, busy=0)
    one, two = backend.rooms(bound=2, policy=growing)
    room = Room(new_event(), sale_starts_at=None)
    for i in range(30):
        await one.join(f"user-{i:02}", room)
    fast = LatencySignal(hold_p99_s=0.01, pay_p99_s=0.01, samples=100)
    assert (await one.admit(room, fast)).bound == 2  # the room is new: nothing to judge yet
    await backend.wait(timedelta(seconds=1.1))

    ticks = await asyncio.gather(*(r.admit(room, fast) for r in (one, two, one, two)))
    assert {t.bound for t in ticks} == {3}
    assert sum(t.admitted for t in ticks) == 1  # the one place the bound grew by
