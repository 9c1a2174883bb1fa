"""The platform's background work, shared by the deployments and the in-process server: the settlement loop
(expire holds, settle charges of unknown outcome, purge old keys), the outbox relay, the waiting rooms'
admissions and the gauges read from the tables."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from adapters.db.round_trips import counting_as
from adapters.messaging.relay import OutboxRelay
from domain import idempotency
from domain.queueing import QueueService
from domain.settlement import Settlement
from domain.waiting_room import Admission

log = logging.getLogger("eventbook.background")

PURGE_EVERY = 1800  # settlement rounds between purges of idempotency keys past KEEP_FOR
RELAY_IDLE_S = 0.5
RELAY_BACKOFF_S = 2.0
BACKLOG_EVERY_S = 5.0  # how often the outbox backlog is measured
MEASURE_EVERY_S = 10.0
T = TypeVar("T")


async def settle_forever(
    settlement: Settlement, interval_s: float, expired: Callable[[int], None] = lambda n: None
) -> None:
    """Every replica may run this: each step locks rows with SKIP LOCKED and re-checks their state."""
    with counting_as("settlement"):
        await _settle_rounds(settlement, interval_s, expired)


async def _settle_rounds(settlement: Settlement, interval_s: float, expired: Callable[[int], None]) -> None:
    rounds = 0
    while True:
        try:
            expired(await settlement.reap_expired())
            await settlement.reconcile()
            if rounds % PURGE_EVERY == 0:
                await settlement.purge_idempotency_keys(idempotency.KEEP_FOR)
        except Exception:  # the loop must outlive a database blip; the next round tries again
            log.exception("settlement round failed")
        rounds += 1
        await asyncio.sleep(interval_s)


async def relay_forever(relay: OutboxRelay, backlog: Callable[[int], None] = lambda n: None) -> None:
    with counting_as("relay"):
        await _relay_rounds(relay, backlog)


async def _relay_rounds(relay: OutboxRelay, backlog: Callable[[int], None]) -> None:
    loop = asyncio.get_running_loop()
    measured_at = -BACKLOG_EVERY_S
    while True:
        try:
            if loop.time() - measured_at >= BACKLOG_EVERY_S:
                measured_at = loop.time()
                backlog(await relay.backlog())
            sent = await relay.relay_once()
            await asyncio.sleep(0 if sent else RELAY_IDLE_S)
        except Exception as error:  # broker or database away: the messages wait in the outbox
            log.warning("outbox relay paused: %r", error)
            await asyncio.sleep(RELAY_BACKOFF_S)


async def measure_forever(
    measure: Callable[[], Awaitable[T]], publish: Callable[[T], None], every_s: float = MEASURE_EVERY_S
) -> None:
    """Publish what `measure` finds every `every_s` (a gauge read from the tables); a failed reading is skipped."""
    while True:
        try:
            publish(await measure())
        except Exception as error:  # the database away: the gauge keeps its last value until it is back
            log.warning("measurement skipped: %r", error)
        await asyncio.sleep(every_s)


async def admit_forever(
    service: QueueService, interval_s: float, admitted: Callable[[str, Admission], None] = lambda e, a: None
) -> None:
    """Admission rounds until the task is cancelled; every Queue replica may run this (the store's ticks are atomic)."""
    with counting_as("queue"):
        while True:
            try:
                for room, admission in await service.tick():
                    admitted(room.event_id, admission)
            except Exception:  # the loop must outlive a store blip; the next round tries again
                log.exception("admission round failed")
            await asyncio.sleep(interval_s)
