"""Ticket types, promo codes and the price of a booking's lines.

A hold with several lines must be checked and priced the same way wherever it is made, and the numbers must add
up to the cent, so the rules live here, pure, on integers in minor units (cents), never floats.

Rounding: a percent discount is computed once, on the subtotal of the lines the code applies to, and rounded half
up to the minor unit (15 % of 333 cents = 49.95 → 50). Rounding per line would make the discount depend on how
the same seats are split into lines, and could drift from the advertised percent by half a cent per line. An
amount off is taken from that same scoped subtotal and never exceeds it, so the total never drops below 0 and a
code for VIP seats never discounts the general-admission seats bought alongside.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain import errors

GENERAL_ADMISSION = "General admission"  # the one type of an event made without types
MAX_NAME = 200
# ASCII only: case-insensitivity is then plain upper-casing, with no Unicode case folding ("ß", "ﬀ", dotless i).
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,63}$")


@dataclass(frozen=True)
class LineRequest:
    """What a buyer asks for: so many seats of one type."""

    ticket_type_id: str
    quantity: int

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise errors.ValidationFailed("Each line needs at least one seat.", fields={"quantity": "At least 1."})


@dataclass(frozen=True)
class Line:
    """A priced line of a booking, as `Booking.lines` shows it: the name and price are those of the hold's time."""

    ticket_type_id: str
    name: str
    quantity: int
    unit_price_cents: int

    def __post_init__(self) -> None:
        if self.quantity < 1 or self.unit_price_cents < 0:
            raise errors.ValidationFailed("A line needs at least one seat and a price of 0 or more.")

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_price_cents

    def plain(self) -> dict[str, Any]:  # as JSON keeps it (dataclasses.asdict is ten times slower: the hot path)
        return {"ticket_type_id": self.ticket_type_id, "name": self.name, "quantity": self.quantity,
                "unit_price_cents": self.unit_price_cents}  # fmt: skip


@dataclass(frozen=True)
class Price:
    subtotal_cents: int
    discount_cents: int = 0

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents


def normalise_code(code: str) -> str:
    """A code as stored and compared: trimmed and upper-case (a non-ASCII entry is left alone and matches nothing)."""
    code = code.strip()
    return code.upper() if code.isascii() else code


