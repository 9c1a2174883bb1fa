"""Waiting-list entries, and the two statements on events and bookings that offers and the purchase limit need."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, delete, func, or_, select, update

from adapters.db.base import Repository, row_values
from adapters.db.rows import event_from_row
from adapters.db.tables import bookings, events
from adapters.db.ticket_types import move_taken
from adapters.db.waitlist_tables import waitlist_entries
from domain.model import BookingStatus, Event
from domain.waitlist import WaitlistEntry, WaitlistStatus

if TYPE_CHECKING:
    from adapters.db.uow import Link, Touched

_WAITING = WaitlistStatus.WAITING.value


class SqlWaitlistRepository(Repository):
    def __init__(self, conn: Link, touched: Touched) -> None:
        super().__init__(conn)
        self.touched = touched

    async def lock_event(self, event_id: str) -> Event | None:
        query = select(events).where(events.c.id == event_id)
        if self._on_postgres:  # SQLite: BEGIN IMMEDIATE already excludes every other writer
            query = query.with_for_update(read=True)
        row = (await self._conn.execute(query)).mappings().first()
        return event_from_row(row) if row else None

    async def get(self, event_id: str, user_id: str) -> WaitlistEntry | None:
        return await self._one(self._of(event_id, user_id))

    async def get_for_update(self, event_id: str, user_id: str) -> WaitlistEntry | None:
        query = self._of(event_id, user_id)
        return await self._one(query.with_for_update() if self._on_postgres else query)

    async def add(self, entry: WaitlistEntry) -> bool:
        statement = (
            self._insert(waitlist_entries)
            .values(**row_values(entry))
            .on_conflict_do_nothing(index_elements=["event_id", "user_id"])
            .returning(waitlist_entries.c.id)
        )
        return (await self._conn.execute(statement)).first() is not None

    async def save(self, entry: WaitlistEntry) -> None:
        await self._upsert(waitlist_entries, row_values(entry))
        await self._write_messages(entry)

    async def remove(self, entry_id: str) -> None:
        await self._conn.execute(delete(waitlist_entries).where(waitlist_entries.c.id == entry_id))

    async def waiting_for_update(self, event_id: str, *, max_quantity: int, limit: int) -> list[WaitlistEntry]:
        query = (
            select(waitlist_entries)
            .where(
                waitlist_entries.c.event_id == event_id,
                waitlist_entries.c.status == _WAITING,
                waitlist_entries.c.quantity <= max_quantity,
            )
            .order_by(waitlist_entries.c.joined_at, waitlist_entries.c.id)
            .limit(limit)
        )
        # Rows a leaving user is deleting are waited for, then skipped: an offer never goes to someone gone.
        rows = await self._conn.execute(query.with_for_update() if self._on_postgres else query)
        return [_entry(row) for row in rows.mappings()]

    async def position(self, entry: WaitlistEntry) -> int:
        c = waitlist_entries.c
        before = or_(c.joined_at < entry.joined_at, and_(c.joined_at == entry.joined_at, c.id < entry.id))
        query = select(func.count()).where(c.event_id == entry.event_id, c.status == _WAITING, before)
        return int(await self._conn.scalar(query)) + 1

    async def seats_owned(self, event_id: str, user_ids: Sequence[str], now: datetime) -> dict[str, int]:
        live = or_(
            bookings.c.status == BookingStatus.CONFIRMED.value,
            and_(bookings.c.status == BookingStatus.PENDING.value, bookings.c.expires_at > now),
        )
        query = (
            select(bookings.c.user_id, func.sum(bookings.c.quantity))
            .where(bookings.c.event_id == event_id, bookings.c.user_id.in_(list(user_ids)), live)
            .group_by(bookings.c.user_id)
        )
        return {str(user): int(seats) for user, seats in await self._conn.execute(query)}

    async def take_seats(self, event_id: str, quantity: int, by_type: dict[str, int]) -> None:
        self.touched.events.add(event_id)
        # The caller holds the event's row lock and decided on the seats it read; the CHECKs still refuse below 0
        # and above a type's quota.
        await self._conn.execute(
            update(events)
            .where(events.c.id == event_id)
            .values(seats_available=events.c.seats_available - quantity, version=events.c.version + 1)
        )
        await move_taken(self._conn, by_type)

    @staticmethod
    def _of(event_id: str, user_id: str) -> Select[Any]:
        return select(waitlist_entries).where(
            waitlist_entries.c.event_id == event_id, waitlist_entries.c.user_id == user_id
        )

    async def _one(self, query: Select[Any]) -> WaitlistEntry | None:
        row = (await self._conn.execute(query)).mappings().first()
        return _entry(row) if row else None


def _entry(row: Any) -> WaitlistEntry:
    values = {c.name: row[c.name] for c in waitlist_entries.c}
    values["status"] = WaitlistStatus(values["status"])
    return WaitlistEntry(**values)
