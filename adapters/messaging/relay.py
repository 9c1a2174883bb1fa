"""The outbox relay: publishes committed messages, then marks them sent. Safe with several relays running.

On PostgreSQL a batch is claimed with FOR UPDATE SKIP LOCKED and marked in the same transaction, after the
transport confirmed it: two relays never publish the same batch, and a crash before the mark only means
the batch is published again (consumers skip what their inbox already holds). SQLite has no row locks and
the in-process consumers write to the same file, so there the batch is read, delivered, then marked.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.db.engine import READ_ONLY
from adapters.db.tables import outbox
from domain.messages import Message

log = logging.getLogger(__name__)

Handler = Callable[[Message], Awaitable[Any]]


class Transport(Protocol):
    async def publish(self, messages: Sequence[Message]) -> Sequence[Message]:
        """Deliver the messages; return those that may be marked sent. Raise when nothing could be."""
        ...


class OutboxRelay:
    def __init__(self, engine: AsyncEngine, transport: Transport, *, batch: int = 200) -> None:
        self._engine = engine
        self._transport = transport
        self._batch = batch

    async def relay_once(self) -> int:
        """Publish one batch; the number of messages marked sent."""
        if self._engine.dialect.name == "postgresql":
            async with self._engine.begin() as conn:
                pending = await self._pending(conn, lock=True)
                sent = await self._transport.publish(pending) if pending else []
                await self._mark(conn, sent)
            return len(sent)
        async with self._engine.connect() as conn:
            await conn.execution_options(**{READ_ONLY: True})
            async with conn.begin():
                pending = await self._pending(conn, lock=False)
        sent = await self._transport.publish(pending) if pending else []
        async with self._engine.begin() as conn:
            await self._mark(conn, sent)
        return len(sent)

    async def backlog(self) -> int:
        async with self._engine.connect() as conn:
            count = await conn.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None)))
        return int(count or 0)

    async def _pending(self, conn: AsyncConnection, *, lock: bool) -> list[Message]:
        query = (
            select(outbox.c.id, outbox.c.topic, outbox.c.payload)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.created_at, outbox.c.id)
            .limit(self._batch)
        )
        if lock:
            query = query.with_for_update(skip_locked=True)
        return [Message(row.topic, row.payload, row.id) for row in await conn.execute(query)]

    @staticmethod
    async def _mark(conn: AsyncConnection, sent: Sequence[Message]) -> None:
        if sent:
            ids = [m.id for m in sent]
            await conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(published_at=datetime.now(UTC)))


class InProcessTransport:
    """No broker: hand each message straight to the consumers. A message whose handler keeps failing is
    given up (logged as dead) after `max_attempts`, like the broker's dead-letter queue would."""

    def __init__(self, handlers: Sequence[Handler], *, max_attempts: int = 5) -> None:
        self._handlers = list(handlers)
        self._max_attempts = max_attempts
        self._failures: dict[str, int] = {}

    async def publish(self, messages: Sequence[Message]) -> Sequence[Message]:
        done = []
        for message in messages:
            try:
                for handler in self._handlers:
                    await handler(message)
            except Exception:  # one bad message must not stop the others
                failures = self._failures[message.id] = self._failures.get(message.id, 0) + 1
                if failures < self._max_attempts:
                    log.warning("message %s (%s) failed %d time(s); will retry", message.id, message.topic, failures)
                    continue
                log.exception("message %s (%s) is dead after %d attempts", message.id, message.topic, failures)
            self._failures.pop(message.id, None)
            done.append(message)
        return done
