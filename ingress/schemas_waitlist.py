"""Request and response models of the waiting list (API.md, "Waiting list")."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, Strict

from ingress.schemas import Request
from ingress.schemas_bookings import BookingRead


class WaitlistJoin(Request):
    quantity: Annotated[
        int,
        Strict(),
        Field(ge=1, description="Seats wanted: at most the per-order maximum (10 by default) and the event's limit."),
    ]


class WaitlistEntryRead(BaseModel):
    event_id: str
    quantity: int
    status: Literal["waiting", "offered", "expired", "booked"]
    position: int | None = Field(description="1-based among the entries still waiting; null once offered.")
    offer: BookingRead | None = Field(description="The pending hold made for you (pay it by its `expires_at`).")
