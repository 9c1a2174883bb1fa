"""Events, and the seat counter that must never oversell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, insert, or_, select, update

from adapters.db.base import Repository, after_asc, after_desc, row_values
from adapters.db.rows import event_from_row
from adapters.db.tables import catalog_versions, events
from adapters.db.ticket_tables import promo_codes, ticket_types
from adapters.db.ticket_types import ORDER, move_taken, type_rows
from domain.model import Booking, Event, EventStatus
from domain.pagination import Position
from domain.ports import EventFilter
from domain.ticket_types import for_new_event

_NOT_COLUMNS = ("ticket_types",)  # rows of their own table

if TYPE_CHECKING:
    from adapters.db.uow import Link, Touched


class SqlEventRepository(Repository):
    """Events. Every change to an event or its seats is noted in `touched`, for caches to drop after commit."""

    def __init__(self, conn: Link, touched: Touched) -> None:
        super().__init__(conn)
        self.touched = touched

    async def add(self, event: Event) -> None:
        """Write the event with its ticket types (left on `event.ticket_types`)."""
        self.touched.events.add(event.id)
        self.touched.listings = True
        await self._conn.execute(insert(events).values(**row_values(event, exclude=_NOT_COLUMNS)))
        # Its ticket types in the same transaction: General admission for an event made without any.
        event.ticket_types = for_new_event(event)
        await self._conn.execute(insert(ticket_types), type_rows(event.id, event.ticket_types, event.created_at))
        await self._move_listings()
        await self._write_messages(event)

    async def get(self, event_id: str) -> Event | None:
        return await self._one(select(events).where(events.c.id == event_id))

    async def get_many(self, event_ids: Sequence[str]) -> list[Event]:
        return await self._all(select(events).where(events.c.id.in_(list(event_ids))))

    async def get_for_update(self, event_id: str) -> Event | None:
        query = select(events).where(events.c.id == event_id)
        if self._on_postgres:
            # On SQLite every writing transaction begins IMMEDIATE and so already excludes other writers.
            query = query.with_for_update()
        return await self._one(query)

    async def save(self, event: Event) -> None:
        self.touched.events.add(event.id)
        self.touched.listings = True
        values = row_values(event, exclude=_NOT_COLUMNS)
        del values["id"]
        moved = update(events).where(events.c.id == event.id).values(**values, version=events.c.version + 1)
        await self._conn.execute(moved)
        await self._move_listings()
        await self._write_messages(event)

    async def _move_listings(self) -> None:
        """What a list shows may differ now (adapters/catalog_versions.py checks cached lists against this)."""
        await self._conn.execute(
            update(catalog_versions).where(catalog_versions.c.id == 1).values(listings=catalog_versions.c.listings + 1)
        )

    async def list_published(self, flt: EventFilter, after: Position | None, limit: int) -> list[Event]:
        query = select(events).where(events.c.status == EventStatus.PUBLISHED.value)
        if flt.q:
            needle = flt.q.strip().lower()
            query = query.where(
                or_(
                    *(
                        func.lower(column).contains(needle, autoescape=True)
                        for column in (events.c.title, events.c.description, events.c.venue, events.c.category)
                    )
                )
            )
        if flt.category:
            query = query.where(func.lower(events.c.category) == flt.category.strip().lower())
        if flt.venue:
            query = query.where(func.lower(events.c.venue) == flt.venue.strip().lower())
        if flt.starts_after is not None:
            query = query.where(events.c.starts_at >= flt.starts_after)
        if flt.starts_before is not None:
            query = query.where(events.c.starts_at <= flt.starts_before)
        if after is not None:
            query = query.where(after_asc(events.c.starts_at, events.c.id, after))
        return await self._all(query.order_by(events.c.starts_at.asc(), events.c.id.asc()).limit(limit))

    async def list_by_organizer(self, organizer_id: str | None, after: Position | None, limit: int) -> list[Event]:
        query = select(events)
        if organizer_id is not None:
            query = query.where(events.c.organizer_id == organizer_id)
        if after is not None:
            query = query.where(after_desc(events.c.created_at, events.c.id, after))
        return await self._all(query.order_by(events.c.created_at.desc(), events.c.id.desc()).limit(limit))

    async def release(self, booking: Booking) -> None:
        self.touched.events.add(booking.event_id)
        # Never above capacity or below 0 taken: the CHECK constraints turn a double release into an error, not
        # free seats. The event's row first, then its types' and the code's: the lock order of every writer.
        await self._conn.execute(
            update(events)
            .where(events.c.id == booking.event_id)
            .values(seats_available=events.c.seats_available + booking.quantity, version=events.c.version + 1)
        )
        by_type = booking.seats_by_type()
        if by_type is None:  # made before ticket types: seats of the event's first type
            t = ticket_types.c
            first = select(t.id).where(t.event_id == booking.event_id).order_by(*ORDER).limit(1).scalar_subquery()
            await self._conn.execute(update(ticket_types).where(t.id == first).values(taken=t.taken - booking.quantity))
        else:
            await move_taken(self._conn, {type_id: -seats for type_id, seats in by_type.items()})
        if booking.promo_code_id is not None:
            used = promo_codes.c
            back = update(promo_codes).where(used.id == booking.promo_code_id, used.uses > 0)
            await self._conn.execute(back.values(uses=used.uses - 1))

    async def _one(self, query: Select[Any]) -> Event | None:
        row = (await self._conn.execute(query)).mappings().first()
        return event_from_row(row) if row else None

    async def _all(self, query: Select[Any]) -> list[Event]:
        return [event_from_row(row) for row in (await self._conn.execute(query)).mappings()]
