"""The waiting list of a sold-out event: who waits for how many seats, in order, and the holds offered to them.

Seats come back when a hold expires, a booking is cancelled or capacity grows. Whatever released them calls
`offer_seats` in that same transaction: with the event's row locked, the event's free seats become holds for the
first waiting entries that fit, before any stranger's hold can see them. Two releases at once take turns on the
event's lock, and each reads the entries the other offered as offered: every seat is offered once, in order.

An entry stores only whether it waits or was offered (and which hold); `booked` and `expired` are what its offer's
booking became, read with it.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from domain import errors
from domain.accounts import Principal
from domain.messages import WAITLIST_OFFERED, Message, RecordsMessages
from domain.model import Booking, BookingPolicy, BookingStatus, Event, EventStatus, new_id

if TYPE_CHECKING:  # the ports import this module's repository port
    from domain.ports import Clock, UnitOfWork, UnitOfWorkFactory

HOLD_FOR = BookingPolicy().hold_for  # how long an offer is held, unless the service is told otherwise
SCAN = 200  # waiting entries looked at per release: each offer takes a seat at least, so this is plenty


class WaitlistStatus(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    EXPIRED = "expired"  # offered, and the hold ran out (or was cancelled) unpaid
    BOOKED = "booked"  # offered, and paid


@dataclass
class WaitlistEntry(RecordsMessages):
    id: str
    event_id: str
    user_id: str
    quantity: int
    joined_at: datetime
    status: WaitlistStatus = WaitlistStatus.WAITING  # stored: waiting or offered
    booking_id: str | None = None  # the hold offered
    offered_at: datetime | None = None
    messages: list[Message] = field(default_factory=list, repr=False, compare=False)

    def offer(self, hold: Booking, now: datetime) -> None:
        self.status = WaitlistStatus.OFFERED
        self.booking_id = hold.id
        self.offered_at = now
        self.record(
            WAITLIST_OFFERED, now, booking_id=hold.id, user_id=self.user_id, event_id=self.event_id,
            quantity=self.quantity, expires_at=hold.expires_at.isoformat(),
        )  # fmt: skip

    def status_with(self, offer: Booking | None) -> WaitlistStatus:
        """What the entry reads as, given its offer's booking as it is now."""
        if self.status is WaitlistStatus.WAITING:
            return WaitlistStatus.WAITING
        if offer is not None and offer.confirmed_at is not None:
            return WaitlistStatus.BOOKED
        if offer is not None and offer.status is BookingStatus.PENDING:
            return WaitlistStatus.OFFERED
        return WaitlistStatus.EXPIRED


class WaitlistRepository(Protocol):
    """Waiting-list entries, one per (event, user). Offers are made only with the event's row locked."""

    async def lock_event(self, event_id: str) -> Event | None:
        """The event, with a lock shared by joins and exclusive of releases (PostgreSQL: FOR SHARE)."""
        ...

    async def get(self, event_id: str, user_id: str) -> WaitlistEntry | None: ...
    async def get_for_update(self, event_id: str, user_id: str) -> WaitlistEntry | None: ...
    async def add(self, entry: WaitlistEntry) -> bool:
        """Insert the entry unless the user has one for the event already; whether it was inserted."""
        ...

    async def save(self, entry: WaitlistEntry) -> None:
        """Write the entry and, in the same transaction, its messages (the offer's e-mail)."""
        ...

    async def remove(self, entry_id: str) -> None: ...
    async def waiting_for_update(self, event_id: str, *, max_quantity: int, limit: int) -> list[WaitlistEntry]:
        """Lock and read the entries still waiting for at most `max_quantity` seats, in the order they joined."""
        ...

    async def position(self, entry: WaitlistEntry) -> int:
        """1 + the entries still waiting that joined before this one."""
        ...

    async def seats_owned(self, event_id: str, user_ids: Sequence[str], now: datetime) -> dict[str, int]:
        """Seats each user holds (unexpired) or bought for the event: what its purchase limit counts."""
        ...

    async def take_seats(self, event_id: str, quantity: int, by_type: dict[str, int]) -> None:
        """Take seats the caller decided on under the event's row lock (the offers' holds): of the event, and of
        each type so many."""
        ...


@dataclass(frozen=True)
class WaitlistView:
    """The user's entry as they read it: status derived from the offer, position among those still waiting."""

    entry: WaitlistEntry
    status: WaitlistStatus
    position: int | None  # 1-based among the entries still waiting; None once offered
    offer: Booking | None  # the pending hold made for the user, while it is one


@dataclass(frozen=True)
class Joined:
    view: WaitlistView
    created: bool  # False: the user was on the list already, and this is that entry


def _on_sale(event: Event, now: datetime) -> bool:
    try:
        event.ensure_on_sale(now)
    except errors.DomainError:
        return False
    return True


