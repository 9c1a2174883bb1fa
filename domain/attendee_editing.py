"""A buyer renaming the seats of their booking (an extension of the contract: `PUT /api/bookings/{id}/attendees`).

The booking keeps what was typed per seat (`Booking.attendees`, no name: the buyer); a confirmed booking's tickets
are renamed with it, in the same transaction, under the booking's row lock taken first (the lock order of every
writer of a booking). A payment names its tickets from the booking as its charge's start found it, so a booking with
a charge in flight is not renamed (409 `payment_in_progress`): the edit lands wholly before the charge starts (the
tickets are issued with the new names) or after it ended (the tickets are renamed here).

Which ticket is which seat: tickets keep their seat (migration 0010). Tickets issued before kept none, so there each
seat is matched to a ticket of its type that carries the seat's current attendee (such tickets are interchangeable:
they read the same), and only the seats left over, by the tickets' stable order (issue time, then id). A ticket
that already names the seat's new attendee is not written again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain import errors
from domain.accounts import Principal, User
from domain.attendees import Attendee, AttendeeInput, edit
from domain.model import Booking, BookingStatus
from domain.ports import Clock, UnitOfWorkFactory
from domain.ticket_ports import TicketRename
from domain.tickets import Ticket, TicketStatus

_RENAMABLE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


def typed_seats(booking: Booking) -> list[AttendeeInput]:
    """What was typed for each seat, one entry per seat: a booking held without attendees is all the buyer's."""
    typed = list(booking.attendees[: booking.quantity])
    return typed + [AttendeeInput()] * (booking.quantity - len(typed))


def edit_typed(
    current: Sequence[AttendeeInput], changes: Sequence[AttendeeInput], *, starts_at: datetime, now: datetime
) -> list[AttendeeInput]:
    """`domain.attendees.edit` on what was typed: an entry with no name keeps the seat as it is (the buyer stays the
    buyer, by no name, so a later change of the buyer's account name still reaches their seats)."""
    standing = [Attendee(a.name or "", a.email) for a in current]
    edited = edit(standing, changes, starts_at=starts_at, now=now)  # the count, the time, every named entry checked
    return [
        before if not (change.name or "").strip() else AttendeeInput(after.name, after.email)
        for before, change, after in zip(current, changes, edited, strict=True)
    ]


def seated(typed: Sequence[AttendeeInput], buyer: User) -> list[Attendee]:
    """Who each seat's ticket names: the buyer (their account's name and e-mail) wherever no name was typed."""
    return [Attendee(a.name, a.email) if a.name else Attendee(buyer.name, buyer.email) for a in typed]


def seat_types(booking: Booking) -> list[str | None]:
    """Each seat's type, in seat order; None for a booking without lines (its event's first type, every seat)."""
    if sum(line.quantity for line in booking.lines) != booking.quantity:  # none: held before ticket types
        return [None] * booking.quantity
    return [line.ticket_type_id for line in booking.lines for _ in range(line.quantity)]


def ticket_renames(
    tickets: Sequence[Ticket], types: Sequence[str | None], before: Sequence[Attendee], after: Sequence[Attendee]
) -> list[TicketRename]:
    """The tickets to rewrite so that each seat's ticket names its attendee `after` (see the module's docstring)."""
    free = [t for t in tickets if t.status is not TicketStatus.VOID]
    chosen: list[Ticket | None] = [None] * len(types)
    if free and all(t.seat is not None for t in free):  # issued with their seats: seat i is ticket i
        by_seat = {t.seat: t for t in free}
        chosen = [by_seat.get(seat) for seat in range(len(types))]
        return [TicketRename(t.id, who) for t, who in zip(chosen, after, strict=True) if t and _names(t) != who]

    def take(seat: int, same_attendee: bool) -> None:
        for ticket in free:
            fits = types[seat] is None or ticket.ticket_type_id == types[seat]
            if fits and (not same_attendee or _names(ticket) == before[seat]):
                chosen[seat] = ticket
                free.remove(ticket)
                return

    for seat in range(len(types)):
        take(seat, same_attendee=True)
    for seat in range(len(types)):
        if chosen[seat] is None:
            take(seat, same_attendee=False)
    return [
        TicketRename(ticket.id, who)
        for ticket, who in zip(chosen, after, strict=True)
        if ticket is not None and _names(ticket) != who
    ]


def _names(ticket: Ticket) -> Attendee:
    return Attendee(ticket.attendee_name, ticket.attendee_email)


def ensure_renamable(booking: Booking, now: datetime) -> None:
    """A hold still running or a confirmed booking: not one that ended, expired or is being cancelled."""
    if booking.cancel_requested_at is not None or booking.status not in _RENAMABLE:
        status = "being cancelled" if booking.cancel_requested_at is not None else booking.status.value
        raise errors.BookingNotPending(
            f"This booking is {status}: its attendees cannot change.", status=booking.status.value
        )
    if booking.charge_key is not None:
        # The payment names the tickets from the booking it read when its charge started: renamed now, they would be
        # issued under the old names. Once the charge ends the booking is confirmed (its tickets renamed here) or not.
        raise errors.PaymentInProgress("A payment for this booking is being processed; rename its seats shortly.")
    if booking.status is BookingStatus.PENDING and booking.expires_at <= now:
        raise errors.HoldExpired()


class AttendeeService:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def edit(self, principal: Principal, *, booking_id: str, attendees: Sequence[AttendeeInput]) -> Booking:
        """Rename the seats of the owner's booking (one entry per seat; no name: keep the seat as it is); a
        confirmed booking's tickets follow. Until the event starts: then 409."""
        now = self._clock.now()
        async with self._uow() as uow:
            booking = await uow.bookings.get_for_update(booking_id)  # the booking's row first
            if booking is None or booking.user_id != principal.user_id:
                raise errors.NotFound("No such booking.")  # another user's booking is not revealed
            ensure_renamable(booking, now)
            event = await uow.events.get(booking.event_id)
            buyer = await uow.users.get(booking.user_id)
            assert event is not None and buyer is not None, "a booking of no event or no buyer"
            current = typed_seats(booking)
            booking.attendees = edit_typed(current, attendees, starts_at=event.starts_at, now=now)
            await uow.bookings.save(booking)
            if booking.status is BookingStatus.CONFIRMED:
                tickets = await uow.tickets.for_booking(booking.id)
                renames = ticket_renames(
                    tickets, seat_types(booking), seated(current, buyer), seated(booking.attendees, buyer)
                )
                await uow.ticket_names.rename(booking.id, renames)
            await uow.commit()
        return booking