class PromoReason(enum.StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"
    NOT_APPLICABLE = "not_applicable"


_USED_UP = "This promo code has been used as often as it may be."


@dataclass(frozen=True)
class PromoCode:
    """A discount an organizer hands out: percent or amount off, for every type or some, limited in uses and time."""

    code: str
    percent_off: int | None = None
    amount_off_cents: int | None = None
    max_uses: int | None = None  # None: unlimited
    uses: int = 0
    valid_until: datetime | None = None  # good up to and including this instant; None: no expiry
    ticket_type_ids: frozenset[str] | None = None  # None: every type of the event
    id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", normalise_code(self.code))
        if self.ticket_type_ids is not None:
            object.__setattr__(self, "ticket_type_ids", frozenset(self.ticket_type_ids))
        problems: dict[str, str] = {}
        if not _CODE.match(self.code):
            problems["code"] = "1 to 64 letters, digits, '-' or '_', starting with a letter or digit."
        if (self.percent_off is None) == (self.amount_off_cents is None):
            problems["percent_off"] = "Give either percent_off or amount_off_cents."
        elif self.percent_off is not None and not 1 <= self.percent_off <= 100:
            problems["percent_off"] = "Between 1 and 100."
        elif self.amount_off_cents is not None and self.amount_off_cents < 1:
            problems["amount_off_cents"] = "At least 1."
        if self.max_uses is not None and self.max_uses < 1:
            problems["max_uses"] = "At least 1, or none for no limit."
        if self.ticket_type_ids is not None and not self.ticket_type_ids:
            problems["ticket_type_ids"] = "At least one type, or none for every type."
        if problems or self.uses < 0:
            raise errors.ValidationFailed("The promo code is not valid.", fields=problems)

    @property
    def remaining(self) -> int | None:
        return None if self.max_uses is None else max(0, self.max_uses - self.uses)

    def expired(self, now: datetime) -> bool:
        return self.valid_until is not None and now > self.valid_until

    def applies_to(self, ticket_type_id: str) -> bool:
        return self.ticket_type_ids is None or ticket_type_id in self.ticket_type_ids

    def ensure_usable(self, lines: Sequence[Line], now: datetime) -> None:
        """PromoCodeInvalid (with `details.reason`) unless this code may discount these lines now."""
        if self.expired(now):
            raise errors.PromoCodeInvalid("This promo code has expired.", reason=PromoReason.EXPIRED.value)
        if self.remaining == 0:
            raise errors.PromoCodeInvalid(_USED_UP, reason=PromoReason.USED_UP.value)
        if not any(self.applies_to(line.ticket_type_id) for line in lines):
            message = "This promo code is not valid for these tickets."
            raise errors.PromoCodeInvalid(message, reason=PromoReason.NOT_APPLICABLE.value)

    def discount_cents(self, lines: Sequence[Line]) -> int:
        scoped = sum(line.amount_cents for line in lines if self.applies_to(line.ticket_type_id))
        if self.percent_off is not None:
            return min(scoped, (scoped * self.percent_off + 50) // 100)  # round half up, in integers
        return min(scoped, self.amount_off_cents or 0)

    def with_use_taken(self) -> PromoCode:  # what the hold's transaction does, atomically, in the store
        if self.remaining == 0:
            raise errors.PromoCodeInvalid(_USED_UP, reason=PromoReason.USED_UP.value)
        return replace(self, uses=self.uses + 1)

    def with_use_given_back(self) -> PromoCode:  # when the hold that took the use expires or is cancelled
        return replace(self, uses=max(0, self.uses - 1))


def find_promo(codes: Iterable[PromoCode], entered: str) -> PromoCode:
    """The code a buyer typed, in any case; PromoCodeInvalid (reason `unknown`) when the event has none such."""
    wanted = normalise_code(entered)
    for promo in codes:
        if promo.code == wanted:
            return promo
    raise errors.PromoCodeInvalid("There is no such promo code for this event.", reason=PromoReason.UNKNOWN.value)


def price(lines: Sequence[Line], promo: PromoCode | None = None) -> Price:
    """Subtotal and discount; check the code first with `PromoCode.ensure_usable` (at hold time, not at payment)."""
    subtotal = sum(line.amount_cents for line in lines)
    return Price(subtotal, promo.discount_cents(lines) if promo is not None else 0)


@dataclass(frozen=True)
class TicketType:
    """A tier of an event: its own price, quota, sales window and per-order maximum, under the event's capacity."""

    id: str
    name: str
    price_cents: int
    quota: int
    taken: int = 0  # seats held or sold: what the quota can never drop below
    sales_start: datetime | None = None  # None: on sale whenever the event is
    sales_end: datetime | None = None  # exclusive
    max_per_order: int | None = None  # None: no limit beyond what is left

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.strip())
        problems: dict[str, str] = {}
        if not 1 <= len(self.name) <= MAX_NAME:
            problems["name"] = f"1 to {MAX_NAME} characters."
        if self.price_cents < 0:
            problems["price_cents"] = "0 or more."
        if self.quota < 0:
            problems["quota"] = "0 or more."
        if self.max_per_order is not None and self.max_per_order < 1:
            problems["max_per_order"] = "At least 1, or none for no limit."
        if self.sales_start is not None and self.sales_end is not None and self.sales_end <= self.sales_start:
            problems["sales_end"] = "After sales_start."
        if problems or self.taken < 0:
            raise errors.ValidationFailed("The ticket type is not valid.", fields=problems)

    @property
    def available(self) -> int:
        return max(0, self.quota - self.taken)

    def on_sale(self, now: datetime) -> bool:
        started = self.sales_start is None or self.sales_start <= now
        return started and (self.sales_end is None or now < self.sales_end)

    def with_quota(self, quota: int) -> TicketType:
        if quota < self.taken:
            raise errors.CapacityBelowSold(
                f"{self.taken} seats of {self.name} are already sold or held; its quota cannot be {quota}.",
                ticket_type_id=self.id,
                seats_taken=self.taken,
            )
        return replace(self, quota=quota)

    def line(self, quantity: int) -> Line:
        return Line(self.id, self.name, quantity, self.price_cents)


def lowest_price_on_sale(types: Iterable[TicketType], now: datetime) -> int | None:
    """What a buyer pays at least now: types in their sales window with seats left; None when there are none."""
    prices = [t.price_cents for t in types if t.on_sale(now) and t.available > 0]
    return min(prices, default=None)


class Shortfall(enum.StrEnum):
    UNKNOWN_TYPE = "unknown_ticket_type"
    NOT_ON_SALE = "not_on_sale"
    MAX_PER_ORDER = "max_per_order"
    TYPE_SOLD_OUT = "sold_out"
    EVENT_SOLD_OUT = "event_sold_out"


@dataclass(frozen=True)
class Misfit:
    """The first line of a request that cannot be had: its type, why, and how many seats that line could have."""

    ticket_type_id: str
    reason: Shortfall
    available: int

    def error(self) -> errors.DomainError:
        details: dict[str, Any] = {"ticket_type_id": self.ticket_type_id, "available": self.available}
        details["reason"] = self.reason.value
        if self.reason is Shortfall.NOT_ON_SALE:
            return errors.EventNotOnSale("This ticket type is not on sale now.", **details)
        if self.reason in (Shortfall.TYPE_SOLD_OUT, Shortfall.EVENT_SOLD_OUT):
            return errors.SoldOut(f"Only {self.available} seats are left for this line.", **details)
        message = (
            "This event has no such ticket type."
            if self.reason is Shortfall.UNKNOWN_TYPE
            else f"Too many seats of this type for one order: {self.available} more fit."
        )
        return errors.ValidationFailed(message, fields={"lines": message}, **details)


def first_misfit(
    requests: Sequence[LineRequest], types: Iterable[TicketType], *, seats_available: int, now: datetime
) -> Misfit | None:
    """The first line that does not fit the types and the event's seats, counting the lines before it (two lines of
    one type count together); `available` is the least of the type's seats, the event's and the per-order maximum."""
    by_id = {t.id: t for t in types}
    per_type: dict[str, int] = {}
    seats_before = 0
    for request in requests:
        kind = by_id.get(request.ticket_type_id)
        if kind is None:
            return Misfit(request.ticket_type_id, Shortfall.UNKNOWN_TYPE, 0)
        if not kind.on_sale(now):
            return Misfit(kind.id, Shortfall.NOT_ON_SALE, 0)
        before = per_type.get(kind.id, 0)
        type_left = max(0, kind.available - before)
        event_left = max(0, seats_available - seats_before)
        if kind.max_per_order is not None and before + request.quantity > kind.max_per_order:
            left = min(kind.max_per_order - before, type_left, event_left)
            return Misfit(kind.id, Shortfall.MAX_PER_ORDER, max(0, left))
        if request.quantity > type_left:
            return Misfit(kind.id, Shortfall.TYPE_SOLD_OUT, min(type_left, event_left))
        if request.quantity > event_left:
            return Misfit(kind.id, Shortfall.EVENT_SOLD_OUT, event_left)
        per_type[kind.id] = before + request.quantity
        seats_before += request.quantity
    return None


def priced_lines(
    requests: Sequence[LineRequest], types: Iterable[TicketType], *, seats_available: int, now: datetime
) -> list[Line]:
    """The request's lines priced at today's prices, or the error of its first line that does not fit."""
    if not requests:
        raise errors.ValidationFailed("A booking needs at least one line.", fields={"lines": "At least one line."})
    by_id = {t.id: t for t in types}
    if misfit := first_misfit(requests, by_id.values(), seats_available=seats_available, now=now):
        raise misfit.error()
    return [by_id[r.ticket_type_id].line(r.quantity) for r in requests]
