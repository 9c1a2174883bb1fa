"""An event's ticket types and promo codes: /api/events/{id}/ticket-types and /api/events/{id}/promo-codes, for its
organizer (or an admin). A customer hears 403 `forbidden`; another organizer's event, or none, is 404 `not_found`
(someone else's event is not revealed, as on PATCH /api/events/{id}); a cancelled event's types and codes cannot
change (409 `event_cancelled`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from domain.ticket_authoring import PromoCodeDraft, TicketTypeDraft
from ingress.deps import CurrentPrincipal, ResourceId, ServicesDep
from ingress.errors import error_responses
from ingress.schemas import TicketTypeRead
from ingress.schemas_authoring import PromoCodeCreate, PromoCodeList, PromoCodeRead, TicketTypeCreate, TicketTypeUpdate
from ingress.views import promo_code_view, ticket_type_view

router = APIRouter(prefix="/api/events/{id}", tags=["events"])
AUTHORING = (400, 401, 403, 404, 409, 422, 503, 504)


@router.post(
    "/ticket-types",
    status_code=status.HTTP_201_CREATED,
    response_model=TicketTypeRead,
    responses=error_responses(*AUTHORING),
)
async def add_ticket_type(
    id: ResourceId, body: TicketTypeCreate, services: ServicesDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """A new type, after the event's other types. The event's capacity stays the limit over all its types."""
    draft = TicketTypeDraft(**body.model_dump())
    found = await services.authoring.add_ticket_type(principal, event_id=id, draft=draft)
    return ticket_type_view(found.ticket_type, found.event)


@router.patch("/ticket-types/{type_id}", response_model=TicketTypeRead, responses=error_responses(*AUTHORING))
async def update_ticket_type(
    id: ResourceId, type_id: ResourceId, body: TicketTypeUpdate, services: ServicesDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Change the fields given; the quota cannot drop below the seats of the type held or sold (409
    `capacity_below_sold`, with `details.seats_taken`)."""
    found = await services.authoring.update_ticket_type(
        principal, event_id=id, ticket_type_id=type_id, changes=body.changes()
    )
    return ticket_type_view(found.ticket_type, found.event)


@router.post(
    "/promo-codes",
    status_code=status.HTTP_201_CREATED,
    response_model=PromoCodeRead,
    responses=error_responses(*AUTHORING),
)
async def add_promo_code(
    id: ResourceId, body: PromoCodeCreate, services: ServicesDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """A discount code, case-insensitive (shown upper-case); the same code twice on one event is 409
    `promo_code_taken`; `ticket_type_ids` must all be types of this event (422)."""
    scope = frozenset(body.ticket_type_ids) if body.ticket_type_ids is not None else None
    draft = PromoCodeDraft(**body.model_dump(exclude={"ticket_type_ids"}), ticket_type_ids=scope)
    return promo_code_view(await services.authoring.add_promo_code(principal, event_id=id, draft=draft))


@router.get("/promo-codes", response_model=PromoCodeList, responses=error_responses(401, 403, 404, 422, 503, 504))
async def promo_codes(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """The event's codes with their `uses` so far, oldest first."""
    found = await services.authoring.promo_codes(principal, event_id=id)
    return {"items": [promo_code_view(p) for p in found]}
