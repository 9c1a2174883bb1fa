"""An organizer's ticket types and promo codes: adding and editing an event's types, handing out codes.

Who may: the event's organizer or an admin; a customer hears `forbidden`, another organizer `not_found` (someone
else's event is not revealed, as in domain/catalog.py). A cancelled event sells nothing more: `event_cancelled`.

Lock order: a type is written under its event's row lock, taken first, as the hold's statement takes the event's row
before its types' rows. So a quota checked against `taken` cannot be undercut by a hold landing in between, and two
types added at once cannot take the same position.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from domain import errors
from domain.accounts import Principal
from domain.model import Event, EventStatus, new_id
from domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from domain.pricing import PromoCode, TicketType
from domain.ticket_types import with_ticket_types


@dataclass(frozen=True)
class TicketTypeDraft:
    name: str
    price_cents: int
    quota: int
    sales_start: datetime | None = None
    sales_end: datetime | None = None
    max_per_order: int | None = None


@dataclass(frozen=True)
class PromoCodeDraft:
    code: str
    percent_off: int | None = None
    amount_off_cents: int | None = None
    max_uses: int | None = None
    valid_until: datetime | None = None
    ticket_type_ids: frozenset[str] | None = None  # None: every type of the event


@dataclass(frozen=True)
class EventTicketType:
    """A type with its event (with all its types): what the type's seats left are read against."""

    event: Event
    ticket_type: TicketType


_EDITABLE = frozenset(f.name for f in fields(TicketTypeDraft))


class TicketAuthoringService:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def add_ticket_type(self, principal: Principal, *, event_id: str, draft: TicketTypeDraft) -> EventTicketType:
        """A new type, after the event's other types; nothing of it is taken yet."""
        _ensure_organizer(principal)
        values = {f.name: getattr(draft, f.name) for f in fields(draft)}
        ticket_type = TicketType(id=new_id(), taken=0, **values)  # ValidationFailed names each bad field
        async with self._uow() as uow:
            event = await _editable_for_update(uow, principal, event_id)
            await uow.ticket_types.add(event.id, ticket_type, self._clock.now())
            await with_ticket_types(uow, [event])
            await uow.commit()
        return EventTicketType(event, ticket_type)

    async def update_ticket_type(
        self, principal: Principal, *, event_id: str, ticket_type_id: str, changes: dict[str, Any]
    ) -> EventTicketType:
        """Change the fields given; the quota never drops below the seats of the type held or sold (409)."""
        unknown = set(changes) - _EDITABLE
        if unknown:
            raise errors.ValidationFailed("Unknown fields.", fields={k: "unknown" for k in sorted(unknown)})
        async with self._uow() as uow:
            event = await _editable_for_update(uow, principal, event_id)  # the event's row first, then its type's
            await with_ticket_types(uow, [event])
            found = next((t for t in event.ticket_types if t.id == ticket_type_id), None)
            if found is None:
                raise errors.NotFound("This event has no such ticket type.")
            others = {name: value for name, value in changes.items() if name != "quota"}
            changed = replace(found, **others)  # checked as a whole: a window that ends before it starts is refused
            if "quota" in changes:
                changed = changed.with_quota(int(changes["quota"]))
            await uow.ticket_types.save(event.id, changed)
            event.ticket_types = [changed if t.id == changed.id else t for t in event.ticket_types]
            await uow.commit()
        return EventTicketType(event, changed)

    async def add_promo_code(self, principal: Principal, *, event_id: str, draft: PromoCodeDraft) -> PromoCode:
        """A new code of the event, stored upper-case; the same code twice on one event is `promo_code_taken`."""
        _ensure_organizer(principal)
        promo = PromoCode(id=new_id(), uses=0, **{f.name: getattr(draft, f.name) for f in fields(draft)})
        async with self._uow() as uow:
            # No row lock: a code does not touch the seats, and the unique (event, code) index decides a race.
            event = _editable(principal, await uow.events.get(event_id))
            await with_ticket_types(uow, [event])
            strangers = (promo.ticket_type_ids or frozenset()) - {t.id for t in event.ticket_types}
            if strangers:
                raise errors.ValidationFailed(
                    "A promo code applies to ticket types of its own event only.",
                    fields={"ticket_type_ids": f"Not types of this event: {', '.join(sorted(strangers))}."},
                )
            if not await uow.promo_codes.add(event.id, promo, self._clock.now()):
                raise errors.PromoCodeTaken(
                    f"This event already has the promo code {promo.code}.", promo_code=promo.code
                )
            await uow.commit()
        return promo

    async def promo_codes(self, principal: Principal, *, event_id: str) -> list[PromoCode]:
        """The event's codes with their uses so far, oldest first (a cancelled event's too)."""
        async with self._uow(autocommit=True) as uow:  # the organizer's views are read on the primary
            event = _owned(principal, await uow.events.get(event_id))
            return await uow.promo_codes.for_event(event.id)


async def _editable_for_update(uow: UnitOfWork, principal: Principal, event_id: str) -> Event:
    _ensure_organizer(principal)  # before the lock: a customer never waits on an event's row
    return _editable(principal, await uow.events.get_for_update(event_id))


def _editable(principal: Principal, event: Event | None) -> Event:
    owned = _owned(principal, event)
    if owned.status is EventStatus.CANCELLED:
        raise errors.EventCancelled("A cancelled event's ticket types and promo codes cannot change.")
    return owned


def _ensure_organizer(principal: Principal) -> None:
    if not principal.can_organize():
        raise errors.Forbidden("Only organizers can manage ticket types and promo codes.")


def _owned(principal: Principal, event: Event | None) -> Event:
    _ensure_organizer(principal)
    if event is None or not principal.owns_or_admin(event.organizer_id):
        raise errors.NotFound("No such event.")  # someone else's event is not revealed
    return event
