"""Rows into entities: what the repositories and the hot-path statements share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from adapters.db.tables import bookings, events, payments, users
from domain.accounts import Role, User
from domain.model import Booking, BookingStatus, Event, EventStatus, Payment, PaymentStatus

PAYMENT_PREFIX = "payment_"
USER_PREFIX = "buyer__"
EVENT_PREFIX = "event__"


def with_payment() -> Select[Any]:
    """Bookings LEFT JOIN their payment, the payment's columns prefixed."""
    columns = [c.label(PAYMENT_PREFIX + c.name) for c in payments.c]
    return select(bookings, *columns).select_from(bookings.outerjoin(payments, payments.c.booking_id == bookings.c.id))


def booking_from_row(row: Any) -> Booking:
    payment = None
    if row[PAYMENT_PREFIX + "id"] is not None:
        fields = {c.name: row[PAYMENT_PREFIX + c.name] for c in payments.c}
        fields["status"] = PaymentStatus(fields["status"])
        payment = Payment(**fields)
    fields = {c.name: row[c.name] for c in bookings.c}
    fields["status"] = BookingStatus(fields["status"])
    return Booking(**fields, payment=payment)


def event_from_row(row: Any, prefix: str = "") -> Event:
    values = {c.name: row[prefix + c.name] for c in events.c if c.name != "version"}  # the cache's, not the domain's
    values["status"] = EventStatus(values["status"])
    return Event(**values)


def user_from_row(row: Any, prefix: str = "") -> User:
    values = {c.name: row[prefix + c.name] for c in users.c}
    values["role"] = Role(values["role"])
    return User(**values)
