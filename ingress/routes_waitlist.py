"""Waiting lists of sold-out events: /api/events/{id}/waitlist (join, read, leave). Every route needs a token; a
user only ever sees their own entry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from domain.waitlist import WaitlistView
from ingress.deps import CurrentPrincipal, ResourceId, ServicesDep
from ingress.errors import error_responses
from ingress.schemas_waitlist import WaitlistEntryRead, WaitlistJoin
from ingress.views import booking_view

router = APIRouter(prefix="/api/events/{id}/waitlist", tags=["waitlist"])
READ = (401, 404, 422, 503, 504)


def waitlist_view(view: WaitlistView) -> dict[str, Any]:
    return {
        "event_id": view.entry.event_id,
        "quantity": view.entry.quantity,
        "status": view.status.value,
        "position": view.position,
        "offer": None if view.offer is None else booking_view(view.offer),
    }


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WaitlistEntryRead,
    responses={
        **error_responses(400, *READ, 409),
        200: {"model": WaitlistEntryRead, "description": "On the list already: that entry"},
    },
)
async def join(
    id: ResourceId, body: WaitlistJoin, services: ServicesDep, principal: CurrentPrincipal, response: Response
) -> dict[str, Any]:
    """Wait for seats of a sold-out event (409 `seats_available` while enough are on sale); joining again answers
    the entry already there (200). Seats that come back are held for the first entries that fit, in order."""
    joined = await services.booking.waitlist_join(principal, event_id=id, quantity=body.quantity)
    if not joined.created:
        response.status_code = status.HTTP_200_OK
    return waitlist_view(joined.view)


@router.get("", response_model=WaitlistEntryRead, responses=error_responses(*READ))
async def get_entry(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """The caller's entry; 404 if they are not on the list."""
    return waitlist_view(await services.booking.waitlist_get(principal, event_id=id))


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 422, 503, 504))
async def leave(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> Response:
    """Leave the list (done if not on it); an unpaid offer is cancelled, so its seats pass to the next entries."""
    await services.booking.waitlist_leave(principal, event_id=id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
