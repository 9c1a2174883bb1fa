"""CSV exports: what goes in comes back out of `csv.reader`, and nothing in them runs as a spreadsheet formula."""

import csv
import io
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.exports import (
    ATTENDEE_COLUMNS,
    ORDER_COLUMNS,
    AttendeeRow,
    OrderRow,
    attendees_csv,
    orders_csv,
    safe_cell,
    unescape_cell,
)
from domain.pricing import Line

AT = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)
AWKWARD_NAMES = ['Smith, "Jo" Ann', "Line\nbreak", "Zoë Łukasiewicz", "李小龍", "محمد", "Ωμέγα", "emoji 🎟️", "a\r\nb"]


def parse(text: str) -> list[list[str]]:
    # As a client would: the UTF-8 bytes decoded, then csv.reader with newline="" semantics.
    return list(csv.reader(io.StringIO(text.encode("utf-8").decode("utf-8"), newline="")))


def attendee_row(name: str = "Ada", **fields: object) -> AttendeeRow:
    values: dict = {
        "booking_id": "b1", "ticket_id": "t1", "ticket_type_id": "vip", "type_name": "VIP", "attendee_name": name,
        "attendee_email": "ada@example.com", "status": "valid", "checked_in_at": None,
    } | fields  # fmt: skip
    return AttendeeRow(**values)


def order_row(**fields: object) -> OrderRow:
    values: dict = {
        "booking_id": "b1", "buyer_name": "Ada Buyer", "buyer_email": "ada@example.com",
        "lines": [Line("vip", "VIP", 1, 5000), Line("ga", "General admission", 2, 2000)], "promo_code": "SUMMER",
        "discount_cents": 900, "amount_cents": 8100, "currency": "EUR", "status": "confirmed", "created_at": AT,
    } | fields  # fmt: skip
    return OrderRow(**values)


def test_the_attendees_export_has_a_header_and_one_row_per_ticket() -> None:
    rows = parse(attendees_csv([attendee_row(), attendee_row("Bob", attendee_email=None, checked_in_at=AT)]))

    assert rows[0] == list(ATTENDEE_COLUMNS)
    assert rows[1] == ["b1", "t1", "vip", "VIP", "Ada", "ada@example.com", "valid", ""]
    assert rows[2] == ["b1", "t1", "vip", "VIP", "Bob", "", "valid", "2030-06-15T12:00:00Z"]


def test_the_orders_export_has_lines_discount_amount_currency_status_and_times() -> None:
    rows = parse(orders_csv([order_row(confirmed_at=AT)]))

    assert rows[0] == list(ORDER_COLUMNS)
    assert dict(zip(rows[0], rows[1], strict=True)) == {
        "booking_id": "b1", "buyer_name": "Ada Buyer", "buyer_email": "ada@example.com",
        "lines": "1 x VIP; 2 x General admission", "seats": "3", "promo_code": "SUMMER", "discount_cents": "900",
        "amount_cents": "8100", "currency": "EUR", "status": "confirmed", "created_at": "2030-06-15T12:00:00Z",
        "confirmed_at": "2030-06-15T12:00:00Z", "cancelled_at": "",
    }  # fmt: skip


def test_an_export_of_nothing_is_just_the_header() -> None:
    assert parse(attendees_csv([])) == [list(ATTENDEE_COLUMNS)]
    assert orders_csv([]) == ",".join(ORDER_COLUMNS) + "\r\n"


@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_names_with_commas_quotes_newlines_and_any_script_survive_a_round_trip(name: str) -> None:
    attendees = parse(attendees_csv([attendee_row(name)]))
    orders = parse(orders_csv([order_row(buyer_name=name, lines=[Line("x", name, 1, 100)])]))

    assert attendees[1][ATTENDEE_COLUMNS.index("attendee_name")] == name
    assert orders[1][ORDER_COLUMNS.index("buyer_name")] == name
    assert orders[1][ORDER_COLUMNS.index("lines")] == f"1 x {name}"


@given(st.lists(st.text(min_size=1), min_size=1, max_size=5))
def test_any_text_survives_a_round_trip_once_unescaped(names: list[str]) -> None:
    rows = parse(attendees_csv([attendee_row(name, attendee_email=name) for name in names]))

    assert len(rows) == len(names) + 1
    column = ATTENDEE_COLUMNS.index("attendee_name")
    assert [unescape_cell(row[column]) for row in rows[1:]] == names
    assert [unescape_cell(row[column + 1]) for row in rows[1:]] == names


@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", "'quoted"])
def test_cells_that_would_start_a_formula_get_a_leading_apostrophe(value: str) -> None:
    rows = parse(attendees_csv([attendee_row(value, attendee_email=value, type_name=value)]))

    assert rows[1][ATTENDEE_COLUMNS.index("attendee_name")] == "'" + value
    assert rows[1][ATTENDEE_COLUMNS.index("attendee_email")] == "'" + value
    assert rows[1][ATTENDEE_COLUMNS.index("type_name")] == "'" + value


@pytest.mark.parametrize("value", ["Ada", "O'Brien", "1+1", "ada@example.com", "", "2030-06-15T12:00:00Z"])
def test_ordinary_values_are_left_alone(value: str) -> None:
    assert safe_cell(value) == value
    assert unescape_cell(value) == value


def test_the_lines_cell_of_an_order_is_guarded_too() -> None:
    rows = parse(orders_csv([order_row(lines=[Line("x", "=cmd|' /C calc'!A0", 1, 100)])]))

    assert rows[1][ORDER_COLUMNS.index("lines")] == "1 x =cmd|' /C calc'!A0"  # starts with a digit: harmless
    assert parse(orders_csv([order_row(buyer_email="=1+1")]))[1][ORDER_COLUMNS.index("buyer_email")] == "'=1+1"


def test_rows_end_with_crlf_and_the_text_encodes_as_utf_8() -> None:
    text = attendees_csv([attendee_row("李小龍")])

    assert text.endswith("\r\n")
    assert "李小龍".encode() in text.encode("utf-8")
