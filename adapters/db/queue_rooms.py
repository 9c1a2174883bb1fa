"""The events the admission loop looks after: published waiting-room events that have not ended. One small query
a tick (an index would not pay: a shop has few such events at once, and the table's hot rows are in memory)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db.tables import events
from domain.model import EventStatus
from domain.waiting_room import Room


class DatabaseRooms:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def rooms_on_sale(self, now: datetime) -> list[Room]:
        query = select(events.c.id, events.c.sale_starts_at, events.c.seats_available).where(
            events.c.waiting_room.is_(True),
            events.c.status == EventStatus.PUBLISHED.value,
            events.c.ends_at > now,
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [Room(row.id, row.sale_starts_at, closed=row.seats_available == 0) for row in rows]
