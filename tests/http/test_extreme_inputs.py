"""The security review's requests at the edges of the inputs (issue 14, findings 1 and 12), sent as it sent them."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.http import sqlite_support
from tests.http.conftest import Headers, assert_error, card, event_body
from tests.http.sqlite_support import SqlApp

migrated_sqlite = sqlite_support.migrated_sqlite
sql_app = sqlite_support.sql_app

LATE = "9999-12-31T23:59:59-23:59"  # year 10000 in UTC
EARLY = "0001-01-01T00:00:00+23:59"  # year 0 in UTC
EDGE_QUERIES = ["starts_after=9999-12-31T23:59:59-23:59", "starts_before=0001-01-01T00:00:00%2B23:59"]


def cursor_at(at: str, row_id: str = "x") -> str:
    """A cursor shaped like the platform's own (domain/pagination.py), naming the time `at`."""
    return base64.urlsafe_b64encode(json.dumps([at, row_id]).encode()).decode().rstrip("=")


def assert_field_invalid(answer: Any, field: str) -> None:
    assert field in assert_error(answer, 422, "validation_error")["details"]["fields"], answer.text


# Finding 1 — on the real SQL adapters, where the conversion to UTC overflowed (500); and on the fakes.


@pytest.mark.parametrize("query", EDGE_QUERIES)
def test_a_listing_filter_beyond_the_years_utc_can_hold_is_a_validation_error(sql_app: SqlApp, query: str) -> None:
    assert_field_invalid(sql_app.client.get(f"/api/events?{query}"), query.split("=")[0])


@pytest.mark.parametrize("at", [LATE, EARLY, "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
@pytest.mark.parametrize("path", ["/api/events", "/api/bookings", "/api/organizer/events"])
def test_a_cursor_that_names_a_time_beyond_the_storable_range_is_refused_like_any_forged_cursor(
    sql_app: SqlApp, path: str, at: str
) -> None:
    headers = sql_app.organizer()
    answer = sql_app.client.get(path, params={"cursor": cursor_at(at)}, headers=headers)
    assert assert_error(answer, 422, "validation_error")["details"] == {"fields": {"cursor": "invalid"}}


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
@pytest.mark.parametrize("at", [LATE, EARLY])
def test_an_event_starting_or_ending_beyond_the_years_utc_can_hold_is_a_validation_error(
    sql_app: SqlApp, field: str, at: str
) -> None:
    headers = sql_app.organizer()
    assert_field_invalid(sql_app.client.post("/api/events", json=event_body(**{field: at}), headers=headers), field)
    created = sql_app.client.post("/api/events", json=event_body(), headers=headers)
    assert created.status_code == 201, created.text
    patched = sql_app.client.patch(f"/api/events/{created.json()['id']}", json={field: at}, headers=headers)
    assert_field_invalid(patched, field)


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [("9999-12-31T00:00:00Z", "9999-12-31T23:59:59Z"), ("0001-01-01T00:00:00Z", "0001-01-01T12:00:00Z")],
)
def test_a_time_that_converts_but_sits_at_the_very_edge_of_the_calendar_is_a_validation_error(
    sql_app: SqlApp, starts_at: str, ends_at: str
) -> None:
    """A driver reading it back in another time zone would leave the calendar: a day's margin is kept."""
    answer = sql_app.client.post(
        "/api/events", json=event_body(starts_at=starts_at, ends_at=ends_at), headers=sql_app.organizer()
    )
    assert_field_invalid(answer, "starts_at")


def test_a_far_but_storable_event_round_trips_through_the_database_in_utc(sql_app: SqlApp) -> None:
    headers = sql_app.organizer()
    body = event_body(starts_at="9999-12-29T23:30:00-23:59", ends_at="9999-12-30T23:50:00Z")
    created = sql_app.client.post("/api/events", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["starts_at"] == "9999-12-30T23:29:00Z"  # answers are in UTC, as the contract says
    page = sql_app.client.get("/api/events", params={"starts_after": "9999-12-30T00:00:00+05:00"}).json()
    assert [e["id"] for e in page["items"]] == [created.json()["id"]]


@pytest.mark.parametrize("query", EDGE_QUERIES)
def test_the_same_requests_on_the_in_memory_app_are_validation_errors_too(client: TestClient, query: str) -> None:
    assert_field_invalid(client.get(f"/api/events?{query}"), query.split("=")[0])


def test_an_offset_time_is_answered_in_utc(client: TestClient, organizer: Headers) -> None:
    body = event_body(starts_at="2031-01-01T00:30:00+02:00", ends_at="2031-01-01T03:00:00+02:00")
    created = client.post("/api/events", json=body, headers=organizer)
    assert created.status_code == 201, created.text
    assert (created.json()["starts_at"], created.json()["ends_at"]) == ("2030-12-31T22:30:00Z", "2031-01-01T01:00:00Z")


# Finding 12 — strict JSON integers; case-insensitive search beyond ASCII on SQLite.


@pytest.mark.parametrize("quantity", ["2", True, 2.0, "two", None])
def test_a_quantity_that_is_not_a_json_integer_is_a_validation_error(
    hold: Any, customer: Headers, event: dict[str, Any], quantity: Any
) -> None:
    assert_field_invalid(hold(customer, event["id"], quantity), "quantity")


@pytest.mark.parametrize("field", ["capacity", "price_cents"])
@pytest.mark.parametrize("value", ["100", True, 100.0])
def test_event_numbers_must_be_json_integers(
    client: TestClient, organizer: Headers, event: dict[str, Any], field: str, value: Any
) -> None:
    assert_field_invalid(client.post("/api/events", json=event_body(**{field: value}), headers=organizer), field)
    patched = client.patch(f"/api/events/{event['id']}", json={field: value}, headers=organizer)
    assert_field_invalid(patched, field)


@pytest.mark.parametrize("field", ["exp_month", "exp_year"])
@pytest.mark.parametrize("value", ["12", True, 12.0])
def test_card_expiry_numbers_must_be_json_integers(
    client: TestClient, hold: Any, customer: Headers, event: dict[str, Any], field: str, value: Any
) -> None:
    booking = hold(customer, event["id"]).json()
    answer = client.post(
        f"/api/bookings/{booking['id']}/pay", json=card(**{field: value}), headers=customer | {"Idempotency-Key": "p"}
    )
    assert_field_invalid(answer, field)


def test_integers_still_pass(hold: Any, customer: Headers, event: dict[str, Any]) -> None:
    assert hold(customer, event["id"], 2).status_code == 201


@pytest.mark.parametrize(
    ("venue", "query"),
    [("Zürich Tonhalle", "ZÜRICH"), ("ZÜRICH TONHALLE", "zürich"), ("Ärztekammer Saal", "ärzte")],
)
def test_search_beyond_ascii_ignores_case_on_sqlite(sql_app: SqlApp, venue: str, query: str) -> None:
    headers = sql_app.organizer()
    created = sql_app.client.post("/api/events", json=event_body(venue=venue), headers=headers)
    assert created.status_code == 201, created.text
    found = sql_app.client.get("/api/events", params={"q": query}).json()["items"]
    assert [e["id"] for e in found] == [created.json()["id"]]
    by_venue = sql_app.client.get("/api/events", params={"venue": venue.swapcase()}).json()["items"]
    assert [e["id"] for e in by_venue] == [created.json()["id"]]
