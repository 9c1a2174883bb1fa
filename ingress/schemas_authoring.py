"""Request and response models of ticket types, promo codes (API.md, "Ticket types, promo codes, tickets and
check-in") and the attendees a buyer renames (an extension of ours). The Event's `TicketTypeRead` is in
ingress/schemas.py, where the Event read uses it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, Strict, StringConstraints

from ingress.schemas import EMAIL_PATTERN, MAX_CAPACITY, MAX_PRICE_CENTS, Id, Request, UtcDatetime, text

MAX_USES = 1_000_000_000  # inside the database's integer column
MAX_SCOPE = 100  # ticket types one code may name
MAX_SEATS = 1_000  # entries of one booking's attendee list (a booking has at most the per-order maximum of seats)
# On PATCH, null means "none" for these (no sales window end, no per-order maximum), not "unchanged".
NULLABLE_TYPE_FIELDS = ("sales_start", "sales_end", "max_per_order")

TypeName = Annotated[str, text(200, 1)]
PriceCents = Annotated[int, Strict(), Field(ge=0, le=MAX_PRICE_CENTS)]
Quota = Annotated[int, Strict(), Field(ge=0, le=MAX_CAPACITY, description="Seats of this type, held or sold.")]
MaxPerOrder = Annotated[int, Strict(), Field(ge=1, le=MAX_CAPACITY)]


class TicketTypeCreate(Request):
    name: TypeName
    price_cents: PriceCents
    quota: Quota
    sales_start: UtcDatetime | None = Field(None, description="null: on sale whenever the event is.")
    sales_end: UtcDatetime | None = Field(None, description="Exclusive; null: until the event ends.")
    max_per_order: MaxPerOrder | None = Field(None, description="null: only the platform's per-order maximum.")


class TicketTypeUpdate(Request):
    """Only the fields given change; the quota cannot drop below the seats of the type held or sold (409)."""

    name: TypeName | None = None
    price_cents: PriceCents | None = None
    quota: Quota | None = None
    sales_start: UtcDatetime | None = Field(None, description="null: on sale whenever the event is.")
    sales_end: UtcDatetime | None = Field(None, description="null: until the event ends.")
    max_per_order: MaxPerOrder | None = Field(None, description="null: no maximum of its own.")

    def changes(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True)
        cleared = {name: None for name in NULLABLE_TYPE_FIELDS if name in given and given[name] is None}
        return self.model_dump(exclude_unset=True, exclude_none=True) | cleared


class PromoCodeCreate(Request):
    code: Annotated[str, text(64, 1)] = Field(
        description="Letters, digits, '-' and '_', starting with a letter or digit; stored and shown upper-case."
    )
    percent_off: Annotated[int, Strict(), Field(ge=1, le=100)] | None = Field(
        None, description="Either this or amount_off_cents."
    )
    amount_off_cents: Annotated[int, Strict(), Field(ge=1, le=MAX_PRICE_CENTS)] | None = Field(
        None, description="Off the subtotal of the seats it applies to, never below 0."
    )
    max_uses: Annotated[int, Strict(), Field(ge=1, le=MAX_USES)] | None = Field(None, description="null: no limit.")
    valid_until: UtcDatetime | None = Field(None, description="Good up to and including this instant; null: always.")
    ticket_type_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_SCOPE)] | None = Field(
        None, description="Types of this event it applies to; null: every type."
    )


class PromoCodeRead(BaseModel):
    id: str
    code: str = Field(description="Upper-case; buyers may type it in any case.")
    percent_off: int | None
    amount_off_cents: int | None
    max_uses: int | None
    uses: int = Field(description="Holds and bookings that took it; a hold that expires or is cancelled gives it back.")
    valid_until: datetime | None
    ticket_type_ids: list[str] | None


class PromoCodeList(BaseModel):
    items: list[PromoCodeRead]


class AttendeeEntry(Request):
    name: Annotated[str, text(200)] | None = Field(None, description="null or blank: the seat stays as it is.")
    email: Annotated[str, StringConstraints(max_length=254, pattern=rf"^\s*$|{EMAIL_PATTERN}")] | None = Field(
        None, description="null or blank: none (never the buyer's, next to someone else's name)."
    )


class AttendeesUpdate(Request):
    attendees: Annotated[list[AttendeeEntry], Field(min_length=1, max_length=MAX_SEATS)] = Field(
        description="Exactly one entry per seat, in seat order (the lines' order)."
    )
