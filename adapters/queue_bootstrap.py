"""The waiting room's parts, built from the infrastructure: its store (Redis when configured, else the database),
the room with its pass signer (adapters/security.py), and the queue service with its rooms."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from adapters.background import admit_forever
from adapters.bootstrap import Infrastructure
from adapters.db.queue_rooms import DatabaseRooms
from adapters.db.queue_store import DatabaseQueueStore
from adapters.queue_redis import RedisQueueStore
from adapters.security import pass_signer
from adapters.settings import Settings
from domain.accounts import Principal
from domain.queueing import QueueService
from domain.waiting_room import AdmissionPolicy, QueueEntry, QueueStore, Room, WaitingRoom

QUEUE_REDIS_TIMEOUT_S = 3.0
QUEUE_REDIS_CONNECTIONS = 32  # per replica: polls go in batches (domain/waiting_room.py), joins one call each


def queue_store(infra: Infrastructure) -> QueueStore:
    if infra.settings.redis_url:
        return RedisQueueStore(queue_redis_client(infra.settings.redis_url))
    return DatabaseQueueStore(infra.engine)


def queue_redis_client(url: str) -> aioredis.Redis:
    """The queue's own Redis client, unlike the cache's (adapters/cache.py): a timeout of seconds, since under load
    what is late is this replica's event loop, not Redis, and failing the call would only bring its client back
    sooner (bench-queue: 96,000 polls answered 503 while Redis itself idled); and no retry of a call that timed
    out, since a join or an admission whose reply was late has run, and running it again admits a second batch
    or answers a new buyer "already in". A broken connection (Redis restarted, a pooled connection cut) is
    retried once on a fresh one: the call was not sent, or, when the break came later, the second run is
    harmless (a join is idempotent; an admission admits the next entries in order, within the bound). At most
    QUEUE_REDIS_CONNECTIONS at once, a call waiting for a free one: unbounded, the bursts of a sale opened a new
    connection per concurrent call (bench-queue, 2026-12-03: 900 connections in a few runs, and 700-1,100 polls
    per run answered 503 by the store)."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=QUEUE_REDIS_CONNECTIONS, timeout=QUEUE_REDIS_TIMEOUT_S,
        socket_connect_timeout=1, socket_timeout=QUEUE_REDIS_TIMEOUT_S, health_check_interval=10,
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
    )  # fmt: skip
    return aioredis.Redis(connection_pool=pool)


def admission_policy(settings: Settings) -> AdmissionPolicy:
    return AdmissionPolicy(hold_target_s=settings.queue_hold_target_s, pay_target_s=settings.queue_pay_target_s)


def waiting_room(infra: Infrastructure) -> WaitingRoom:
    s = infra.settings
    return WaitingRoom(
        store=queue_store(infra),
        passes=pass_signer(s),
        clock=infra.ports.clock,
        policy=admission_policy(s),
        pass_ttl=timedelta(seconds=s.queue_pass_ttl_s),
    )


def queue_service(infra: Infrastructure) -> QueueService:
    return QueueService(room=waiting_room(infra), rooms=DatabaseRooms(infra.engine), clock=infra.ports.clock)


class LocalQueue:
    """The Queue's work in this process (the in-process server, the HTTP tests), over the same service the
    deployment runs; its admission loop starts with the first request that needs it."""

    def __init__(self, service: QueueService, tick_s: float = 0.5) -> None:
        self.service = service
        self._tick_s = tick_s
        self._loop: asyncio.Task[None] | None = None

    def _start(self) -> None:
        if self._loop is None or self._loop.done():
            self._loop = asyncio.get_running_loop().create_task(admit_forever(self.service, self._tick_s))

    async def join(self, principal: Principal, room: Room) -> tuple[QueueEntry, bool]:
        self._start()
        return await self.service.join(principal.user_id, room)

    async def status(self, principal: Principal, room: Room) -> QueueEntry:
        self._start()
        return await self.service.status(principal.user_id, room)

    async def leave(self, principal: Principal, event_id: str) -> None:
        await self.service.leave(principal.user_id, event_id)
