"""Bookings as plain JSON records, and back: what an idempotency key keeps as the answer it gave.

A replayed request gets the entity back, and the ingress shapes it like any other answer.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from domain.attendees import AttendeeInput
from domain.model import Booking, BookingStatus, Payment, PaymentStatus
from domain.pricing import Line

_TIMES = ("created_at", "expires_at", "confirmed_at", "cancelled_at", "charge_started_at", "cancel_requested_at")
_PAYMENT_TIMES = ("paid_at", "refunded_at")


def booking_record(booking: Booking) -> dict[str, Any]:
    record = {f.name: getattr(booking, f.name) for f in fields(Booking) if f.name not in ("messages", "payment")}
    record["lines"] = [line.plain() for line in booking.lines]
    record["attendees"] = [a.plain() for a in booking.attendees]
    record["payment"] = (
        None if booking.payment is None else {f.name: getattr(booking.payment, f.name) for f in fields(Payment)}
    )
    return _plain(record)


def booking_from_record(record: dict[str, Any]) -> Booking:
    values: dict[str, Any] = {  # a record kept before a field existed gets the field's default
        f.name: record[f.name] for f in fields(Booking) if f.name not in ("messages", "payment") and f.name in record
    }
    values["lines"] = [Line(**each) for each in record.get("lines") or ()]
    values["attendees"] = [AttendeeInput(**each) for each in record.get("attendees") or ()]
    for name in _TIMES:
        values[name] = _time(values.get(name))
    values["status"] = BookingStatus(values["status"])
    payment = record.get("payment")
    if payment is not None:
        # Keys stored before records held whole entities kept only the public fields of the answer.
        payment = {"booking_id": record["id"], "paid_at": record.get("confirmed_at"), "refunded_at": None} | payment
        payment = {f.name: payment.get(f.name) for f in fields(Payment)}  # no extra keys
        for name in _PAYMENT_TIMES:
            payment[name] = _time(payment[name])
        payment["status"] = PaymentStatus(payment["status"])
        values["payment"] = Payment(**payment)
    return Booking(**values)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, datetime):
            out[name] = value.isoformat()
        elif isinstance(value, dict):
            out[name] = _plain(value)
        elif hasattr(value, "value"):  # an enum
            out[name] = value.value
        else:
            out[name] = value
    return out


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
