"""Tickets: one per seat of a confirmed booking, carrying the code its QR code shows; who may scan an event's tickets;
and the ports they are kept through.

A ticket is issued in the transaction that confirms its booking (on the payment's path, in the confirming statement
itself: adapters/db/charges.py), voided in the one that cancels its booking or its event, and checked in by one
conditional update (`... WHERE status = 'valid'`), so two gates scanning one code at once cannot both admit it.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain import errors
from domain.accounts import Principal, User
from domain.model import Booking, EventStatus
from domain.pricing import TicketType
from domain.ticket_codes import MIN_KEY_BYTES, TicketCodes


class TicketStatus(enum.StrEnum):
    VALID = "valid"
    CHECKED_IN = "checked_in"
    VOID = "void"  # its booking or its event was cancelled


@dataclass(frozen=True)
class Ticket:
    id: str
    booking_id: str
    event_id: str
    ticket_type_id: str
    type_name: str  # as the type was named when the ticket was issued
    attendee_name: str
    attendee_email: str | None
    code: str
    status: TicketStatus
    created_at: datetime
    checked_in_at: datetime | None = None
    checked_in_by: str | None = None  # the account that scanned it
    voided_at: datetime | None = None
    seat: int | None = None  # its place in the booking's line order (migration 0010); None: issued before


@dataclass(frozen=True)
class NewTicket:
    """A seat's ticket to issue: its id and code, its type and who sits on it. A booking made before ticket types
    names no type (None: the event's first), and a seat nobody was named for is the buyer's (None: the buyer's name
    and e-mail); the statement that writes the tickets reads those itself, so confirming costs no round trip more."""

    id: str
    booking_id: str
    code: str
    ticket_type_id: str | None = None
    type_name: str | None = None
    attendee_name: str | None = None
    attendee_email: str | None = None
    seat: int = 0


def new_tickets(codes: TicketCodes, booking: Booking) -> tuple[NewTicket, ...]:
    """One new ticket per seat of the booking, in line order, seat i for attendee i."""
    kinds: list[tuple[str | None, str | None]] = [
        (line.ticket_type_id, line.name) for line in booking.lines for _ in range(line.quantity)
    ] or [(None, None)] * booking.quantity
    named = list(booking.attendees)[: len(kinds)]
    who = [(a.name, a.email if a.name else None) for a in named] + [(None, None)] * (len(kinds) - len(named))
    return tuple(
        NewTicket(ticket_id, booking.id, code, type_id, type_name, name, email, seat)
        for seat, ((ticket_id, code), (type_id, type_name), (name, email)) in enumerate(
            zip((codes.issue() for _ in kinds), kinds, who, strict=True)
        )
    )


def process_codes() -> TicketCodes:
    """Codes under a random key of this process alone: what a service is given when nobody names the platform's key
    (tests). The composition root always passes `adapters.security.ticket_codes(settings)`, which every process
    derives alike from the platform's secret."""
    return TicketCodes(secrets.token_bytes(MIN_KEY_BYTES))


@dataclass(frozen=True)
class TicketAccess:
    """A ticket with who may see it: its buyer, and its event's organizer."""

    ticket: Ticket
    buyer_id: str
    organizer_id: str


@dataclass(frozen=True)
class EventAccess:
    """An event as its door sees a caller: whose event it is, whether it is a draft, whether the caller is its staff."""

    organizer_id: str
    status: EventStatus
    staff: bool  # the caller is named check-in staff of this event

    def ensure_door(self, principal: Principal) -> None:
        """The organizer, an admin, or the event's named staff may scan its tickets and see its counts."""
        if not (self.staff or principal.owns_or_admin(self.organizer_id)):
            raise errors.Forbidden("Only the event's organizer and its check-in staff may do this.")

    def ensure_organizer(self, principal: Principal) -> None:
        """Naming staff and the attendee and order lists are the organizer's (or an admin's), not the staff's."""
        if not principal.owns_or_admin(self.organizer_id):
            raise errors.Forbidden("Only the event's organizer may do this.")


def seen_by(found: EventAccess | None, principal: Principal) -> EventAccess:
    """The event, unless the caller may not know of it (none such, or a draft of someone else's): NotFound. A
    published event is public, so a caller who may merely not act on it hears `forbidden` from `ensure_*`."""
    hidden = found is not None and found.status is EventStatus.DRAFT
    if found is None or (hidden and not (found.staff or principal.owns_or_admin(found.organizer_id))):
        raise errors.NotFound("No such event.")
    return found


@dataclass(frozen=True)
class StaffMember:
    """An account the organizer named to check in the tickets of one event (and only that one)."""

    event_id: str
    user_id: str
    email: str  # the account's, as it was named (not stored: the account has it)
    added_by: str
    created_at: datetime


@dataclass(frozen=True)
class TypeCount:
    """Tickets of one type that are not void, and how many of them are checked in."""

    ticket_type_id: str
    total: int
    checked_in: int


@dataclass(frozen=True)
class CheckInStats:
    by_type: tuple[TypeCount, ...]

    @property
    def total(self) -> int:
        return sum(c.total for c in self.by_type)

    @property
    def checked_in(self) -> int:
        return sum(c.checked_in for c in self.by_type)


class TicketTypeRepository(Protocol):
    """An event's ticket types. The event's own repository writes them with the event (`EventRepository.add`); a
    change to one must move the event's version too, as cached events carry their types (adapters/local_catalog.py)."""

    async def for_events(self, event_ids: Sequence[str]) -> dict[str, list[TicketType]]:
        """Each event's types in position order, read in one query for all the events."""
        ...

    async def add(self, event_id: str, ticket_type: TicketType, created_at: datetime) -> None:
        """Write a new type of an existing event, after its other types (the next position). The caller holds the
        event's row lock, so two types added at once cannot take the same position."""
        ...

    async def save(self, event_id: str, ticket_type: TicketType) -> None:
        """Write an existing type's name, price, quota, sales window and per-order maximum (never `taken`: the
        statements that take and give back seats keep it)."""
        ...


class TicketRepository(Protocol):
    """Tickets, the staff who scan them, and the organizer's lists of an event (its tickets, its orders)."""

    async def issue(self, tickets: Sequence[NewTicket], now: datetime) -> None:
        """Write the tickets, in one statement for all of them: each of its booking's event's first type, in the
        name and e-mail of the booking's buyer (see `NewTicket`)."""
        ...

    async def for_booking(self, booking_id: str) -> list[Ticket]:
        """The booking's tickets, in a stable order: by the time they were issued, then by id."""
        ...

    async def for_event(self, event_id: str) -> list[Ticket]:
        """Every ticket of the event, void ones too, by the time they were issued, then booking and id."""
        ...

    async def get(self, ticket_id: str) -> TicketAccess | None: ...
    async def check_in(self, ticket_id: str, event_id: str, by: str, now: datetime) -> Ticket | None:
        """In one atomic step: the ticket, if it is of this event and valid, becomes checked in; it is returned so.
        None, with nothing written, for any other ticket (or none)."""
        ...

    async def void_for_booking(self, booking_id: str, now: datetime) -> None: ...
    async def void_for_event(self, event_id: str, now: datetime) -> None: ...
    async def access(self, event_id: str, user_id: str) -> EventAccess | None:
        """The event's organizer and status, and whether the user is its staff: in one read."""
        ...

    async def add_staff(self, member: StaffMember) -> bool:
        """Name the account staff of the event unless it is already; whether it was added."""
        ...

    async def counts(self, event_id: str) -> list[TypeCount]:
        """Per type of the event, in position order (types with no ticket too): tickets not void, and checked in."""
        ...

    async def orders(self, event_id: str) -> list[tuple[Booking, User]]:
        """Every booking of the event with its buyer, oldest first."""
        ...
