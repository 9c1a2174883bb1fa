"""The in-memory ticket-type and ticket repositories: the documented semantics of the ports in domain/tickets.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from domain.accounts import User
from domain.hold_lines import taken_by
from domain.model import Booking, Event
from domain.pricing import PromoCode, TicketType
from domain.tickets import EventAccess, NewTicket, StaffMember, Ticket, TicketAccess, TicketStatus, TypeCount
from tests.fake_repositories import _Repository

if TYPE_CHECKING:
    from tests.fakes import FakeUnitOfWork


@dataclass(frozen=True)
class TypeRow:
    """A stored ticket type, as the table holds it."""

    event_id: str
    position: int
    created_at: datetime
    ticket_type: TicketType


def write_types(uow: FakeUnitOfWork, event: Event) -> None:
    """An event's types, as EventRepository.add writes them with it."""
    for i, ticket_type in enumerate(event.ticket_types):
        uow.write("ticket_types", ticket_type.id, TypeRow(event.id, i, event.created_at, ticket_type))


def types_of(uow: FakeUnitOfWork, event_id: str) -> list[TicketType]:
    rows = [r for r in uow.rows("ticket_types") if r.event_id == event_id]
    return [r.ticket_type for r in sorted(rows, key=lambda r: (r.position, r.created_at, r.ticket_type.id))]


@dataclass(frozen=True)
class PromoRow:
    """A stored promo code, as the table holds it."""

    event_id: str
    promo: PromoCode


def promos_of(uow: FakeUnitOfWork, event_id: str, codes: Sequence[str]) -> dict[str, PromoCode]:
    rows = [r for r in uow.rows("promo_codes") if r.event_id == event_id and r.promo.code in codes]
    return {r.promo.code: r.promo for r in rows}


def move_taken(uow: FakeUnitOfWork, seats_by_type: Mapping[str, int]) -> None:
    """Add so many seats to each type's `taken` (negative: give them back); asserts what the CHECK refuses."""
    for type_id, seats in seats_by_type.items():
        row: TypeRow | None = uow.read("ticket_types", type_id)
        assert row is not None, f"no ticket type {type_id}"
        taken = row.ticket_type.taken + seats
        assert 0 <= taken <= row.ticket_type.quota, f"type {type_id} would have {taken} seats taken"  # the CHECK
        uow.write("ticket_types", type_id, replace(row, ticket_type=replace(row.ticket_type, taken=taken)))


def take_stock(uow: FakeUnitOfWork, event_id: str, holds: Sequence[Booking], now: datetime) -> bool:
    """The holds' seats of each type and uses of each code, all or none (what the hold statement's CTEs do)."""
    types, promos = taken_by(holds)
    rows = {r.ticket_type.id: r for r in uow.rows("ticket_types") if r.event_id == event_id}
    codes = {r.promo.id: r for r in uow.rows("promo_codes") if r.event_id == event_id}
    for type_id, (seats, price) in types.items():
        kind = rows[type_id].ticket_type if type_id in rows else None
        if kind is None or kind.taken + seats > kind.quota or kind.price_cents != price or not kind.on_sale(now):
            return False
    for promo_id, uses in promos.items():
        code = codes[promo_id].promo if promo_id in codes else None
        if code is None or (code.max_uses is not None and code.uses + uses > code.max_uses) or code.expired(now):
            return False
    move_taken(uow, {type_id: seats for type_id, (seats, _) in types.items()})
    for promo_id, uses in promos.items():
        row = codes[promo_id]
        uow.write("promo_codes", promo_id, replace(row, promo=replace(row.promo, uses=row.promo.uses + uses)))
    return True


def give_back(uow: FakeUnitOfWork, booking: Booking) -> None:
    """The booking's seats back to its types (the event's first, without lines), its code's use back to the code."""
    kinds = types_of(uow, booking.event_id)
    by_type = booking.seats_by_type() or ({kinds[0].id: booking.quantity} if kinds else {})
    move_taken(uow, {type_id: -seats for type_id, seats in by_type.items()})
    if booking.promo_code_id is not None:
        code: PromoRow | None = uow.read("promo_codes", booking.promo_code_id)
        if code is not None and code.promo.uses > 0:
            uow.write("promo_codes", code.promo.id, replace(code, promo=code.promo.with_use_given_back()))


def issue(uow: FakeUnitOfWork, new: Sequence[NewTicket], now: datetime) -> None:
    """Each seat of its type (the event's first, without one), in its attendee's name (the buyer's, without one)."""
    for t in new:
        booking: Booking | None = uow.read("bookings", t.booking_id)
        assert booking is not None, "a ticket of no booking"
        buyer: User | None = uow.read("users", booking.user_id)
        kinds = {k.id: k for k in types_of(uow, booking.event_id)}
        kind = kinds.get(t.ticket_type_id) if t.ticket_type_id else next(iter(kinds.values()), None)
        if buyer is None or kind is None:
            continue  # the real statement's joins find nothing to write
        name, email = (t.attendee_name, t.attendee_email) if t.attendee_name else (buyer.name, buyer.email)
        uow.write("tickets", t.id, Ticket(
            t.id, booking.id, booking.event_id, kind.id, t.type_name or kind.name, name, email, t.code,
            TicketStatus.VALID, now, seat=t.seat,
        ))  # fmt: skip


