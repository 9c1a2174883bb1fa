"""Request and response models of tickets and check-in (API.md, "Ticket types, promo codes, tickets and check-in")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from ingress.schemas import EMAIL_PATTERN, Request, text

TicketStatus = Literal["valid", "checked_in", "void"]


class TicketRead(BaseModel):
    id: str
    booking_id: str
    event_id: str
    ticket_type_id: str
    type_name: str
    attendee_name: str
    code: str = Field(description="What the QR code carries; the platform verifies it without trusting the scanner.")
    status: TicketStatus
    checked_in_at: datetime | None


class TicketList(BaseModel):
    items: list[TicketRead]


class CheckInCreate(Request):
    # A code is 42 characters; a person typing it from the paper ticket may add the spaces it is printed with.
    code: Annotated[str, text(128, 1)] = Field(description="The ticket's code as scanned or typed (any case, spaces).")


class CheckInRead(BaseModel):
    result: Literal["ok"]
    ticket: TicketRead


class StaffCreate(Request):
    email: Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)] = Field(
        description="The account to name check-in staff of this event: it must have signed up."
    )


class StaffRead(BaseModel):
    event_id: str
    user_id: str
    email: str


class TypeStatsRead(BaseModel):
    ticket_type_id: str
    total: int = Field(description="Tickets of this type that are not void.")
    checked_in: int


class CheckInStatsRead(BaseModel):
    total: int = Field(description="Tickets of the event that are not void.")
    checked_in: int
    by_type: list[TypeStatsRead]