async def offer_seats(uow: UnitOfWork, event_id: str, now: datetime, hold_for: timedelta) -> list[Booking]:
    """Hold the event's free seats for the first waiting entries that fit, in order, skipping those that do not;
    the holds made. Call it in the transaction that freed the seats: it locks the event's row (if that transaction
    has not already) and the entries it offers, and writes the holds, the offers, their e-mails and the seats."""
    event = await uow.events.get_for_update(event_id)
    if event is None or not _on_sale(event, now) or event.seats_available == 0:
        return []
    left = event.seats_available
    waiting = await uow.waitlist.waiting_for_update(event_id, max_quantity=left, limit=SCAN)
    owned: dict[str, int] = {}
    if event.max_per_buyer is not None and waiting:
        owned = await uow.waitlist.seats_owned(event_id, [e.user_id for e in waiting], now)
    kinds = (await uow.ticket_types.for_events([event_id])).get(event_id, [])
    taken: dict[str, int] = {}  # seats per type these offers take
    holds: list[Booking] = []
    for entry in waiting:
        if entry.quantity > left:
            continue  # a smaller entry behind it may still fit
        allowed = event.seats_left_for(owned.get(entry.user_id, 0))
        if allowed is not None and entry.quantity > allowed:
            continue  # bought seats meanwhile: this many more would pass the event's limit
        # The first type, in the event's order, on sale with this many seats left: what came back is offered.
        fits = [t for t in kinds if t.on_sale(now) and t.available - taken.get(t.id, 0) >= entry.quantity]
        if not fits:
            continue
        line = fits[0].line(entry.quantity)
        hold = Booking(
            id=new_id(),
            event_id=event.id,
            user_id=entry.user_id,
            quantity=entry.quantity,
            status=BookingStatus.PENDING,
            amount_cents=line.amount_cents,
            currency=event.currency,
            created_at=now,
            expires_at=now + hold_for,
            lines=[line],
        )
        taken[line.ticket_type_id] = taken.get(line.ticket_type_id, 0) + line.quantity
        entry.offer(hold, now)
        await uow.bookings.add(hold)
        await uow.waitlist.save(entry)
        left -= entry.quantity
        holds.append(hold)
        if left == 0:
            break
    if holds:
        await uow.waitlist.take_seats(event_id, event.seats_available - left, taken)
    return holds


Cancel = Callable[[Principal, str], Awaitable[Booking]]


class Waitlist:
    """Joining, reading and leaving a sold-out event's waiting list."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        policy: BookingPolicy,
        cancel: Cancel,
        read_uow: UnitOfWorkFactory | None = None,
    ) -> None:
        self._uow = uow
        self._read_uow = read_uow or uow
        self._clock = clock
        self.policy = policy
        self._cancel = cancel  # the booking cancellation, which passes the seats on to the next entries

    async def join(self, principal: Principal, *, event_id: str, quantity: int) -> Joined:
        """Wait for `quantity` seats of a sold-out event; joining again answers the entry already there."""
        if not 1 <= quantity <= self.policy.max_per_order:
            raise errors.ValidationFailed(
                f"quantity must be between 1 and {self.policy.max_per_order}.", fields={"quantity": "out of range"}
            )
        now = self._clock.now()
        async with self._uow() as uow:
            # Shared: joins go together, but not with a release, whose offers must see every entry committed first.
            event = await uow.waitlist.lock_event(event_id)
            if event is None or event.status is EventStatus.DRAFT:
                raise errors.NotFound("No such event.")
            event.ensure_on_sale(now)
            existing = await uow.waitlist.get(event_id, principal.user_id)
            if existing is not None:
                offer = await _offer_of(uow, existing)
                if existing.status_with(offer) in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
                    return Joined(await _view(uow, existing, offer), created=False)
            if event.seats_available >= quantity:
                raise errors.SeatsAvailable(
                    f"{event.seats_available} seats are on sale: book them instead.",
                    seats_available=event.seats_available,
                )
            await self._check_limit(uow, event, principal.user_id, quantity, now)
            if existing is not None:
                await uow.waitlist.remove(existing.id)  # its offer is over: the user queues again at the back
            entry = WaitlistEntry(new_id(), event_id, principal.user_id, quantity, now)
            if not await uow.waitlist.add(entry):  # the same user joined at this very moment: theirs stands
                raced = await uow.waitlist.get(event_id, principal.user_id)
                assert raced is not None
                return Joined(await _view(uow, raced, None), created=False)
            view = await _view(uow, entry, None)
            await uow.commit()
        return Joined(view, created=True)

    @staticmethod
    async def _check_limit(uow: UnitOfWork, event: Event, user_id: str, quantity: int, now: datetime) -> None:
        if event.max_per_buyer is None:
            return
        owned = (await uow.waitlist.seats_owned(event.id, [user_id], now)).get(user_id, 0)
        yours = event.seats_left_for(owned)
        if yours is not None and quantity > yours:
            raise errors.PurchaseLimitReached(
                f"One buyer may have {event.max_per_buyer} seats of this event; {yours} more for you.",
                seats_left_for_you=yours,
            )

    async def get(self, principal: Principal, *, event_id: str) -> WaitlistView:
        async with self._read_uow(autocommit=True) as uow:
            entry = await uow.waitlist.get(event_id, principal.user_id)
            if entry is None:
                raise errors.NotFound("You are not on this event's waiting list.")
            return await _view(uow, entry, await _offer_of(uow, entry))

    async def leave(self, principal: Principal, *, event_id: str) -> None:
        """Leave the list; an unpaid offer is cancelled, so its seats pass to the next entries. Done if not on it."""
        async with self._uow() as uow:
            entry = await uow.waitlist.get_for_update(event_id, principal.user_id)
            if entry is None:
                return
            await uow.waitlist.remove(entry.id)
            offer = await _offer_of(uow, entry)
            await uow.commit()
        if offer is not None and offer.status is BookingStatus.PENDING and offer.charge_key is None:
            try:
                await self._cancel(principal, offer.id)
            except errors.BookingNotPending:
                pass  # it expired meanwhile, and the reaper passed its seats on


async def _offer_of(uow: UnitOfWork, entry: WaitlistEntry) -> Booking | None:
    return None if entry.booking_id is None else await uow.bookings.get(entry.booking_id)


async def _view(uow: UnitOfWork, entry: WaitlistEntry, offer: Booking | None) -> WaitlistView:
    status = entry.status_with(offer)
    position = await uow.waitlist.position(entry) if status is WaitlistStatus.WAITING else None
    return WaitlistView(entry, status, position, offer if status is WaitlistStatus.OFFERED else None)
