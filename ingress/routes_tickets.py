"""A buyer's tickets: /api/bookings/{id}/tickets (and .pdf), /api/tickets/{id}/qr.svg. Every route needs a token;
a booking's tickets are its owner's alone (anyone else: 404, as for the booking), a ticket's QR code its owner's
and its event's organizer's.

The QR codes and the PDF are drawn here, in the Api replica (adapters/ticket_render.py, in a worker thread): the
Booking deployment answers with the tickets only, so its replicas spend no CPU on drawing while they decide holds.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from adapters.ticket_render import qr_svg, render_tickets_pdf
from ingress.deps import CurrentPrincipal, ResourceId, ServicesDep
from ingress.errors import error_responses
from ingress.schemas_tickets import TicketList
from ingress.views import ticket_view

router = APIRouter(tags=["tickets"])
READ = (401, 404, 422, 503, 504)
PRIVATE = {"Cache-Control": "private, no-store"}  # a ticket admits whoever holds it: no shared cache keeps one


@router.get("/api/bookings/{id}/tickets", response_model=TicketList, responses=error_responses(*READ, 409))
async def booking_tickets(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """One ticket per seat of a confirmed booking (void once it is cancelled); 409 before it is confirmed."""
    found = await services.tickets.of_booking(principal, booking_id=id)
    return {"items": [ticket_view(t) for t in found.tickets]}


@router.get(
    "/api/bookings/{id}/tickets.pdf",
    response_class=Response,
    responses={**error_responses(*READ, 409), 200: {"content": {"application/pdf": {}}, "description": "The PDF"}},
)
async def tickets_pdf(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> Response:
    """The booking's tickets to print: one page each with the event, type, attendee and QR code (void ones left out;
    409 `ticket_void` when all are)."""
    found = await services.tickets.of_booking(principal, booking_id=id)
    pdf = await render_tickets_pdf(found.event, found.printable())
    disposition = {"Content-Disposition": f'inline; filename="tickets-{id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=PRIVATE | disposition)


@router.get(
    "/api/tickets/{id}/qr.svg",
    response_class=Response,
    responses={**error_responses(*READ), 200: {"content": {"image/svg+xml": {}}, "description": "The code's QR code"}},
)
async def ticket_qr(id: ResourceId, services: ServicesDep, principal: CurrentPrincipal) -> Response:
    """The ticket's QR code, for its owner or its event's organizer."""
    ticket = await services.tickets.ticket(principal, ticket_id=id)
    return Response(qr_svg(ticket.code), media_type="image/svg+xml", headers=PRIVATE)
