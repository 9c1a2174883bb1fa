"""Ticket types: read for many events in one query, written with their event (adapters/db/events.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, insert, select, update

from adapters.db.base import Repository
from adapters.db.tables import events
from adapters.db.ticket_tables import ticket_types
from domain.pricing import TicketType

if TYPE_CHECKING:
    from adapters.db.uow import Link, Touched

# The order every reader shares: `position`, then the older first, then the id (two types added at one instant).
ORDER = (ticket_types.c.position, ticket_types.c.created_at, ticket_types.c.id)
_EDITABLE = ("name", "price_cents", "quota", "sales_start", "sales_end", "max_per_order")


def type_rows(event_id: str, types: Sequence[TicketType], created_at: datetime) -> list[dict[str, Any]]:
    """The rows of an event's types, in their order."""
    return [
        {"id": t.id, "event_id": event_id, "position": i, "created_at": created_at, "taken": t.taken}
        | {name: getattr(t, name) for name in _EDITABLE}
        for i, t in enumerate(types)
    ]


def ticket_type_from_row(row: Any) -> TicketType:
    values = {n: row[n] for n in _EDITABLE[3:]}
    return TicketType(row["id"], row["name"], row["price_cents"], row["quota"], row["taken"], **values)


_MOVE_TAKEN = (
    update(ticket_types)
    .where(ticket_types.c.id == bindparam("type_id"))
    .values(taken=ticket_types.c.taken + bindparam("seats"))
)


async def move_taken(conn: Link, seats_by_type: Mapping[str, int]) -> None:
    """Add so many seats to each type's `taken` (negative: give them back), in one executemany; the caller holds the
    event's row lock, and the CHECK refuses a type below 0 or above its quota."""
    if seats_by_type:
        await conn.execute(_MOVE_TAKEN, [{"type_id": k, "seats": n} for k, n in seats_by_type.items()])


class SqlTicketTypeRepository(Repository):
    def __init__(self, conn: Link, touched: Touched) -> None:
        super().__init__(conn)
        self.touched = touched

    async def for_events(self, event_ids: Sequence[str]) -> dict[str, list[TicketType]]:
        found: dict[str, list[TicketType]] = {}
        if not event_ids:
            return found
        query = select(ticket_types).where(ticket_types.c.event_id.in_(list(event_ids))).order_by(*ORDER)
        for row in (await self._conn.execute(query)).mappings():
            found.setdefault(row["event_id"], []).append(ticket_type_from_row(row))
        return found

    async def add(self, event_id: str, ticket_type: TicketType, created_at: datetime) -> None:
        self.touched.events.add(event_id)  # cached copies of the event carry its types
        (row,) = type_rows(event_id, [ticket_type], created_at)
        last = select(func.max(ticket_types.c.position)).where(ticket_types.c.event_id == event_id).scalar_subquery()
        row["position"] = func.coalesce(last + 1, 0)  # after the others, in the INSERT itself: one round trip
        await self._conn.execute(insert(ticket_types).values(**row))
        await self._bump(event_id)

    async def save(self, event_id: str, ticket_type: TicketType) -> None:
        self.touched.events.add(event_id)  # cached copies of the event carry its types
        values = {name: getattr(ticket_type, name) for name in _EDITABLE}
        mine = (ticket_types.c.id == ticket_type.id, ticket_types.c.event_id == event_id)
        await self._conn.execute(update(ticket_types).where(*mine).values(**values))
        await self._bump(event_id)

    async def _bump(self, event_id: str) -> None:
        """Move the event's version on: what a cached copy of it (with its types) is checked against."""
        await self._conn.execute(update(events).where(events.c.id == event_id).values(version=events.c.version + 1))
