"""The organizer's lists as CSV: attendees (one row per ticket) and orders (one row per booking).

Written with the `csv` module (RFC 4180 quoting, CRLF line ends) so names with commas, quotes, line breaks and any
script come back intact from `csv.reader` or a spreadsheet; the text is meant to be sent as UTF-8 with a header
row (`text/csv; charset=utf-8`). Amounts are integers in minor units and times ISO 8601 in UTC, as in the API, so
nothing is lost to a locale's decimal comma.

Formula injection: a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or a
carriage return) as a formula, and names and e-mails are typed by buyers. Such cells get a leading apostrophe,
which spreadsheets take as "this is text" and do not show; so does a cell that starts with an apostrophe already
(a spreadsheet then shows the one it had). A program reading the file back sees the apostrophe, and
`unescape_cell` takes it off again, exactly. No value the platform writes itself (ids, amounts, times) is touched.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.pricing import Line

MEDIA_TYPE = "text/csv; charset=utf-8"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_STARTS = (*_FORMULA_STARTS, "'")  # an apostrophe already there is escaped too, so unescaping is exact

ATTENDEE_COLUMNS = (
    "booking_id", "ticket_id", "ticket_type_id", "type_name", "attendee_name", "attendee_email", "status",
    "checked_in_at",
)  # fmt: skip
ORDER_COLUMNS = (
    "booking_id", "buyer_name", "buyer_email", "lines", "seats", "promo_code", "discount_cents", "amount_cents",
    "currency", "status", "created_at", "confirmed_at", "cancelled_at",
)  # fmt: skip


@dataclass(frozen=True)
class AttendeeRow:
    booking_id: str
    ticket_id: str
    ticket_type_id: str
    type_name: str
    attendee_name: str
    attendee_email: str | None
    status: str  # valid, checked_in or void
    checked_in_at: datetime | None = None


@dataclass(frozen=True)
class OrderRow:
    booking_id: str
    buyer_name: str
    buyer_email: str
    lines: Sequence[Line]
    promo_code: str | None
    discount_cents: int
    amount_cents: int  # after the discount
    currency: str
    status: str
    created_at: datetime
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None


def safe_cell(value: str) -> str:
    """The value as a spreadsheet may open it: text that would start a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(_ESCAPED_STARTS) else value


def unescape_cell(value: str) -> str:
    """The value `safe_cell` was given (for programs reading an export back)."""
    return value[1:] if value.startswith("'") else value


def _time(at: datetime | None) -> str:
    return "" if at is None else at.isoformat().replace("+00:00", "Z")


def _lines(lines: Sequence[Line]) -> str:
    return "; ".join(f"{line.quantity} x {line.name}" for line in lines)


def _csv(header: Sequence[str], rows: Iterable[Sequence[str | int]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(str(cell)) for cell in row] for row in rows)
    return out.getvalue()


def _attendee(r: AttendeeRow) -> tuple[str | int, ...]:
    return (
        r.booking_id, r.ticket_id, r.ticket_type_id, r.type_name, r.attendee_name, r.attendee_email or "", r.status,
        _time(r.checked_in_at),
    )  # fmt: skip


def _order(r: OrderRow) -> tuple[str | int, ...]:
    seats = sum(line.quantity for line in r.lines)
    return (
        r.booking_id, r.buyer_name, r.buyer_email, _lines(r.lines), seats, r.promo_code or "", r.discount_cents,
        r.amount_cents, r.currency, r.status, _time(r.created_at), _time(r.confirmed_at), _time(r.cancelled_at),
    )  # fmt: skip


def attendees_csv(rows: Iterable[AttendeeRow]) -> str:
    """One row per ticket, under `ATTENDEE_COLUMNS`."""
    return _csv(ATTENDEE_COLUMNS, map(_attendee, rows))


def orders_csv(rows: Iterable[OrderRow]) -> str:
    """One row per booking, under `ORDER_COLUMNS`; `lines` reads "2 x VIP; 1 x General admission"."""
    return _csv(ORDER_COLUMNS, map(_order, rows))
