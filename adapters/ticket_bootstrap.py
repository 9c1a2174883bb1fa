"""The ticket use cases built from the composition root's ports (adapters/bootstrap.py): what the Booking deployment
runs for tickets, the door and attendees, what the Catalog deployment runs for ticket types and promo codes, and what
the in-process services (tests, the in-process server) call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.security import ticket_codes
from domain.attendee_editing import AttendeeService
from domain.checkin import CheckInService
from domain.ticket_authoring import TicketAuthoringService
from domain.ticketing import TicketService

if TYPE_CHECKING:  # bootstrap imports this module
    from adapters.bootstrap import Ports


def ticket_service(ports: Ports) -> TicketService:
    return TicketService(uow=ports.uow, read_uow=ports.read_uow)


def checkin_service(ports: Ports) -> CheckInService:
    """Checks codes under the key the Booking deployment issues them with (both derive it from the settings)."""
    return CheckInService(uow=ports.uow, clock=ports.clock, codes=ticket_codes(ports.settings))


def attendee_service(ports: Ports) -> AttendeeService:
    return AttendeeService(uow=ports.uow, clock=ports.clock)


def ticket_authoring_service(ports: Ports) -> TicketAuthoringService:
    return TicketAuthoringService(uow=ports.uow, clock=ports.clock)
