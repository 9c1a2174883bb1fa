"""Entities and value objects, with the rules that belong to them."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain import errors
from domain.attendees import AttendeeInput
from domain.messages import (
    BOOKING_CANCELLED,
    BOOKING_CONFIRMED,
    BOOKING_EXPIRED,
    EVENT_CANCELLED,
    EVENT_PUBLISHED,
    PAYMENT_REFUNDED,
    PAYMENT_SUCCEEDED,
    Message,
    RecordsMessages,
)
from domain.pricing import Line, TicketType


def new_id() -> str:
    return str(uuid.uuid4())


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class BookingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class PaymentStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"
    REFUNDED = "refunded"


@dataclass
class Event(RecordsMessages):
    id: str
    organizer_id: str
    title: str
    description: str
    category: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_available: int
    price_cents: int
    currency: str
    status: EventStatus
    created_at: datetime
    sale_starts_at: datetime | None = None  # None: on sale now
    max_per_buyer: int | None = None  # seats one buyer may hold or own, over all their bookings; None: no limit
    waiting_room: bool = False  # buyers queue first; holds need the pass an admission gives (domain/waiting_room.py)
    # In position order (the first is what `{event_id, quantity}` buys). Not a column of the event's row: read with
    # it where it is shown (domain/ticket_types.py), so the hold's path never pays for them.
    ticket_types: list[TicketType] = field(default_factory=list, repr=False, compare=False)
    messages: list[Message] = field(default_factory=list, repr=False, compare=False)

    def publish(self, now: datetime) -> None:
        if self.status is not EventStatus.PUBLISHED:
            self.status = EventStatus.PUBLISHED
        self._announce(EVENT_PUBLISHED, now)

    def cancel(self, now: datetime) -> None:
        self.status = EventStatus.CANCELLED
        self._announce(EVENT_CANCELLED, now)

    def _announce(self, topic: str, now: datetime) -> None:
        self.record(topic, now, event_id=self.id, title=self.title, starts_at=self.starts_at.isoformat())

    @property
    def seats_taken(self) -> int:
        """Seats sold or held: what capacity can never drop below."""
        return self.capacity - self.seats_available

    def resize(self, capacity: int) -> None:
        if capacity < self.seats_taken:
            raise errors.CapacityBelowSold(
                f"{self.seats_taken} seats are already sold or held; capacity cannot be {capacity}.",
                seats_taken=self.seats_taken,
            )
        self.seats_available = capacity - self.seats_taken
        self.capacity = capacity

    def ensure_on_sale(self, now: datetime) -> None:
        if self.status is EventStatus.CANCELLED:
            raise errors.EventCancelled()
        if self.status is not EventStatus.PUBLISHED or self.ends_at <= now:
            raise errors.EventNotOnSale()
        if self.sale_starts_at is not None and now < self.sale_starts_at:
            when = self.sale_starts_at.isoformat().replace("+00:00", "Z")
            raise errors.EventNotOnSale(f"The sale opens at {when}.", sale_starts_at=when)

    def seats_left_for(self, owned: int) -> int | None:
        """How many more seats a buyer who holds or owns `owned` may take; None without a limit."""
        return None if self.max_per_buyer is None else max(0, self.max_per_buyer - owned)


@dataclass
class Payment:
    id: str
    booking_id: str
    status: PaymentStatus
    reference: str
    amount_cents: int
    currency: str
    card_last4: str
    paid_at: datetime
    refunded_at: datetime | None = None


@dataclass
class Booking(RecordsMessages):
    id: str
    event_id: str
    user_id: str
    quantity: int
    status: BookingStatus
    amount_cents: int
    currency: str
    created_at: datetime
    expires_at: datetime
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    payment: Payment | None = None
    # Saga state, never shown to users: the gateway key of a charge whose outcome is not known yet,
    # and the moment a cancellation (with refund) was asked for but not finished.
    charge_key: str | None = None
    charge_started_at: datetime | None = None
    cancel_requested_at: datetime | None = None
    receipt_number: str | None = None
    # What the seats are (migration 0010): priced lines in order; none for a booking of `{event_id, quantity}` made
    # before ticket types, which is that many seats of its event's first type.
    lines: list[Line] = field(default_factory=list)
    discount_cents: int = 0
    promo_code_id: str | None = None
    promo_code: str | None = None
    attendees: list[AttendeeInput] = field(default_factory=list)  # one per seat as typed; no name: the buyer
    messages: list[Message] = field(default_factory=list, repr=False, compare=False)

    def seats_by_type(self) -> dict[str, int] | None:
        """Seats per ticket type; None for a booking without lines (its event's first type holds them all)."""
        if not self.lines:
            return None
        counts: dict[str, int] = {}
        for line in self.lines:
            counts[line.ticket_type_id] = counts.get(line.ticket_type_id, 0) + line.quantity
        return counts

    @property
    def holds_seats(self) -> bool:
        return self.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED)

    def ensure_payable(self, now: datetime) -> None:
        if self.status is not BookingStatus.PENDING or self.cancel_requested_at is not None:
            raise errors.BookingNotPending(f"This booking is {self.status.value}.", status=self.status.value)
        if self.expires_at <= now and self.charge_key is None:
            raise errors.HoldExpired()

    def start_charge(self, key: str, now: datetime) -> None:
        if self.charge_key is not None and self.charge_key != key:
            raise errors.PaymentInProgress()
        self.charge_key = key
        self.charge_started_at = now

    def clear_charge(self) -> None:
        self.charge_key = None
        self.charge_started_at = None

    def confirm(self, payment: Payment, now: datetime) -> None:
        self.status = BookingStatus.CONFIRMED
        self.confirmed_at = now
        self.payment = payment
        self.receipt_number = f"EB-{now:%Y%m%d}-{self.id.replace('-', '')[:10].upper()}"
        self.clear_charge()
        self._tell(BOOKING_CONFIRMED, now, receipt_number=self.receipt_number, payment_reference=payment.reference)
        self._tell(PAYMENT_SUCCEEDED, now, payment_id=payment.id, payment_reference=payment.reference)

    def cancel(self, now: datetime) -> None:
        self.status = BookingStatus.CANCELLED
        self.cancelled_at = now
        self.cancel_requested_at = None
        refunded = self.payment is not None and self.payment.status is PaymentStatus.SUCCEEDED
        if self.payment is not None and refunded:
            self.payment.status = PaymentStatus.REFUNDED
            self.payment.refunded_at = now
        self._tell(BOOKING_CANCELLED, now, refunded=refunded)
        if self.payment is not None and refunded:
            self._tell(PAYMENT_REFUNDED, now, payment_id=self.payment.id, payment_reference=self.payment.reference)

    def expire(self, now: datetime) -> None:
        self.status = BookingStatus.EXPIRED
        self.cancelled_at = now
        self.clear_charge()
        self._tell(BOOKING_EXPIRED, now)

    def _tell(self, topic: str, now: datetime, **extra: object) -> None:
        self.record(
            topic, now, booking_id=self.id, user_id=self.user_id, event_id=self.event_id, quantity=self.quantity,
            amount_cents=self.amount_cents, currency=self.currency, **extra,
        )  # fmt: skip


@dataclass(frozen=True)
class BookingPolicy:
    hold_minutes: float = 10
    max_per_order: int = 10
    max_open_holds_per_user: int = 5
    max_held_seats_per_event: int = 10  # seats one buyer may hold unpaid for one event, over all their holds
    max_held_seats_per_user: int = 20  # ... and over every event

    @property
    def hold_for(self) -> timedelta:
        return timedelta(minutes=self.hold_minutes)
