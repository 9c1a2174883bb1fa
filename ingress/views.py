"""What users see of an entity: the JSON-ready shapes of the HTTP contract, made in this one place."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.accounts import User
from domain.booking import Receipt
from domain.catalog import EventSales
from domain.model import Booking, Event
from domain.pricing import PromoCode, TicketType, lowest_price_on_sale
from domain.ticket_types import available
from domain.tickets import CheckInStats, Ticket


def iso(at: datetime | None) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at is not None else None


def user_view(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role.value}


def event_view(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "title": event.title,
        "description": event.description,
        "category": event.category,
        "venue": event.venue,
        "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at),
        "capacity": event.capacity,
        "seats_available": event.seats_available,
        "price_cents": _lowest_price(event),
        "currency": event.currency,
        "status": event.status.value,
        "organizer_id": event.organizer_id,
        "sale_starts_at": iso(event.sale_starts_at) if event.sale_starts_at else None,
        "max_per_buyer": event.max_per_buyer,
        "waiting_room": event.waiting_room,
        "ticket_types": [ticket_type_view(t, event) for t in event.ticket_types],
    }


def _lowest_price(event: Event) -> int:
    """The lowest price on sale now; the event's own while no type is on sale (sold out, or before its types' sales)."""
    lowest = lowest_price_on_sale(event.ticket_types, datetime.now(UTC))
    return event.price_cents if lowest is None else lowest


def ticket_type_view(ticket_type: TicketType, event: Event) -> dict[str, Any]:
    return {
        "id": ticket_type.id,
        "name": ticket_type.name,
        "price_cents": ticket_type.price_cents,
        "quota": ticket_type.quota,
        "available": available(ticket_type, event),
        "sales_start": iso(ticket_type.sales_start),
        "sales_end": iso(ticket_type.sales_end),
        "max_per_order": ticket_type.max_per_order,
    }


def promo_code_view(promo: PromoCode) -> dict[str, Any]:
    return {
        "id": promo.id,
        "code": promo.code,
        "percent_off": promo.percent_off,
        "amount_off_cents": promo.amount_off_cents,
        "max_uses": promo.max_uses,
        "uses": promo.uses,
        "valid_until": iso(promo.valid_until),
        "ticket_type_ids": sorted(promo.ticket_type_ids) if promo.ticket_type_ids is not None else None,
    }


def ticket_view(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "booking_id": ticket.booking_id,
        "event_id": ticket.event_id,
        "ticket_type_id": ticket.ticket_type_id,
        "type_name": ticket.type_name,
        "attendee_name": ticket.attendee_name,
        "code": ticket.code,
        "status": ticket.status.value,
        "checked_in_at": iso(ticket.checked_in_at),
    }


def stats_view(stats: CheckInStats) -> dict[str, Any]:
    by_type = [
        {"ticket_type_id": count.ticket_type_id, "total": count.total, "checked_in": count.checked_in}
        for count in stats.by_type
    ]
    return {"total": stats.total, "checked_in": stats.checked_in, "by_type": by_type}


def booking_view(booking: Booking) -> dict[str, Any]:
    payment = booking.payment
    return {
        "id": booking.id,
        "event_id": booking.event_id,
        "user_id": booking.user_id,
        "quantity": booking.quantity,
        "status": booking.status.value,
        "amount_cents": booking.amount_cents,
        "currency": booking.currency,
        "created_at": iso(booking.created_at),
        "expires_at": iso(booking.expires_at),
        "confirmed_at": iso(booking.confirmed_at),
        "cancelled_at": iso(booking.cancelled_at),
        "payment": None
        if payment is None
        else {
            "id": payment.id,
            "status": payment.status.value,
            "reference": payment.reference,
            "amount_cents": payment.amount_cents,
            "currency": payment.currency,
            "card_last4": payment.card_last4,
        },
        "lines": [line.plain() for line in booking.lines],
        "discount_cents": booking.discount_cents,
        "promo_code": booking.promo_code,
        "attendees": [a.plain() for a in booking.attendees],
    }


def receipt_view(receipt: Receipt) -> dict[str, Any]:
    booking, event = receipt.booking, receipt.event
    assert booking.payment is not None and booking.receipt_number is not None
    return {
        "booking_id": booking.id,
        "event": event_view(event),
        "quantity": booking.quantity,
        "amount_cents": booking.amount_cents,
        "currency": booking.currency,
        "paid_at": iso(booking.payment.paid_at),
        "payment_reference": booking.payment.reference,
        "receipt_number": booking.receipt_number,
    }


def sales_view(sales: EventSales) -> dict[str, Any]:
    return {"event": event_view(sales.event), "seats_sold": sales.seats_sold, "revenue_cents": sales.revenue_cents}
