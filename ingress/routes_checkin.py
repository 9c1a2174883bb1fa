"""The door of an event: /api/events/{id}/check-ins (scan a code, the counts) and /api/events/{id}/staff (name who
may scan). The event's organizer (or an admin) and the staff they named may scan and see the counts; only the
organizer names staff. Someone else hears 403 `forbidden` (a published event is public), a draft of someone else's
or an unknown event 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from ingress.deps import CurrentPrincipal, ResourceId, ServicesDep
from ingress.errors import error_responses
from ingress.schemas_tickets import CheckInCreate, CheckInRead, CheckInStatsRead, StaffCreate, StaffRead
from ingress.views import stats_view, ticket_view

router = APIRouter(prefix="/api/events/{id}", tags=["check-in"])
DOOR = (401, 403, 404, 422, 503, 504)


@router.post("/check-ins", response_model=CheckInRead, responses=error_responses(400, *DOOR, 409))
async def check_in(id: ResourceId, body: CheckInCreate, services: ServicesDep, principal: CurrentPrincipal) -> Any:
    """Admit a ticket: `ok` the first time; 409 `already_checked_in` (with `details.checked_in_at`) after that, 409
    `ticket_void` for a cancelled one, 404 `unknown_ticket` for a forged or mistyped code or another event's. Two
    gates scanning one code at the same instant: exactly one hears `ok`."""
    ticket = await services.checkin.check_in(principal, event_id=id, code=body.code)
    return {"result": "ok", "ticket": ticket_view(ticket)}


@router.get("/check-ins/stats", response_model=CheckInStatsRead, responses=error_responses(*DOOR))
async def check_in_stats(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """Tickets that are not void, and how many are checked in: over the event and per type, in the types' order."""
    return stats_view(await services.checkin.stats(principal, event_id=id))


@router.post(
    "/staff", status_code=status.HTTP_201_CREATED, response_model=StaffRead, responses=error_responses(400, *DOOR)
)
async def add_staff(id: ResourceId, body: StaffCreate, services: ServicesDep, principal: CurrentPrincipal) -> Any:
    """Let the account with this e-mail check in this event's tickets, and no other event's (naming it again changes
    nothing); 404 when no account has the e-mail."""
    member = await services.checkin.add_staff(principal, event_id=id, email=body.email)
    return {"event_id": member.event_id, "user_id": member.user_id, "email": member.email}
