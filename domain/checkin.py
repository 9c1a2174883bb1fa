"""The door: scanning tickets in, the staff an organizer names to scan them, and the counts of who has come.

A scan is decided in this order, each step cheaper than the next:
1. The code's MAC (domain/ticket_codes.py), with no database read: a forged or mistyped code is `unknown_ticket`
   before it costs a query, so rubbish at the door (or a guesser) never reaches the database.
2. Whether the caller may scan this event's tickets (its organizer, an admin, or its named staff): one read.
3. One conditional UPDATE, `... SET status = 'checked_in' WHERE id = :ticket AND event_id = :event AND status =
   'valid'`: the database decides between two gates scanning one code at the same instant, and exactly one of them
   changes the row. Only when it changed nothing is the ticket read, to say why: void, already checked in (and
   when), or not a ticket of this event (a valid code of another event is as unknown here as a forged one).
"""

from __future__ import annotations

from domain import errors
from domain.accounts import Principal
from domain.ports import Clock, UnitOfWorkFactory
from domain.ticket_codes import TicketCodes
from domain.tickets import CheckInStats, StaffMember, Ticket, TicketAccess, TicketStatus, seen_by


class CheckInService:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, codes: TicketCodes) -> None:
        self._uow = uow
        self._clock = clock
        self._codes = codes

    async def check_in(self, principal: Principal, *, event_id: str, code: str) -> Ticket:
        """Admit the ticket with this code to the event: the ticket checked in, or why not."""
        ticket_id = self._codes.verify(code)
        if ticket_id is None:
            raise errors.UnknownTicket()
        async with self._uow(autocommit=True) as uow:  # each statement atomic by itself
            seen_by(await uow.tickets.access(event_id, principal.user_id), principal).ensure_door(principal)
            admitted = await uow.tickets.check_in(ticket_id, event_id, principal.user_id, self._clock.now())
            await uow.commit()  # nothing more on PostgreSQL; SQLite commits the update here
            if admitted is not None:
                return admitted
            found = await uow.tickets.get(ticket_id)
        raise _why_not(found, event_id)

    async def add_staff(self, principal: Principal, *, event_id: str, email: str) -> StaffMember:
        """Let the account with this e-mail check in this event's tickets (and no other event's)."""
        async with self._uow() as uow:
            seen_by(await uow.tickets.access(event_id, principal.user_id), principal).ensure_organizer(principal)
            user = await uow.users.get_by_email(email.strip().lower())
            if user is None:
                raise errors.NotFound("No account has this e-mail address: they need to sign up first.")
            member = StaffMember(event_id, user.id, user.email, principal.user_id, self._clock.now())
            await uow.tickets.add_staff(member)  # naming someone twice changes nothing
            await uow.commit()
        return member

    async def stats(self, principal: Principal, *, event_id: str) -> CheckInStats:
        """Tickets of the event that are not void, and how many are checked in, per type; for whoever scans them."""
        async with self._uow(autocommit=True) as uow:
            seen_by(await uow.tickets.access(event_id, principal.user_id), principal).ensure_door(principal)
            return CheckInStats(tuple(await uow.tickets.counts(event_id)))


def _why_not(found: TicketAccess | None, event_id: str) -> errors.DomainError:
    if found is None or found.ticket.event_id != event_id:
        return errors.UnknownTicket()
    ticket = found.ticket
    if ticket.status is TicketStatus.VOID:
        return errors.TicketVoid()
    if ticket.status is TicketStatus.CHECKED_IN and ticket.checked_in_at is not None:
        when = ticket.checked_in_at.isoformat().replace("+00:00", "Z")
        return errors.AlreadyCheckedIn(f"This ticket was checked in at {when}.", checked_in_at=when)
    # Valid and of this event, yet the update changed nothing: nothing makes a ticket valid again, so this cannot
    # happen; the gate is told to scan again rather than admitted.
    return errors.Conflict("This ticket changed while it was scanned; scan it again.")
