"""The ticket use cases built from the composition root's ports (adapters/bootstrap.py): what the Booking deployment
runs for tickets and the door, and what the in-process services (tests, the in-process server) call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.security import ticket_codes
from domain.checkin import CheckInService
from domain.ticketing import TicketService

if TYPE_CHECKING:  # bootstrap imports this module
    from adapters.bootstrap import Ports


def ticket_service(ports: Ports) -> TicketService:
    return TicketService(uow=ports.uow, read_uow=ports.read_uow)


def checkin_service(ports: Ports) -> CheckInService:
    """Checks codes under the key the Booking deployment issues them with (both derive it from the settings)."""
    return CheckInService(uow=ports.uow, clock=ports.clock, codes=ticket_codes(ports.settings))
