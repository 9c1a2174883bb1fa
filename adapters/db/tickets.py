"""Tickets, check-in staff and the organizer's lists of an event. Check-in is one conditional UPDATE ... RETURNING:
of two transactions scanning one ticket at once, the second waits for the first's row lock, then finds the row no
longer `valid` and changes nothing (PostgreSQL re-checks the WHERE against the committed row; SQLite has one writer
at a time). The payment's path writes tickets in its confirming statement (adapters/db/charges.py); the other
confirmations (the reconciler's, SQLite's) with `ISSUE` here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, select, update

from adapters.db.base import Repository, statement
from adapters.db.rows import USER_PREFIX, booking_from_row, user_from_row, with_payment
from adapters.db.tables import UtcDateTime, bookings, events, users
from adapters.db.ticket_tables import event_staff, ticket_types, tickets
from adapters.db.ticket_types import ORDER
from domain.accounts import User
from domain.model import Booking, EventStatus
from domain.tickets import EventAccess, NewTicket, StaffMember, Ticket, TicketAccess, TicketStatus, TypeCount

# The first type of the booking's event (`b`): what every seat of a booking of `{event_id, quantity}` is.
FIRST_TYPE = """SELECT f.id FROM ticket_types f WHERE f.event_id = {event} ORDER BY f.position, f.created_at, f.id
                LIMIT 1"""
TICKET_COLUMNS = (
    "id, booking_id, event_id, ticket_type_id, type_name, attendee_name, attendee_email, code, status, created_at, seat"
)
# One row per ticket, run as one executemany: each seat of its type (None: the event's first) in its attendee's name
# (None: the buyer's name and e-mail), as domain/tickets.py NewTicket says.
# Every event has a type (migration 0009, EventRepository.add); were one missing, the booking would be confirmed
# without tickets rather than left unconfirmed after its payment.
ISSUE = statement(
    """
    INSERT INTO tickets ({columns})
    SELECT CAST(:id AS VARCHAR(36)), b.id, b.event_id, tt.id, coalesce(CAST(:type_name AS VARCHAR(200)), tt.name),
           coalesce(CAST(:attendee_name AS VARCHAR(200)), u.name),
           CASE WHEN CAST(:attendee_name AS VARCHAR(200)) IS NULL THEN u.email
                ELSE CAST(:attendee_email AS VARCHAR(254)) END,
           CAST(:code AS VARCHAR(64)), 'valid', :created_at, CAST(:seat AS INTEGER)
      FROM bookings b JOIN users u ON u.id = b.user_id
      JOIN ticket_types tt ON tt.id = coalesce(CAST(:type_id AS VARCHAR(36)), ({first_type}))
     WHERE b.id = CAST(:booking_id AS VARCHAR(36))
    """,
    columns=TICKET_COLUMNS,
    first_type=FIRST_TYPE.replace("{event}", "b.event_id"),
).bindparams(bindparam("created_at", type_=UtcDateTime()))
_VOID = TicketStatus.VOID.value
_IN = TicketStatus.CHECKED_IN.value


def issue_rows(new: Sequence[NewTicket], now: datetime) -> list[dict[str, Any]]:
    return [
        {"id": t.id, "booking_id": t.booking_id, "code": t.code, "created_at": now, "type_id": t.ticket_type_id}
        | {"type_name": t.type_name, "attendee_name": t.attendee_name, "attendee_email": t.attendee_email}
        | {"seat": t.seat}
        for t in new
    ]


def ticket_from_row(row: Any) -> Ticket:
    values = {c.name: row[c.name] for c in tickets.c}
    values["status"] = TicketStatus(values["status"])
    return Ticket(**values)


class SqlTicketRepository(Repository):
    async def issue(self, new: Sequence[NewTicket], now: datetime) -> None:
        if new:
            await self._conn.execute(ISSUE, issue_rows(new, now))

    async def for_booking(self, booking_id: str) -> list[Ticket]:
        return await self._all(select(tickets).where(tickets.c.booking_id == booking_id))

    async def for_event(self, event_id: str) -> list[Ticket]:
        return await self._all(select(tickets).where(tickets.c.event_id == event_id))

    async def get(self, ticket_id: str) -> TicketAccess | None:
        query = (
            select(tickets, bookings.c.user_id.label("buyer_id"), events.c.organizer_id)
            .join(bookings, bookings.c.id == tickets.c.booking_id)
            .join(events, events.c.id == tickets.c.event_id)
            .where(tickets.c.id == ticket_id)
        )
        row = (await self._conn.execute(query)).mappings().first()
        return None if row is None else TicketAccess(ticket_from_row(row), row["buyer_id"], row["organizer_id"])

    async def check_in(self, ticket_id: str, event_id: str, by: str, now: datetime) -> Ticket | None:
        t = tickets.c
        admitted = (
            update(tickets)
            .where(t.id == ticket_id, t.event_id == event_id, t.status == TicketStatus.VALID.value)
            .values(status=_IN, checked_in_at=now, checked_in_by=by)
            .returning(*tickets.c)
        )
        row = (await self._conn.execute(admitted)).mappings().first()
        return None if row is None else ticket_from_row(row)

    async def void_for_booking(self, booking_id: str, now: datetime) -> None:
        await self._void(tickets.c.booking_id == booking_id, now)

    async def void_for_event(self, event_id: str, now: datetime) -> None:
        await self._void(tickets.c.event_id == event_id, now)

    async def access(self, event_id: str, user_id: str) -> EventAccess | None:
        staff = exists().where(event_staff.c.event_id == events.c.id, event_staff.c.user_id == user_id)
        query = select(events.c.organizer_id, events.c.status, staff.label("staff")).where(events.c.id == event_id)
        row = (await self._conn.execute(query)).first()
        return None if row is None else EventAccess(row.organizer_id, EventStatus(row.status), bool(row.staff))

    async def add_staff(self, member: StaffMember) -> bool:
        values = {"event_id": member.event_id, "user_id": member.user_id, "added_by": member.added_by}
        added = (
            self._insert(event_staff)
            .values(**values, created_at=member.created_at)
            .on_conflict_do_nothing(index_elements=["event_id", "user_id"])
            .returning(event_staff.c.user_id)
        )
        return (await self._conn.execute(added)).first() is not None

    async def counts(self, event_id: str) -> list[TypeCount]:
        tt, t = ticket_types.c, tickets.c
        counted = and_(t.ticket_type_id == tt.id, t.status != _VOID)  # void tickets count nowhere
        query = (
            select(tt.id, func.count(t.id), func.count(case((t.status == _IN, 1))))
            .select_from(ticket_types.outerjoin(tickets, counted))
            .where(tt.event_id == event_id)
            .group_by(*ORDER)
            .order_by(*ORDER)
        )
        return [TypeCount(type_id, int(total), int(done)) for type_id, total, done in await self._conn.execute(query)]

    async def orders(self, event_id: str) -> list[tuple[Booking, User]]:
        buyer = [c.label(USER_PREFIX + c.name) for c in users.c]
        query = (
            with_payment()
            .add_columns(*buyer)
            .join(users, users.c.id == bookings.c.user_id)
            .where(bookings.c.event_id == event_id)
            .order_by(bookings.c.created_at, bookings.c.id)
        )
        rows = (await self._conn.execute(query)).mappings()
        return [(booking_from_row(row), user_from_row(row, USER_PREFIX)) for row in rows]

    async def _void(self, which: Any, now: datetime) -> None:
        voided = update(tickets).where(which, tickets.c.status != _VOID).values(status=_VOID, voided_at=now)
        await self._conn.execute(voided)

    async def _all(self, query: Any) -> list[Ticket]:
        # Issue order, then seat order (tickets issued before seats were kept: by id, stable but not seat order).
        ordered = query.order_by(tickets.c.created_at, tickets.c.booking_id, tickets.c.seat, tickets.c.id)
        return [ticket_from_row(row) for row in (await self._conn.execute(ordered)).mappings()]
