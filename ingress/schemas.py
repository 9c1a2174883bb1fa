"""Request and response models of the HTTP contract (API.md), for validation and the OpenAPI document."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
)

from domain.times import to_utc

# Strings reach the database: refuse NUL, which PostgreSQL cannot store.
NO_NUL = r"^[^\x00]*$"
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
EMAIL_PATTERN = r"^\s*[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+\s*$"  # the domain's rule, for the OpenAPI document
CURSOR_PATTERN = r"^[A-Za-z0-9_-]*$"  # url-safe base64


def text(max_length: int, min_length: int = 0) -> Any:
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=NO_NUL)


ISO_DATETIME = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]"
    r"(:[0-5][0-9](\.[0-9]{1,6})?)?([Zz]|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?$"
)


def parse_time(value: Any) -> Any:
    """ISO-8601 only (pydantic alone would also take a number as a Unix time); without a zone, UTC.

    The answer is in UTC, and one the database can keep (domain/times.py): 9999-12-31T23:59:59-23:59 is year 10000
    in UTC, a 422."""
    if isinstance(value, datetime):
        at = value
    elif isinstance(value, str) and re.fullmatch(ISO_DATETIME, value):
        at = datetime.fromisoformat(value.upper().replace(" ", "T"))
    else:
        raise ValueError("An ISO-8601 date and time, such as 2030-05-01T20:00:00Z.")
    return to_utc(at)  # its OutOfRange is a ValueError: pydantic's 422


UtcDatetime = Annotated[
    datetime,
    BeforeValidator(parse_time),
    WithJsonSchema({"type": "string", "pattern": ISO_DATETIME, "description": "ISO-8601; without a zone, UTC."}),
]
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Role = Literal["customer", "organizer", "admin"]
EventStatus = Literal["draft", "published", "cancelled"]
Currency = Annotated[str, StringConstraints(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")]
# Bounds that keep amounts inside the database's integer columns (price × 10 seats < 2^31).
MAX_PRICE_CENTS = 100_000_000
MAX_CAPACITY = 1_000_000


class Request(BaseModel):
    """A request body: no unknown fields; its numbers are strict JSON integers (`Strict()`: "2", true, 2.0 are 422)."""

    model_config = ConfigDict(extra="forbid")


# Auth
class UserCreate(Request):
    email: Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)]
    password: Annotated[str, text(256, 8)]
    name: Annotated[str, text(200, 1)]


class LoginRequest(Request):
    email: Annotated[str, text(254)]
    password: Annotated[str, text(256)]


class RefreshRequest(Request):
    refresh_token: Annotated[str, text(512, 1)]


class LogoutRequest(Request):
    refresh_token: Annotated[str, text(512, 1)] | None = None


class UserRead(BaseModel):
    id: str
    email: str
    name: str
    role: Role


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(description="Lifetime of the access token in seconds.")
    refresh_token: str


# Catalog
MaxPerBuyer = Annotated[int, Strict(), Field(ge=1, le=MAX_CAPACITY)]
NULLABLE_RULES = ("sale_starts_at", "max_per_buyer")  # on PATCH, null means "none" for these, not "unchanged"


class EventCreate(Request):
    title: Annotated[str, text(200, 1)]
    description: Annotated[str, text(10_000)] = ""
    category: Annotated[str, text(100)] = ""
    venue: Annotated[str, text(200)] = ""
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    capacity: Annotated[int, Strict(), Field(ge=1, le=MAX_CAPACITY)]
    price_cents: Annotated[int, Strict(), Field(ge=0, le=MAX_PRICE_CENTS)]
    currency: Currency
    status: Literal["draft", "published"] = "published"
    sale_starts_at: UtcDatetime | None = Field(None, description="When holds open; null: on sale now.")
    max_per_buyer: MaxPerBuyer | None = Field(None, description="Seats one buyer may hold or own; null: no limit.")
    waiting_room: StrictBool = Field(False, description="Buyers queue first; holds need a `Queue-Pass`.")


class EventUpdate(Request):
    """Only the fields given change; null means "leave as it is"."""

    title: Annotated[str, text(200, 1)] | None = None
    description: Annotated[str, text(10_000)] | None = None
    category: Annotated[str, text(100)] | None = None
    venue: Annotated[str, text(200)] | None = None
    starts_at: UtcDatetime | None = None
    ends_at: UtcDatetime | None = None
    capacity: Annotated[int, Strict(), Field(ge=1, le=MAX_CAPACITY)] | None = None
    price_cents: Annotated[int, Strict(), Field(ge=0, le=MAX_PRICE_CENTS)] | None = None
    currency: Currency | None = None
    status: Literal["draft", "published"] | None = None
    sale_starts_at: UtcDatetime | None = Field(None, description="null: on sale now.")
    max_per_buyer: MaxPerBuyer | None = Field(None, description="null: no limit.")
    waiting_room: StrictBool | None = None

    def changes(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True)
        cleared = {name: None for name in NULLABLE_RULES if name in given and given[name] is None}  # null clears
        return self.model_dump(exclude_unset=True, exclude_none=True) | cleared


class TicketTypeRead(BaseModel):
    id: str
    name: str
    price_cents: int
    quota: int
    available: int = Field(description="Seats of this type on sale now: never more than the event's seats_available.")
    sales_start: datetime | None = Field(description="null: on sale whenever the event is.")
    sales_end: datetime | None = Field(description="Exclusive; null: until the event ends.")
    max_per_order: int | None = Field(description="null: only the platform's per-order maximum.")


class EventRead(BaseModel):
    id: str
    title: str
    description: str
    category: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_available: int
    price_cents: int
    currency: str
    status: EventStatus
    organizer_id: str
    sale_starts_at: datetime | None = None
    max_per_buyer: int | None = None
    waiting_room: bool = False
    ticket_types: list[TicketTypeRead] = Field(
        default_factory=list, description="In order: the first is what `{event_id, quantity}` books."
    )


class EventPage(BaseModel):
    items: list[EventRead]
    next_cursor: str | None


class OrganizerEventRead(BaseModel):
    event: EventRead
    seats_sold: int
    revenue_cents: int


class OrganizerEventPage(BaseModel):
    items: list[OrganizerEventRead]
    next_cursor: str | None


# Bookings
class ErrorDetail(BaseModel):
    code: str = Field(examples=["sold_out"])
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    error: ErrorDetail


class HealthRead(BaseModel):
    status: Literal["ok", "degraded", "down"]
    checks: dict[str, Literal["ok", "degraded", "down", "disabled"]]
