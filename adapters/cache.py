"""Redis: a cache for catalog reads, and shared counters for login throttling. Never required.

Freshness: a commit that changes an event or its seats moves the catalog's cache generation on right after
the commit (SqlUnitOfWork's after_commit), so a read after a change sees it. If Redis was unreachable at that
moment, a stale copy lives at most ENTRY_TTL_S. When Redis is down, reads
go to the database and counters fall back to each replica's memory; nothing fails because of it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from domain.accounts import Principal
from domain.catalog import CatalogService
from domain.model import Event, EventStatus
from domain.pagination import Page
from domain.ports import EventFilter

log = logging.getLogger(__name__)

ENTRY_TTL_S = 30
OUTAGE_PAUSE_S = 5.0  # after a failure, leave Redis alone this long instead of paying its timeout per request
T = TypeVar("T")


class Redis:
    """A Redis client that reports failures instead of raising them, and backs off while Redis is away."""

    def __init__(self, url: str | None) -> None:
        self.client = (
            aioredis.from_url(url, socket_connect_timeout=0.3, socket_timeout=0.3, health_check_interval=10)
            if url
            else None
        )
        self._down_until = 0.0

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


def _encode(event: Event) -> str:
    values = {f.name: getattr(event, f.name) for f in fields(Event) if f.name != "messages"}
    return json.dumps(values, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v))


def _decode(raw: str | bytes) -> Event:
    values: dict[str, Any] = json.loads(raw)
    for name in ("starts_at", "ends_at", "created_at"):
        values[name] = datetime.fromisoformat(values[name])
    values["status"] = EventStatus(values["status"])
    return Event(**values)


class CatalogCache:
    """Cached catalog reads, keyed under a generation that every committed change moves on.

    A reader takes the generation before reading the database and files its copy under it; a change bumps
    the generation after its commit. Whatever the interleaving, a copy older than the latest change is
    filed under a generation nobody reads any more, so a read after a change never sees the old value.
    """

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def generation(self) -> int | None:
        raw = await self._redis.run(lambda r: r.get("catalog:generation"))
        return None if self._redis.state != "ok" else int(raw or 0)

    async def get(self, generation: int, key: str) -> str | None:
        raw = await self._redis.run(lambda r: r.get(f"catalog:{generation}:{key}"))
        return raw.decode() if isinstance(raw, bytes) else raw

    async def keep(self, generation: int, key: str, value: str) -> None:
        await self._redis.run(lambda r: r.set(f"catalog:{generation}:{key}", value, ex=ENTRY_TTL_S))

    async def forget(self, event_ids: set[str]) -> None:
        """Called after a commit that changed these events: every cached copy is now out of date."""
        await self._redis.run(lambda r: r.incr("catalog:generation"))


class CachedCatalog:
    """The catalog service with its public reads served from Redis when it can; writes go straight through.

    Copies are filled from `fill`, a service reading the primary: a replica a few milliseconds behind could
    otherwise file a pre-change copy under the new generation. While Redis is away, reads go to `service`
    (which may browse a replica).
    """

    def __init__(self, service: CatalogService, cache: CatalogCache, *, fill: CatalogService | None = None) -> None:
        self._service = service
        self._cache = cache
        self._fill = fill or service

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)

    async def get_event(self, event_id: str, *, viewer: Principal | None = None) -> Event:
        generation = await self._cache.generation()
        if generation is None:
            return await self._service.get_event(event_id, viewer=viewer)
        if hit := await self._cache.get(generation, f"event:{event_id}"):
            return _decode(hit)
        event = await self._fill.get_event(event_id, viewer=viewer)
        if event.status is not EventStatus.DRAFT:  # drafts are for their owner only
            await self._cache.keep(generation, f"event:{event_id}", _encode(event))
        return event

    async def list_events(self, flt: EventFilter, *, limit: int = 20, cursor: str | None = None) -> Page[Event]:
        generation = await self._cache.generation()
        if generation is None:
            return await self._service.list_events(flt, limit=limit, cursor=cursor)
        key = "list:" + json.dumps([asdict(flt), limit, cursor], default=str, sort_keys=True)
        if hit := await self._cache.get(generation, key):
            data = json.loads(hit)
            return Page([_decode(item) for item in data["items"]], data["next_cursor"])
        page = await self._fill.list_events(flt, limit=limit, cursor=cursor)
        body = json.dumps({"items": [_encode(e) for e in page.items], "next_cursor": page.next_cursor})
        await self._cache.keep(generation, key, body)
        return page
