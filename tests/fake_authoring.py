"""The in-memory promo-code and ticket-name repositories: the documented semantics of domain/ticket_ports.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from domain.pricing import PromoCode
from domain.ticket_ports import TicketRename
from domain.tickets import Ticket, TicketStatus
from tests.fake_repositories import _Repository
from tests.fake_tickets import PromoRow


class FakePromoCodeRepository(_Repository):
    table = "promo_codes"

    async def add(self, event_id: str, promo: PromoCode, created_at: datetime) -> bool:
        await self._tick()
        await self._uow.lock(self.table, (event_id, promo.code))  # the unique index: a racing twin waits, then sees it
        if any(r.event_id == event_id and r.promo.code == promo.code for r in self._uow.rows(self.table)):
            return False
        self._uow.write(self.table, promo.id, PromoRow(event_id, promo))
        return True

    async def for_event(self, event_id: str) -> list[PromoCode]:
        await self._tick()
        # The store's tables keep the order rows were first written in: creation order, as `created_at` would give.
        return [r.promo for r in self._uow.rows(self.table) if r.event_id == event_id]


class FakeTicketNameRepository(_Repository):
    table = "tickets"

    async def rename(self, booking_id: str, renames: Sequence[TicketRename]) -> None:
        await self._tick()
        for rename in renames:
            ticket: Ticket | None = self._uow.read(self.table, rename.ticket_id)
            if ticket is None or ticket.booking_id != booking_id or ticket.status is TicketStatus.VOID:
                continue  # the UPDATE's WHERE finds no such row
            who = rename.attendee
            self._uow.write(self.table, ticket.id, replace(ticket, attendee_name=who.name, attendee_email=who.email))
