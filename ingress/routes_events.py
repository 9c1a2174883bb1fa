"""The catalog: /api/events/* (public browsing, organizer editing) and the organizer's sales view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from domain.catalog import EventDraft
from domain.model import EventStatus
from domain.ports import EventFilter
from ingress.deps import CurrentPrincipal, Cursor, Limit, OptionalPrincipal, ResourceId, ServicesDep
from ingress.errors import error_responses
from ingress.schemas import (
    NO_NUL,
    EventCreate,
    EventPage,
    EventRead,
    EventUpdate,
    OrganizerEventPage,
    UtcDatetime,
)
from ingress.views import event_view, sales_view

router = APIRouter(tags=["events"])
Filter = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]
AUTHORING = (400, 401, 403, 404, 409, 422, 503, 504)


@router.get("/api/events", response_model=EventPage, responses=error_responses(422, 503, 504))
async def list_events(
    services: ServicesDep,
    q: Filter = None,
    category: Filter = None,
    venue: Filter = None,
    starts_after: Annotated[UtcDatetime | None, Query(description="ISO-8601; without a zone, UTC")] = None,
    starts_before: Annotated[UtcDatetime | None, Query(description="ISO-8601; without a zone, UTC")] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Published events, soonest first."""
    flt = EventFilter(q=q, category=category, venue=venue, starts_after=starts_after, starts_before=starts_before)
    page = await services.catalog.list_events(flt, limit=limit, cursor=cursor)
    return {"items": [event_view(e) for e in page.items], "next_cursor": page.next_cursor}


@router.get("/api/events/{id}", response_model=EventRead, responses=error_responses(404, 422, 503, 504))
async def get_event(id: ResourceId, services: ServicesDep, viewer: OptionalPrincipal) -> dict[str, Any]:
    return event_view(await services.catalog.get_event(id, viewer=viewer))


@router.post(
    "/api/events",
    status_code=status.HTTP_201_CREATED,
    response_model=EventRead,
    responses=error_responses(400, 401, 403, 422, 503, 504),
)
async def create_event(body: EventCreate, services: ServicesDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """Organizers and admins; published unless `"status": "draft"` is given."""
    draft = EventDraft(**{**body.model_dump(), "status": EventStatus(body.status)})
    return event_view(await services.catalog.create_event(principal, draft))


@router.patch("/api/events/{id}", response_model=EventRead, responses=error_responses(*AUTHORING))
async def update_event(
    id: ResourceId, body: EventUpdate, services: ServicesDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Its organizer or an admin; capacity cannot drop below the seats sold or held (409)."""
    return event_view(await services.catalog.update_event(principal, id, body.changes()))


@router.post("/api/events/{id}/cancel", response_model=EventRead, responses=error_responses(*AUTHORING))
async def cancel_event(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """Its organizer or an admin: pending holds are released, confirmed bookings refunded."""
    return event_view(await services.catalog.cancel_event(principal, id))


@router.get(
    "/api/organizer/events",
    response_model=OrganizerEventPage,
    responses=error_responses(401, 403, 422, 503, 504),
    tags=["organizer"],
)
async def organizer_events(
    services: ServicesDep, principal: CurrentPrincipal, limit: Limit = 20, cursor: Cursor = None
) -> dict[str, Any]:
    """The organizer's events (every event for an admin) with seats sold and revenue, newest first."""
    page = await services.catalog.organizer_events(principal, limit=limit, cursor=cursor)
    return {"items": [sales_view(s) for s in page.items], "next_cursor": page.next_cursor}
