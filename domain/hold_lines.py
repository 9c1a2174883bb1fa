"""What one hold of a batch buys: its lines priced against the event's types, and its promo code, counting what the
requests before it in the same batch took (domain/holding.py decides a batch's requests in arrival order).

A request of `{event_id, quantity}` asks for that many seats of the event's first type (every event has one: it is
written with the event, and migration 0009 gave one to every event made before). Every line must fit its type
(quota, sales window, per-order maximum) and, with the lines before it, the event's seats: the first that does not
refuses the whole hold with its type and what is left (domain/pricing.py `first_misfit`). A code is looked up in any
case, must be usable for these lines now, and its use counts at once, so two holds of one batch never share its
last use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from domain import errors
from domain.model import Booking, Event
from domain.pricing import Line, LineRequest, PromoCode, find_promo, first_misfit, price


@dataclass(frozen=True)
class PricedHold:
    lines: list[Line]
    subtotal_cents: int
    discount_cents: int = 0
    promo: PromoCode | None = None

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents


@dataclass
class BatchStock:
    """Seats per type and uses per code that the batch's holds so far take (what its one write adds)."""

    type_seats: Counter[str] = field(default_factory=Counter)
    promo_uses: Counter[str] = field(default_factory=Counter)

    def price(
        self,
        event: Event,
        wanted: Sequence[LineRequest],
        quantity: int,
        code: str | None,
        promos: Mapping[str, PromoCode],
        *,
        seats_left: int,
        now: datetime,
    ) -> PricedHold:
        """The hold's priced lines and discount, or the error of its first line that does not fit / its code."""
        taken = self.type_seats
        types = [replace(t, taken=t.taken + taken[t.id]) if taken[t.id] else t for t in event.ticket_types]
        requests = list(wanted) or [LineRequest(types[0].id, quantity)]
        if not wanted and quantity > seats_left:  # today's request keeps today's answer
            raise errors.SoldOut(f"Only {seats_left} seats are left for this event.", seats_available=seats_left)
        if misfit := first_misfit(requests, types, seats_available=seats_left, now=now):
            raise misfit.error()
        by_id = {t.id: t for t in types}
        lines = [by_id[r.ticket_type_id].line(r.quantity) for r in requests]
        promo = None
        if code is not None:
            found = find_promo(promos.values(), code)
            promo = replace(found, uses=found.uses + self.promo_uses[found.id])
            promo.ensure_usable(lines, now)
        total = price(lines, promo)
        return PricedHold(lines, total.subtotal_cents, total.discount_cents, promo)

    def take(self, hold: PricedHold) -> None:
        for line in hold.lines:
            self.type_seats[line.ticket_type_id] += line.quantity
        if hold.promo is not None:
            self.promo_uses[hold.promo.id] += 1


def taken_by(holds: Sequence[Booking]) -> tuple[dict[str, tuple[int, int]], dict[str, int]]:
    """What the holds take: seats and unit price per type, uses per promo code."""
    types: dict[str, tuple[int, int]] = {}
    promos: dict[str, int] = {}
    for hold in holds:
        for line in hold.lines:
            seats, _ = types.get(line.ticket_type_id, (0, 0))
            types[line.ticket_type_id] = (seats + line.quantity, line.unit_price_cents)
        if hold.promo_code_id is not None:
            promos[hold.promo_code_id] = promos.get(hold.promo_code_id, 0) + 1
    return types, promos
