"""Cards and what a payment gateway says of a charge."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from domain import errors


@dataclass(frozen=True)
class Card:
    number: str
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)

    @classmethod
    def parse(cls, number: str, exp_month: int, exp_year: int, cvc: str, *, now: datetime) -> Card:
        digits = number.replace(" ", "").replace("-", "")
        problems: dict[str, str] = {}
        if not (digits.isascii() and digits.isdigit()) or not 12 <= len(digits) <= 19 or not luhn_valid(digits):
            problems["card_number"] = "Not a valid card number."
        if not 1 <= exp_month <= 12:
            problems["exp_month"] = "Must be between 1 and 12."
        elif (exp_year, exp_month) < (now.year, now.month):
            problems["exp_year"] = "The card has expired."
        if not (cvc.isascii() and cvc.isdigit() and len(cvc) in (3, 4)):
            problems["cvc"] = "Must be 3 or 4 digits."
        if problems:
            raise errors.ValidationFailed("The card details are not valid.", fields=problems)
        return cls(digits, exp_month, exp_year, cvc)

    @property
    def last4(self) -> str:
        return self.number[-4:]


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@dataclass(frozen=True)
class ChargeResult:
    """What the gateway says of a charge. `status` is succeeded, declined or processing."""

    key: str
    status: str
    reference: str = ""
    decline_code: str = ""
    card_last4: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def declined(self) -> bool:
        return self.status == "declined"

    @property
    def processing(self) -> bool:
        """Neither succeeded nor declined yet: the gateway is still working on it."""
        return not (self.succeeded or self.declined)


@dataclass(frozen=True)
class ChargeRequest:
    """One charge of a batch: the gateway's key, what to charge, and with what: the card (the sandbox) or the
    payment method the provider's element made in the browser (`pm_…` with Stripe: the platform never sees the card)."""

    key: str
    amount_cents: int
    currency: str
    card: Card | None
    payment_method: str = ""


PAYMENT_METHOD = re.compile(r"^pm_[A-Za-z0-9_]{1,200}$")


def check_source(payment_method: str, accepted: frozenset[str] | None, *, card_number: str = "") -> None:
    """Refuse a way to pay the configured gateway does not take (`card` or `payment_method`; None: either)."""
    kind = "payment_method" if payment_method else "card"
    if payment_method and card_number:
        raise errors.ValidationFailed("A card or a payment method, not both.", fields={"payment_method": "Either."})
    if payment_method and not PAYMENT_METHOD.match(payment_method):
        raise errors.ValidationFailed("Not a valid payment method.", fields={"payment_method": "Not a valid id."})
    if accepted is not None and kind not in accepted:
        wanted = next(iter(sorted(accepted)))
        raise errors.ValidationFailed(
            f"This platform takes a {wanted.replace('_', ' ')}.", fields={wanted: "Required by the payment provider."}
        )
