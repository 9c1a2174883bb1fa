"""Sale start and purchase limit per buyer over HTTP (the contract's "On-sale" extension)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.fakes import FakeClock
from tests.http.conftest import Headers, assert_error, card, event_body


def test_an_event_carries_its_sale_start_and_limit_and_a_patch_to_null_clears_them(
    client: TestClient, organizer: Headers
) -> None:
    opens = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    created = client.post(
        "/api/events", json=event_body(sale_starts_at=opens.isoformat(), max_per_buyer=4), headers=organizer
    )
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["sale_starts_at"] == opens.isoformat().replace("+00:00", "Z") and event["max_per_buyer"] == 4

    untouched = client.patch(f"/api/events/{event['id']}", json={"title": "Renamed"}, headers=organizer).json()
    assert (untouched["sale_starts_at"], untouched["max_per_buyer"]) == (event["sale_starts_at"], 4)
    cleared = client.patch(
        f"/api/events/{event['id']}", json={"sale_starts_at": None, "max_per_buyer": None}, headers=organizer
    ).json()
    assert (cleared["sale_starts_at"], cleared["max_per_buyer"]) == (None, None)
    assert client.get("/api/events").json()["items"][0]["max_per_buyer"] is None


def test_old_clients_see_every_event_on_sale_now_without_a_limit(client: TestClient, event: dict[str, Any]) -> None:
    assert (event["sale_starts_at"], event["max_per_buyer"]) == (None, None)


def test_holds_before_the_sale_start_are_refused(
    client: TestClient, organizer: Headers, customer: Headers, hold: Any, clock: FakeClock
) -> None:
    opens = clock.now() + timedelta(hours=1)
    event = client.post("/api/events", json=event_body(sale_starts_at=opens.isoformat()), headers=organizer).json()

    error = assert_error(hold(customer, event["id"]), 409, "event_not_on_sale")

    assert error["details"]["sale_starts_at"] == opens.isoformat().replace("+00:00", "Z")
    clock.advance(seconds=3600)
    assert hold(customer, event["id"]).status_code == 201


def test_the_limit_spans_a_paid_and_a_pending_booking(
    client: TestClient, organizer: Headers, customer: Headers, other_customer: Headers, hold: Any
) -> None:
    event = client.post("/api/events", json=event_body(max_per_buyer=5), headers=organizer).json()
    first = hold(customer, event["id"], quantity=3).json()
    paid = client.post(f"/api/bookings/{first['id']}/pay", json=card(), headers=customer | {"Idempotency-Key": "p1"})
    assert paid.status_code == 200, paid.text
    assert hold(customer, event["id"], quantity=1).status_code == 201

    error = assert_error(hold(customer, event["id"], quantity=2), 409, "purchase_limit_reached")

    assert error["details"] == {"seats_left_for_you": 1}
    assert hold(customer, event["id"], quantity=1).status_code == 201
    assert hold(other_customer, event["id"], quantity=5).status_code == 201


def test_a_limit_or_sale_start_out_of_range_is_a_validation_error(client: TestClient, organizer: Headers) -> None:
    late = (datetime.now(UTC) + timedelta(days=90)).isoformat()
    for rules in ({"max_per_buyer": 0}, {"max_per_buyer": "2"}, {"sale_starts_at": late}):
        assert_error(client.post("/api/events", json=event_body(**rules), headers=organizer), 422, "validation_error")
