"""What buyers and organizers read of tickets: a booking's tickets (to show, print or scan), one ticket's code for its
QR code, and the organizer's attendee and order lists (domain/exports.py writes them as CSV)."""

from __future__ import annotations

from dataclasses import dataclass

from domain import errors
from domain.accounts import Principal, User
from domain.exports import AttendeeRow, OrderRow, attendees_csv, orders_csv
from domain.model import Booking, Event
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.pricing import GENERAL_ADMISSION, Line, TicketType
from domain.tickets import Ticket, TicketStatus, seen_by


@dataclass(frozen=True)
class BookingTickets:
    """A confirmed booking's tickets, with what a printed ticket shows of its event."""

    booking: Booking
    event: Event
    tickets: list[Ticket]

    def printable(self) -> list[Ticket]:
        """The tickets worth printing: all but the void ones (TicketVoid when every one is)."""
        if not self.tickets:  # confirmed before tickets were issued at all
            raise errors.NotFound("This booking has no tickets.")
        kept = [t for t in self.tickets if t.status is not TicketStatus.VOID]
        if not kept:
            raise errors.TicketVoid("This booking's tickets are void: it was cancelled.")
        return kept


class TicketService:
    def __init__(self, *, uow: UnitOfWorkFactory, read_uow: UnitOfWorkFactory | None = None) -> None:
        self._uow = uow
        self._read_uow = read_uow or uow  # a buyer's tickets may be read from a replica, fenced by their payment

    async def of_booking(self, principal: Principal, *, booking_id: str) -> BookingTickets:
        """The owner's tickets of their booking (void ones too, once it is cancelled); 409 before it was confirmed."""
        async with self._read_uow(autocommit=True) as uow:
            found = await uow.bookings.with_buyer_and_event(booking_id)
            if found is None or found[0].user_id != principal.user_id:
                raise errors.NotFound("No such booking.")  # another user's booking is not revealed
            booking, _, event = found
            if booking.confirmed_at is None:
                raise errors.BookingNotConfirmed(
                    "Tickets are issued when the booking is confirmed.", status=booking.status.value
                )
            tickets = await uow.tickets.for_booking(booking_id)
        return BookingTickets(booking, event, tickets)

    async def ticket(self, principal: Principal, *, ticket_id: str) -> Ticket:
        """One ticket, for its buyer or its event's organizer (an admin too); NotFound for anyone else."""
        async with self._read_uow(autocommit=True) as uow:
            found = await uow.tickets.get(ticket_id)
        if found is None or not (principal.user_id == found.buyer_id or principal.owns_or_admin(found.organizer_id)):
            raise errors.NotFound("No such ticket.")
        return found.ticket

    async def attendees_csv(self, principal: Principal, *, event_id: str) -> str:
        """One row per ticket of the event (void ones too: the status says so), for its organizer."""
        async with self._uow(autocommit=True) as uow:  # the organizer's views are read on the primary
            await _organizer(uow, principal, event_id)
            tickets = await uow.tickets.for_event(event_id)
        return attendees_csv(_attendee(t) for t in tickets)

    async def orders_csv(self, principal: Principal, *, event_id: str) -> str:
        """One row per booking of the event, whatever became of it, for its organizer."""
        async with self._uow(autocommit=True) as uow:
            await _organizer(uow, principal, event_id)
            orders = await uow.tickets.orders(event_id)
            types = (await uow.ticket_types.for_events([event_id])).get(event_id, [])
        first = types[0] if types else TicketType("", GENERAL_ADMISSION, 0, 0)
        return orders_csv(_order(booking, buyer, first) for booking, buyer in orders)


def _attendee(t: Ticket) -> AttendeeRow:
    return AttendeeRow(
        t.booking_id, t.id, t.ticket_type_id, t.type_name, t.attendee_name, t.attendee_email, t.status.value,
        t.checked_in_at,
    )  # fmt: skip


def _order(b: Booking, buyer: User, first: TicketType) -> OrderRow:
    # A booking made before ticket types is so many seats of the event's first type, at the price of its hold.
    lines = b.lines or [Line(first.id, first.name, b.quantity, b.amount_cents // b.quantity)]
    return OrderRow(
        b.id, buyer.name, buyer.email, lines, b.promo_code, b.discount_cents, b.amount_cents, b.currency,
        b.status.value, b.created_at, b.confirmed_at, b.cancelled_at,
    )  # fmt: skip


async def _organizer(uow: UnitOfWork, principal: Principal, event_id: str) -> None:
    seen_by(await uow.tickets.access(event_id, principal.user_id), principal).ensure_organizer(principal)
