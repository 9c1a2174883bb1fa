"""An event's ticket types as the catalog writes and shows them.

Every event has at least one type: one made without types gets "General admission" at its price and capacity (the
contract's default; migration 0009 gave one to every event made before types existed). Until an organizer edits
types, an event is sold as that one type: its holds are `{event_id, quantity}` at the event's price, so the type
follows the event's price and capacity when they change, and what is left of it is what is left of the event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from domain.model import Event, new_id
from domain.pricing import GENERAL_ADMISSION, TicketType

if TYPE_CHECKING:  # the ports import the tickets' repository ports
    from domain.ports import UnitOfWork


def for_new_event(event: Event) -> list[TicketType]:
    """The types an event is written with: its own, or for one made without any, General admission."""
    return list(event.ticket_types) or [TicketType(new_id(), GENERAL_ADMISSION, event.price_cents, event.capacity)]


def in_step(event: Event) -> TicketType | None:
    """An event sold as one type sells it at the event's price up to its capacity: that type as it must read now,
    or None when it already does (or the event has several types, each with its own price and quota)."""
    if len(event.ticket_types) != 1:
        return None
    only = event.ticket_types[0]
    if (only.price_cents, only.quota) == (event.price_cents, event.capacity):
        return None
    return replace(only, price_cents=event.price_cents, quota=event.capacity)


def available(ticket_type: TicketType, event: Event) -> int:
    """Seats of this type a buyer could hold now: never more than the event has left over all its types."""
    return max(0, min(ticket_type.available, event.seats_available))


async def with_ticket_types(uow: UnitOfWork, events: Sequence[Event]) -> list[Event]:
    """The events with their types, read in one query for all of them: a page of the catalog costs one query more,
    not one per event."""
    found = await uow.ticket_types.for_events([e.id for e in events]) if events else {}
    for event in events:
        event.ticket_types = found.get(event.id, [])
    return list(events)
