"""Bookings: /api/bookings/*. Every route needs a token; a user only ever sees their own bookings."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, status

from domain import errors
from domain.attendees import AttendeeInput
from domain.holding import HoldRequest
from domain.paying import PayRequest
from domain.pricing import LineRequest
from ingress.deps import CurrentPrincipal, Cursor, IdempotencyKey, Limit, ResourceId, ServicesDep
from ingress.errors import error_responses
from ingress.schemas_bookings import BookingCreate, BookingPage, BookingRead, PaymentCreate, ReceiptRead
from ingress.services import Services
from ingress.views import booking_view, receipt_view

router = APIRouter(prefix="/api/bookings", tags=["bookings"])
READ = (401, 404, 422, 503, 504)
QueuePass = Annotated[
    str | None,
    Header(alias="Queue-Pass", max_length=1024, description="The pass of an admitted waiting-room entry."),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BookingRead,
    responses=error_responses(400, 401, 403, 404, 409, 422, 429, 503, 504),
)
async def hold(
    body: BookingCreate,
    services: ServicesDep,
    principal: CurrentPrincipal,
    key: IdempotencyKey,
    queue_pass: QueuePass = None,
) -> dict[str, Any]:
    """Hold seats until `expires_at`; the booking is `pending` until paid. A waiting-room event needs `Queue-Pass`."""
    admitted = _admitted(services, queue_pass, principal.user_id, body.event_id)
    request = HoldRequest(
        principal,
        body.event_id,
        body.seats,
        key,
        admitted=admitted,
        lines=tuple(LineRequest(line.ticket_type_id, line.quantity) for line in body.lines or ()),
        promo_code=body.promo_code,
        attendees=tuple(AttendeeInput(a.name, a.email) for a in body.attendees or ()),
    )
    started = time.perf_counter()
    booking = await services.booking.hold(request)
    services.latencies.record("hold", time.perf_counter() - started)
    return booking_view(booking)


def _admitted(services: Services, token: str | None, user_id: str, event_id: str) -> bool:
    """Whether the request carries a valid pass of this user for this event: checked by its signature, no read.
    Whether the event needs one is decided with the seats (domain/holding.py), from the same snapshot."""
    if token is None or services.passes is None:
        return False
    try:
        services.passes.check(token, user_id=user_id, event_id=event_id, now=datetime.now(UTC))
    except errors.QueuePassRequired:
        return False
    return True


@router.post(
    "/{id}/pay",
    response_model=BookingRead,
    responses=error_responses(400, 401, 402, 404, 409, 422, 429, 503, 504),
)
async def pay(
    id: ResourceId, body: PaymentCreate, services: ServicesDep, principal: CurrentPrincipal, key: IdempotencyKey
) -> dict[str, Any]:
    """Charge the card (or Stripe's `payment_method`) and confirm the booking; 402 when declined (it stays pending)."""
    card = (body.card_number or "", body.exp_month or 0, body.exp_year or 0, body.cvc or "")
    request = PayRequest(id, *card, key, body.payment_method or "")
    started = time.perf_counter()
    booking = await services.booking.pay(principal, request)
    services.latencies.record("pay", time.perf_counter() - started)
    return booking_view(booking)


@router.post("/{id}/cancel", response_model=BookingRead, responses=error_responses(*READ, 409))
async def cancel(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """Release the seats; a paid booking is refunded."""
    return booking_view(await services.booking.cancel(principal, booking_id=id))


@router.get("", response_model=BookingPage, responses=error_responses(401, 422, 503, 504))
async def list_bookings(
    services: ServicesDep, principal: CurrentPrincipal, limit: Limit = 20, cursor: Cursor = None
) -> dict[str, Any]:
    """The caller's bookings, newest first."""
    page = await services.booking.list(principal, limit=limit, cursor=cursor)
    return {"items": [booking_view(b) for b in page.items], "next_cursor": page.next_cursor}


@router.get("/{id}", response_model=BookingRead, responses=error_responses(*READ))
async def get_booking(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> dict[str, Any]:
    return booking_view(await services.booking.get(principal, booking_id=id))


@router.get("/{id}/receipt", response_model=ReceiptRead, responses=error_responses(*READ, 409))
async def receipt(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """The receipt of a confirmed booking; 409 otherwise."""
    return receipt_view(await services.booking.receipt(principal, booking_id=id))
