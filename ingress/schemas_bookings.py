"""The bookings' request and answer bodies: holds (with lines, a promo code, attendees), payments, receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, Strict, StringConstraints

from ingress.schemas import NO_NUL, EventRead, Id, Request

MAX_SEATS = 100
Quantity = Annotated[
    int, Strict(), Field(ge=1, description="At most the per-order maximum (10 by default).")
]  # lines and attendees of one booking, far above any per-order maximum: the body stays small


class LineCreate(Request):
    ticket_type_id: Id
    quantity: Annotated[int, Strict(), Field(ge=1, le=MAX_SEATS)]


class AttendeeCreate(Request):
    """One seat's attendee; no name: the buyer (the buyer's name and e-mail go on that ticket)."""

    name: Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)] | None = None
    email: Annotated[str, StringConstraints(max_length=254, pattern=NO_NUL)] | None = None


class BookingCreate(Request):
    """`{event_id, quantity}`: that many seats of the event's first type; or `lines` of types (quantity, if given,
    must be their sum), with an optional promo code and one attendee per seat in line order."""

    event_id: Id
    quantity: (
        Annotated[int, Strict(), Field(ge=1, description="At most the per-order maximum (10 by default).")] | None
    ) = None
    lines: Annotated[list[LineCreate], Field(min_length=1, max_length=MAX_SEATS)] | None = None
    promo_code: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)] | None = None
    attendees: Annotated[list[AttendeeCreate], Field(max_length=MAX_SEATS)] | None = None

    @property
    def seats(self) -> int:
        """The seats asked for: `quantity` as given, else the lines' (the hold refuses a quantity that is not the
        lines' sum, and one out of range, domain/holding.py)."""
        if self.quantity is not None:
            return self.quantity
        return sum(line.quantity for line in self.lines or ())


class PaymentCreate(Request):
    """The card (the sandbox, demo mode) or, with Stripe, the `payment_method` its card element made in the browser:
    `GET /api/payments/config` says which. The other form is refused with 422."""

    card_number: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[0-9 -]+$")] | None = None
    exp_month: Annotated[int, Strict(), Field(ge=1, le=12)] | None = None
    exp_year: Annotated[int, Strict(), Field(ge=2000, le=9999)] | None = None
    cvc: Annotated[str, StringConstraints(pattern=r"^[0-9]{3,4}$")] | None = None
    payment_method: Annotated[str, StringConstraints(pattern=r"^pm_[A-Za-z0-9_]{1,200}$")] | None = None


class PaymentRead(BaseModel):
    id: str
    status: Literal["succeeded", "refunded"]
    reference: str
    amount_cents: int
    currency: str
    card_last4: str


class BookingLineRead(BaseModel):
    ticket_type_id: str
    name: str
    quantity: int
    unit_price_cents: int


class AttendeeRead(BaseModel):
    name: str | None = Field(description="None: the buyer.")
    email: str | None


class BookingRead(BaseModel):
    id: str
    event_id: str
    user_id: str
    quantity: int
    status: Literal["pending", "confirmed", "cancelled", "expired"]
    amount_cents: int
    currency: str
    created_at: datetime
    expires_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    payment: PaymentRead | None
    lines: list[BookingLineRead] = Field(description="What the seats are; empty for a booking made before types.")
    discount_cents: int
    promo_code: str | None
    attendees: list[AttendeeRead] = Field(description="One per seat as named, in line order; empty: all the buyer.")


class BookingPage(BaseModel):
    items: list[BookingRead]
    next_cursor: str | None


class ReceiptRead(BaseModel):
    booking_id: str
    event: EventRead
    quantity: int
    amount_cents: int
    currency: str
    paid_at: datetime
    payment_reference: str
    receipt_number: str


# Errors and health
