"""Nobody sees another user's booking; Idempotency-Key replays, refuses reuse, and is required."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.http.conftest import Headers, assert_error, card, event_body


@pytest.fixture
def booking(hold: Any, customer: Headers, event: dict[str, Any]) -> dict[str, Any]:
    answer = hold(customer, event["id"], 2)
    assert answer.status_code == 201
    return dict(answer.json())


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("get", "", None), ("post", "/pay", card()), ("post", "/cancel", None), ("get", "/receipt", None)],
)
def test_another_users_booking_is_not_found_on_read_pay_cancel_and_receipt(
    client: TestClient, booking: dict[str, Any], other_customer: Headers, method: str, suffix: str, body: Any
) -> None:
    headers = other_customer | {"Idempotency-Key": "theirs"}
    answer = client.request(method, f"/api/bookings/{booking['id']}{suffix}", json=body, headers=headers)
    assert_error(answer, 404, "not_found")


def test_another_users_booking_is_not_listed(
    client: TestClient, booking: dict[str, Any], other_customer: Headers
) -> None:
    assert client.get("/api/bookings", headers=other_customer).json() == {"items": [], "next_cursor": None}


def test_an_idempotent_replay_of_a_hold_returns_the_same_status_and_body(
    client: TestClient, hold: Any, customer: Headers, event: dict[str, Any]
) -> None:
    first, again = hold(customer, event["id"], 2, key="same"), hold(customer, event["id"], 2, key="same")
    assert (first.status_code, first.json()) == (again.status_code, again.json()) == (201, first.json())
    assert client.get(f"/api/events/{event['id']}").json()["seats_available"] == 98


def test_an_idempotent_replay_of_a_payment_returns_the_same_status_and_body(
    client: TestClient, booking: dict[str, Any], customer: Headers
) -> None:
    headers = customer | {"Idempotency-Key": "pay-once"}
    first = client.post(f"/api/bookings/{booking['id']}/pay", json=card(), headers=headers)
    again = client.post(f"/api/bookings/{booking['id']}/pay", json=card(), headers=headers)
    assert (first.status_code, first.json()) == (again.status_code, again.json())
    assert first.status_code == 200


def test_a_refusal_is_replayed_too(client: TestClient, hold: Any, customer: Headers, organizer: Headers) -> None:
    small = client.post("/api/events", json=event_body(capacity=1), headers=organizer).json()
    first, again = hold(customer, small["id"], 2, key="k"), hold(customer, small["id"], 2, key="k")
    assert assert_error(first, 409, "sold_out") == assert_error(again, 409, "sold_out")


def test_the_same_key_with_another_body_is_refused(hold: Any, customer: Headers, event: dict[str, Any]) -> None:
    assert hold(customer, event["id"], 2, key="k").status_code == 201
    assert_error(hold(customer, event["id"], 3, key="k"), 422, "idempotency_key_reused")


def test_keys_are_scoped_to_the_user(
    hold: Any, customer: Headers, other_customer: Headers, event: dict[str, Any]
) -> None:
    assert hold(customer, event["id"], 2, key="k").status_code == 201
    assert hold(other_customer, event["id"], 3, key="k").status_code == 201


@pytest.mark.parametrize("key", [None, ""])
def test_a_hold_or_payment_without_idempotency_key_is_a_bad_request(
    client: TestClient, customer: Headers, booking: dict[str, Any], event: dict[str, Any], key: str | None
) -> None:
    headers = customer if key is None else customer | {"Idempotency-Key": key}
    assert_error(
        client.post("/api/bookings", json={"event_id": event["id"], "quantity": 1}, headers=headers),
        400,
        "idempotency_key_missing",
    )
    assert_error(
        client.post(f"/api/bookings/{booking['id']}/pay", json=card(), headers=headers), 400, "idempotency_key_missing"
    )


def test_an_overlong_idempotency_key_is_a_bad_request(
    client: TestClient, customer: Headers, event: dict[str, Any]
) -> None:
    headers = customer | {"Idempotency-Key": "k" * 256}
    answer = client.post("/api/bookings", json={"event_id": event["id"], "quantity": 1}, headers=headers)
    assert assert_error(answer, 400, "bad_request")["details"]["fields"] == {
        "Idempotency-Key": "1 to 255 printable ASCII characters."
    }


def test_a_missing_token_is_reported_before_a_missing_key(client: TestClient, event: dict[str, Any]) -> None:
    answer = client.post("/api/bookings", json={"event_id": event["id"], "quantity": 1})
    assert_error(answer, 401, "unauthenticated")
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_customer_cannot_create_edit_or_cancel_events(
    client: TestClient, customer: Headers, event: dict[str, Any]
) -> None:
    assert_error(client.post("/api/events", json=event_body(), headers=customer), 403, "forbidden")
    # Someone else's event is not revealed to a would-be editor.
    assert_error(client.patch(f"/api/events/{event['id']}", json={"title": "Mine"}, headers=customer), 404, "not_found")
    assert_error(client.post(f"/api/events/{event['id']}/cancel", headers=customer), 404, "not_found")
