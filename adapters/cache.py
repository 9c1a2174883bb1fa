"""Redis: generations that say when a cached catalog read is out of date, revocations, throttle counters.

Never required: with Redis away every read goes to the database and nothing fails because of it.

Generations: one counter per event, moved on after every commit that changes the event or its seats, and one
for listings, moved on after a commit that adds or edits an event (what a list shows, or in what order). A
cached copy is stamped with the generation read *before* it was fetched: whatever the interleaving, a copy older
than the latest change carries an older stamp than the counter, so a read after a change never sees the old
value. A hold moves only its own event's counter: browsing other events stays cached during an on-sale.

Redis keeps nothing on disk here: after a restart every counter would read 0 again and match stamps taken before.
So every answer carries the *epoch*, a random value written once into each Redis life (SET NX); a stamp counts only
with the epoch it was taken under.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from adapters.db.uow import Touched

log = logging.getLogger(__name__)

OUTAGE_PAUSE_S = 5.0  # after a failure, leave Redis alone this long instead of paying its timeout per request
# Seconds, not tenths: the timeout runs on this replica's event loop, and under load what is late is the loop, not
# Redis. At 0.3 s a busy moment of a sale read as an outage, and for the next OUTAGE_PAUSE_S every session check
# went to the database instead, which is far slower: the Api filled up (256 requests in flight, the rest refused)
# and queue polls fell to 1 a second (bench-queue, 2026-12-03). A Redis that is away refuses connections at once;
# only a hung one makes a request wait this long.
TIMEOUT_S = 2.0
CONNECT_TIMEOUT_S = 1.0
EPOCH = "eventbook:epoch"
T = TypeVar("T")


class Redis:
    """A Redis client that reports failures instead of raising them, and backs off while Redis is away."""

    def __init__(self, url: str | None) -> None:
        self.client = (
            aioredis.from_url(
                url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=TIMEOUT_S, health_check_interval=10
            )
            if url
            else None
        )
        self._down_until = 0.0

    @property
    def configured(self) -> bool:
        return self.client is not None

    @property
    def state(self) -> str:
        if self.client is None:
            return "disabled"
        return "degraded" if time.monotonic() < self._down_until else "ok"

    async def run(self, operation: Callable[[aioredis.Redis], Awaitable[T]]) -> T | None:
        if self.client is None or time.monotonic() < self._down_until:
            return None
        try:
            return await operation(self.client)
        except (RedisError, OSError) as error:
            log.warning("redis unavailable, carrying on without it: %r", error)
            self._down_until = time.monotonic() + OUTAGE_PAUSE_S
            return None

    async def ping(self) -> str:
        if self.client is not None:
            self._down_until = 0.0  # a health check always tries
            await self.run(lambda r: r.ping())
        return self.state

    async def begin_epoch(self) -> None:
        """Mark this Redis life (no-op if marked): `<unix time>:<random>`, so the start is known too."""
        await self.run(lambda r: r.set(EPOCH, f"{time.time():.3f}:{uuid.uuid4().hex}", nx=True))


def epoch_started_at(epoch: bytes | str) -> float:
    text = epoch.decode() if isinstance(epoch, bytes) else epoch
    return float(text.split(":", 1)[0])


@dataclass(frozen=True)
class Generations:
    epoch: str
    listings: int
    events: dict[str, int]

    def of_event(self, event_id: str) -> tuple[str, int]:
        return (self.epoch, self.events.get(event_id, 0))

    @property
    def of_listings(self) -> tuple[str, int]:
        return (self.epoch, self.listings)


class GenerationSource(Protocol):
    """Where the catalog's generations are read (Redis, or the database: adapters/catalog_versions.py)."""

    async def read(self, event_ids: Sequence[str]) -> Generations | None:
        """The generations of these events and of the listings; None when they cannot be told now."""
        ...

    async def moved(self, touched: Touched) -> None:
        """After a commit that changed these: make the change known (where the source needs to be told)."""
        ...


class CatalogGenerations:
    """Counters in Redis, moved on after each commit (SqlUnitOfWork's after_commit)."""

    LISTINGS = "catalog:listings"
    EVENT = "catalog:event:"

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def read(self, event_ids: Sequence[str]) -> Generations | None:
        """The epoch, the listings' counter and the events' counters, in one round trip; None without Redis."""
        keys = [EPOCH, self.LISTINGS, *(self.EVENT + i for i in event_ids)]
        values = await self._redis.run(lambda r: r.mget(keys))
        if values is None:
            return None
        epoch, listings, *counters = values
        if epoch is None:  # a new Redis life: nothing cached before can be trusted
            await self._redis.begin_epoch()
            return None
        events = {i: int(c or 0) for i, c in zip(event_ids, counters, strict=True)}
        return Generations(epoch.decode() if isinstance(epoch, bytes) else str(epoch), int(listings or 0), events)

    async def moved(self, touched: Touched) -> None:
        """After a commit (SqlUnitOfWork's after_commit): what it changed is out of date everywhere."""

        async def bump(r: aioredis.Redis) -> None:
            async with r.pipeline(transaction=False) as pipe:
                for event_id in sorted(touched.events):
                    pipe.incr(self.EVENT + event_id)
                if touched.listings:
                    pipe.incr(self.LISTINGS)
                await pipe.execute()

        await self._redis.run(bump)
