"""Events: browse, publish, edit, cancel, and the organizer's view of sales."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from domain import errors
from domain.accounts import Principal, Role
from domain.model import BookingStatus, Event, EventStatus, new_id
from domain.pagination import Page, Position, check_limit, decode_cursor, encode_cursor
from domain.ports import Clock, EventFilter, UnitOfWorkFactory
from domain.ticket_types import in_step, with_ticket_types
from domain.waitlist import HOLD_FOR, offer_seats

MAX_CAPACITY = 1_000_000
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class EventDraft:
    title: str
    description: str
    category: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    price_cents: int
    currency: str
    status: EventStatus = EventStatus.PUBLISHED
    sale_starts_at: datetime | None = None
    max_per_buyer: int | None = None
    waiting_room: bool = False


@dataclass(frozen=True)
class EventSales:
    event: Event
    seats_sold: int
    revenue_cents: int


def _check(event: Event) -> None:
    problems: dict[str, str] = {}
    if not event.title.strip() or len(event.title) > 200:
        problems["title"] = "Required, at most 200 characters."
    if not 1 <= event.capacity <= MAX_CAPACITY:
        problems["capacity"] = f"Between 1 and {MAX_CAPACITY}."
    if event.price_cents < 0:
        problems["price_cents"] = "Cannot be negative."
    if not _CURRENCY.match(event.currency):
        problems["currency"] = "An ISO-4217 code such as EUR."
    if event.starts_at.tzinfo is None or event.ends_at.tzinfo is None:
        problems["starts_at"] = "Times need a time zone."
    elif event.ends_at <= event.starts_at:
        problems["ends_at"] = "Must be after starts_at."
    elif event.sale_starts_at is not None and event.sale_starts_at.tzinfo is None:
        problems["sale_starts_at"] = "Times need a time zone."
    elif event.sale_starts_at is not None and event.sale_starts_at >= event.ends_at:
        problems["sale_starts_at"] = "Must be before ends_at."
    if event.max_per_buyer is not None and not 1 <= event.max_per_buyer <= MAX_CAPACITY:
        problems["max_per_buyer"] = f"Between 1 and {MAX_CAPACITY}, or null for no limit."
    if problems:
        raise errors.ValidationFailed("Some fields are not valid.", fields=problems)


class CatalogService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        read_uow: UnitOfWorkFactory | None = None,
        hold_for: timedelta = HOLD_FOR,  # of the holds offered to the waiting list
    ) -> None:
        self._hold_for = hold_for
        self._uow = uow
        self._read_uow = read_uow or uow  # browsing may be served by a replica
        self._clock = clock

    async def list_events(
        self, flt: EventFilter, *, limit: int = 20, cursor: str | None = None, primary: bool = False
    ) -> Page[Event]:
        """Published events, soonest first; `primary`: read the primary, never a replica (to fill a cache)."""
        check_limit(limit)
        async with (self._uow if primary else self._read_uow)(autocommit=True) as uow:
            rows = await with_ticket_types(uow, await uow.events.list_published(flt, decode_cursor(cursor), limit + 1))
        return _page(rows, limit, lambda e: Position(e.starts_at, e.id))

    async def get_event(self, event_id: str, *, viewer: Principal | None = None, primary: bool = False) -> Event:
        async with (self._uow if primary else self._read_uow)(autocommit=True) as uow:
            event = await uow.events.get(event_id)
            if event is not None:
                await with_ticket_types(uow, [event])
        # Drafts are visible to their organizer only.
        if event is None or (
            event.status is EventStatus.DRAFT and not (viewer and viewer.owns_or_admin(event.organizer_id))
        ):
            raise errors.NotFound("No such event.")
        return event

    async def get_events(self, event_ids: Sequence[str]) -> list[Event]:
        """The events with these ids that anyone may see (no drafts), read on the primary: to fill a cache."""
        async with self._uow(autocommit=True) as uow:
            found = await with_ticket_types(uow, await uow.events.get_many(event_ids))
        return [e for e in found if e.status is not EventStatus.DRAFT]

    async def create_event(self, principal: Principal, draft: EventDraft) -> Event:
        if not principal.can_organize():
            raise errors.Forbidden("Only organizers can create events.")
        if draft.status is EventStatus.CANCELLED:
            raise errors.ValidationFailed("A new event is draft or published.", fields={"status": "invalid"})
        event = Event(
            id=new_id(),
            organizer_id=principal.user_id,
            seats_available=draft.capacity,
            created_at=self._clock.now(),
            **{f.name: getattr(draft, f.name) for f in fields(draft)},
        )
        event.currency = event.currency.upper()
        _check(event)
        if event.status is EventStatus.PUBLISHED:
            event.publish(event.created_at)
        async with self._uow() as uow:
            await uow.events.add(event)  # with its ticket types: General admission unless it has some
            await uow.commit()
        return event

    async def update_event(self, principal: Principal, event_id: str, changes: dict[str, Any]) -> Event:
        allowed = {f.name for f in fields(EventDraft)}
        unknown = set(changes) - allowed
        if unknown:
            raise errors.ValidationFailed("Unknown fields.", fields={k: "unknown" for k in sorted(unknown)})
        async with self._uow() as uow:
            event = await self._owned_for_update(uow, principal, event_id)
            if event.status is EventStatus.CANCELLED:
                raise errors.EventCancelled("A cancelled event cannot be edited.")
            status = changes.get("status")
            if status is not None and status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
                raise errors.ValidationFailed(
                    "Status is draft or published; use the cancel action.", fields={"status": "invalid"}
                )
            for name, value in changes.items():
                if name == "capacity":
                    event.resize(int(value))
                elif name == "status" and EventStatus(value) is EventStatus.PUBLISHED:
                    if event.status is not EventStatus.PUBLISHED:
                        event.publish(self._clock.now())
                elif name == "status":
                    event.status = EventStatus(value)
                elif name == "currency" and str(value).upper() != event.currency:
                    if await uow.bookings.ids_for_event(event_id, ("pending", "confirmed", "cancelled")):
                        raise errors.CurrencyLocked()
                    event.currency = str(value)
                else:
                    setattr(event, name, value)
            event.currency = event.currency.upper()
            _check(event)
            await uow.events.save(event)
            await with_ticket_types(uow, [event])
            # Sold as one type, it follows the event's price and capacity when they change (only then: a type the
            # organizer edited on its own keeps its price and quota through an edit of the title).
            follows = "price_cents" in changes or "capacity" in changes
            if follows and (kept := in_step(event)) is not None:
                await uow.ticket_types.save(event.id, kept)
            # More seats, or on sale again: the waiting list is offered them before anyone else can hold them.
            offered = await offer_seats(uow, event_id, self._clock.now(), self._hold_for)
            event.seats_available -= sum(h.quantity for h in offered)
            await with_ticket_types(uow, [event])
            await uow.commit()
        return event

    async def cancel_event(self, principal: Principal, event_id: str) -> Event:
        """Cancel the event: open holds end now; paid bookings are marked for refund by the booking saga."""
        async with self._uow() as uow:
            event = await self._owned_for_update(uow, principal, event_id)
            if event.status is not EventStatus.CANCELLED:
                event.cancel(self._clock.now())  # from here place_holds refuses: no new hold can land
                await uow.events.save(event)
                await uow.tickets.void_for_event(event_id, self._clock.now())  # no ticket of it admits anyone now
                await uow.commit()
        async with self._uow(autocommit=True) as uow:
            booking_ids = await uow.bookings.ids_for_event(event_id, ("pending", "confirmed"))
        for booking_id in booking_ids:
            await self._end_booking(booking_id)
        async with self._uow(autocommit=True) as uow:
            refreshed = await uow.events.get(event_id)
            await with_ticket_types(uow, [refreshed or event])
        return refreshed or event

    async def _end_booking(self, booking_id: str) -> None:
        # One short transaction each, booking row before event row: the lock order of every other writer.
        now = self._clock.now()
        async with self._uow() as uow:
            booking = await uow.bookings.get_for_update(booking_id)
            if booking is None or not booking.holds_seats or booking.cancel_requested_at is not None:
                return
            if booking.status is BookingStatus.PENDING and booking.charge_key is None:
                booking.cancel(now)
                await uow.events.release(booking)
            else:
                booking.cancel_requested_at = now
            await uow.bookings.save(booking)
            await uow.commit()

    async def organizer_events(
        self, principal: Principal, *, limit: int = 20, cursor: str | None = None
    ) -> Page[EventSales]:
        if not principal.can_organize():
            raise errors.Forbidden("Only organizers have a sales view.")
        check_limit(limit)
        owner = None if principal.role is Role.ADMIN else principal.user_id
        async with self._uow() as uow:
            rows = await uow.events.list_by_organizer(owner, decode_cursor(cursor), limit + 1)
            await with_ticket_types(uow, rows)
            sales = [EventSales(e, *await uow.bookings.sales_for_event(e.id)) for e in rows]
        return _page(sales, limit, lambda s: Position(s.event.created_at, s.event.id))

    @staticmethod
    async def _owned_for_update(uow: Any, principal: Principal, event_id: str) -> Event:
        event = await uow.events.get_for_update(event_id)
        if event is None or not principal.owns_or_admin(event.organizer_id):
            raise errors.NotFound("No such event.")  # someone else's event is not revealed
        return event


def _page(rows: list[Any], limit: int, key: Any) -> Page[Any]:
    more = len(rows) > limit
    items = rows[:limit]
    return Page(items, encode_cursor(key(items[-1])) if more and items else None)
