"""The names on a booking's tickets, rewritten when its buyer renames the seats (domain/attendee_editing.py decides
which ticket carries which seat). One executemany UPDATE for all of them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, update

from adapters.db.base import Repository
from adapters.db.ticket_tables import tickets
from domain.ticket_ports import TicketRename
from domain.tickets import TicketStatus

RENAME = (
    update(tickets)
    .where(
        tickets.c.id == bindparam("ticket_id"),
        tickets.c.booking_id == bindparam("of_booking"),
        tickets.c.status != TicketStatus.VOID.value,  # a void ticket admits nobody: its name stays as it was
    )
    .values(attendee_name=bindparam("name"), attendee_email=bindparam("email"))
)


class SqlTicketNameRepository(Repository):
    async def rename(self, booking_id: str, renames: Sequence[TicketRename]) -> None:
        rows = [
            {"ticket_id": r.ticket_id, "of_booking": booking_id, "name": r.attendee.name, "email": r.attendee.email}
            for r in renames
        ]
        if rows:
            await self._conn.execute(RENAME, rows)