class FakeTicketTypeRepository(_Repository):
    table = "ticket_types"

    async def for_events(self, event_ids: Sequence[str]) -> dict[str, list[TicketType]]:
        await self._tick()
        found = {event_id: types_of(self._uow, event_id) for event_id in event_ids}
        return {event_id: types for event_id, types in found.items() if types}

    async def add(self, event_id: str, ticket_type: TicketType, created_at: datetime) -> None:
        await self._tick()
        positions = [r.position for r in self._uow.rows(self.table) if r.event_id == event_id]
        position = max(positions, default=-1) + 1  # after the others
        self._uow.write(self.table, ticket_type.id, TypeRow(event_id, position, created_at, ticket_type))

    async def save(self, event_id: str, ticket_type: TicketType) -> None:
        await self._tick()
        row: TypeRow | None = self._uow.read(self.table, ticket_type.id)
        if row is not None and row.event_id == event_id:
            self._uow.write(self.table, ticket_type.id, replace(row, ticket_type=ticket_type))


class FakeTicketRepository(_Repository):
    table = "tickets"

    async def issue(self, tickets: Sequence[NewTicket], now: datetime) -> None:
        await self._tick()
        issue(self._uow, tickets, now)

    async def for_booking(self, booking_id: str) -> list[Ticket]:
        await self._tick()
        return self._where(lambda t: t.booking_id == booking_id)

    async def for_event(self, event_id: str) -> list[Ticket]:
        await self._tick()
        return self._where(lambda t: t.event_id == event_id)

    async def get(self, ticket_id: str) -> TicketAccess | None:
        await self._tick()
        ticket: Ticket | None = self._uow.read(self.table, ticket_id)
        if ticket is None:
            return None
        booking: Booking = self._uow.read("bookings", ticket.booking_id)
        event: Event = self._uow.read("events", ticket.event_id)
        return TicketAccess(ticket, booking.user_id, event.organizer_id)

    async def check_in(self, ticket_id: str, event_id: str, by: str, now: datetime) -> Ticket | None:
        await self._tick()
        await self._uow.lock(self.table, ticket_id)  # the UPDATE's row lock, for this statement only
        try:
            ticket: Ticket | None = self._uow.read(self.table, ticket_id)
            if ticket is None or ticket.event_id != event_id or ticket.status is not TicketStatus.VALID:
                return None
            admitted = replace(ticket, status=TicketStatus.CHECKED_IN, checked_in_at=now, checked_in_by=by)
            self._uow.write(self.table, ticket_id, admitted)
            return admitted
        finally:
            self._uow.end_statement()

    async def void_for_booking(self, booking_id: str, now: datetime) -> None:
        await self._tick()
        self._void([t for t in self._uow.rows(self.table) if t.booking_id == booking_id], now)

    async def void_for_event(self, event_id: str, now: datetime) -> None:
        await self._tick()
        self._void([t for t in self._uow.rows(self.table) if t.event_id == event_id], now)

    async def access(self, event_id: str, user_id: str) -> EventAccess | None:
        await self._tick()
        event: Event | None = self._uow.read("events", event_id)
        if event is None:
            return None
        staff = self._uow.read("event_staff", (event_id, user_id)) is not None
        return EventAccess(event.organizer_id, event.status, staff)

    async def add_staff(self, member: StaffMember) -> bool:
        await self._tick()
        if self._uow.read("event_staff", (member.event_id, member.user_id)) is not None:
            return False
        self._uow.write("event_staff", (member.event_id, member.user_id), member)
        return True

    async def counts(self, event_id: str) -> list[TypeCount]:
        await self._tick()
        live = [t for t in self._uow.rows(self.table) if t.event_id == event_id and t.status is not TicketStatus.VOID]
        return [
            TypeCount(
                kind.id,
                sum(1 for t in live if t.ticket_type_id == kind.id),
                sum(1 for t in live if t.ticket_type_id == kind.id and t.status is TicketStatus.CHECKED_IN),
            )
            for kind in types_of(self._uow, event_id)
        ]

    async def orders(self, event_id: str) -> list[tuple[Booking, User]]:
        await self._tick()
        found = sorted(
            (b for b in self._uow.rows("bookings") if b.event_id == event_id), key=lambda b: (b.created_at, b.id)
        )
        return [(b, self._uow.read("users", b.user_id)) for b in found]

    def _where(self, keep: object) -> list[Ticket]:
        assert callable(keep)
        rows = [t for t in self._uow.rows(self.table) if keep(t)]
        return sorted(rows, key=lambda t: (t.created_at, t.booking_id, -1 if t.seat is None else t.seat, t.id))

    def _void(self, found: list[Ticket], now: datetime) -> None:
        for ticket in found:
            if ticket.status is not TicketStatus.VOID:
                self._uow.write(self.table, ticket.id, replace(ticket, status=TicketStatus.VOID, voided_at=now))
