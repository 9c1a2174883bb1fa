"""The organizer's lists of an event as CSV: /api/organizer/events/{id}/attendees.csv (one row per ticket) and
/orders.csv (one row per booking). UTF-8 with a header row, written by domain/exports.py (names with commas, quotes,
line breaks or any script come back intact from `csv.reader` or a spreadsheet). Its organizer or an admin only:
anyone else 403, an unknown event (or someone else's draft) 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from domain.exports import MEDIA_TYPE
from ingress.deps import CurrentPrincipal, ResourceId, ServicesDep
from ingress.errors import error_responses

router = APIRouter(prefix="/api/organizer/events/{id}", tags=["organizer"])
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "UTF-8, a header row, RFC 4180 quoting"}
}
ORGANIZER = (401, 403, 404, 422, 503, 504)


def _csv(text: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"}
    return Response(text.encode("utf-8"), media_type=MEDIA_TYPE, headers=headers)


@router.get("/attendees.csv", response_class=Response, responses={**error_responses(*ORGANIZER), **CSV})
async def attendees_csv(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> Response:
    """One row per ticket: booking, type, attendee name and e-mail, status, checked-in time (void tickets too)."""
    return _csv(await services.tickets.attendees_csv(principal, event_id=id), f"attendees-{id}.csv")


@router.get("/orders.csv", response_class=Response, responses={**error_responses(*ORGANIZER), **CSV})
async def orders_csv(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> Response:
    """One row per booking, whatever became of it: buyer, lines, discount, amount, currency, status, times."""
    return _csv(await services.tickets.orders_csv(principal, event_id=id), f"orders-{id}.csv")
