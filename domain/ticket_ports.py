"""The ticket side's repositories of the unit of work: ticket types, tickets, promo codes and the names on tickets.

`UnitOfWork` (domain/ports.py) has them through `TicketStores`, so the ports of tickets live with tickets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.attendees import Attendee
from domain.pricing import PromoCode
from domain.tickets import TicketRepository, TicketTypeRepository


@dataclass(frozen=True)
class TicketRename:
    """A ticket that now carries another attendee."""

    ticket_id: str
    attendee: Attendee


class PromoCodeRepository(Protocol):
    """An event's promo codes, as its organizer writes and reads them; the hold's statement takes their uses."""

    async def add(self, event_id: str, promo: PromoCode, created_at: datetime) -> bool:
        """Write the code unless the event has one of the same (upper-case) code; whether it was written."""
        ...

    async def for_event(self, event_id: str) -> list[PromoCode]:
        """The event's codes with their current uses, oldest first."""
        ...


class TicketNameRepository(Protocol):
    """Who a booking's tickets name: rewritten when the buyer renames their seats."""

    async def rename(self, booking_id: str, renames: Sequence[TicketRename]) -> None:
        """Write each ticket's attendee (name and e-mail), for the tickets of this booking that are not void."""
        ...


class TicketStores(Protocol):
    ticket_types: TicketTypeRepository
    tickets: TicketRepository
    promo_codes: PromoCodeRepository
    ticket_names: TicketNameRepository
