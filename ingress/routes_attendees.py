"""Who sits on a booking's seats: PUT /api/bookings/{id}/attendees. An extension of the contract (API.md names the
attendees of a hold, not a way to change them): the buyer renames their seats until the event starts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from domain.attendees import AttendeeInput
from ingress.deps import CurrentPrincipal, ResourceId, ServicesDep
from ingress.errors import error_responses
from ingress.schemas_authoring import AttendeesUpdate
from ingress.schemas_bookings import BookingRead
from ingress.views import booking_view

router = APIRouter(prefix="/api/bookings", tags=["bookings"])


@router.put("/{id}/attendees", response_model=BookingRead, responses=error_responses(400, 401, 404, 409, 422, 503, 504))
async def edit_attendees(
    id: ResourceId, body: AttendeesUpdate, services: ServicesDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """The owner renames the seats of a pending or confirmed booking (an API extension): exactly one entry per seat
    (422 otherwise), an entry without a name keeps that seat as it is; a confirmed booking's tickets are renamed
    with it. 409 `booking_not_pending` for a cancelled booking, `hold_expired` for an expired hold,
    `payment_in_progress` while its payment runs (retry shortly), `conflict` once the event started;
    someone else's booking is 404. Answers the booking as GET /api/bookings/{id} does."""
    entries = [AttendeeInput(entry.name, entry.email) for entry in body.attendees]
    return booking_view(await services.attendees.edit(principal, booking_id=id, attendees=entries))
