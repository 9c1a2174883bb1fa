"""The waiting list over HTTP: join a sold-out event, get the seats another buyer gives back, pay for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.http.conftest import Headers, assert_error, card, event_body


@pytest.fixture
def sold_out(
    client: TestClient, organizer: Headers, other_customer: Headers, hold: Callable[..., Any]
) -> dict[str, Any]:
    """An event of 2 seats, both held by the other customer: the event and that hold."""
    event = client.post("/api/events", json=event_body(capacity=2), headers=organizer).json()
    taken = hold(other_customer, event["id"], quantity=2)
    assert taken.status_code == 201, taken.text
    return {"event": event, "hold": taken.json()}


def waitlist(event: dict[str, Any]) -> str:
    return f"/api/events/{event['id']}/waitlist"


def test_a_waiter_gets_the_seats_another_buyer_cancels_and_can_pay_for_them(
    client: TestClient, customer: Headers, other_customer: Headers, sold_out: dict[str, Any]
) -> None:
    event, taken = sold_out["event"], sold_out["hold"]
    joined = client.post(waitlist(event), json={"quantity": 2}, headers=customer)
    assert joined.status_code == 201, joined.text
    assert joined.json() == {"event_id": event["id"], "quantity": 2, "status": "waiting", "position": 1, "offer": None}
    again = client.post(waitlist(event), json={"quantity": 1}, headers=customer)
    assert again.status_code == 200 and again.json() == joined.json()

    cancelled = client.post(f"/api/bookings/{taken['id']}/cancel", headers=other_customer)
    assert cancelled.status_code == 200, cancelled.text

    entry = client.get(waitlist(event), headers=customer)
    assert entry.status_code == 200, entry.text
    body = entry.json()
    assert (body["status"], body["position"]) == ("offered", None)
    offer = body["offer"]
    assert offer["status"] == "pending" and offer["quantity"] == 2 and offer["expires_at"]
    assert client.get(f"/api/bookings/{offer['id']}", headers=customer).json() == offer
    assert client.get(f"/api/events/{event['id']}").json()["seats_available"] == 0

    paid = client.post(f"/api/bookings/{offer['id']}/pay", json=card(), headers=customer | {"Idempotency-Key": "p"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "confirmed"
    after = client.get(waitlist(event), headers=customer).json()
    assert (after["status"], after["offer"]) == ("booked", None)


def test_joining_while_seats_are_on_sale_is_refused(client: TestClient, organizer: Headers, customer: Headers) -> None:
    event = client.post("/api/events", json=event_body(capacity=5), headers=organizer).json()
    refused = assert_error(client.post(waitlist(event), json={"quantity": 2}, headers=customer), 409, "seats_available")
    assert refused["details"] == {"seats_available": 5}


def test_the_entry_is_not_found_before_joining_and_after_leaving(
    client: TestClient, customer: Headers, sold_out: dict[str, Any]
) -> None:
    event = sold_out["event"]
    assert_error(client.get(waitlist(event), headers=customer), 404, "not_found")
    assert client.post(waitlist(event), json={"quantity": 1}, headers=customer).status_code == 201

    left = client.delete(waitlist(event), headers=customer)

    assert left.status_code == 204 and left.content == b""
    assert_error(client.get(waitlist(event), headers=customer), 404, "not_found")
    assert client.delete(waitlist(event), headers=customer).status_code == 204  # leaving again: done already


@pytest.mark.parametrize("quantity", [0, 11, "2", 1.0, None])
def test_a_quantity_out_of_range_or_not_an_integer_is_422(
    client: TestClient, customer: Headers, sold_out: dict[str, Any], quantity: Any
) -> None:
    answer = client.post(waitlist(sold_out["event"]), json={"quantity": quantity}, headers=customer)
    assert_error(answer, 422, "validation_error")


def test_the_waiting_list_needs_a_token_and_a_real_event(client: TestClient, customer: Headers) -> None:
    unknown = {"id": "no-such-event"}
    assert_error(client.post(waitlist(unknown), json={"quantity": 1}), 401, "unauthenticated")
    assert_error(client.get(waitlist(unknown)), 401, "unauthenticated")
    assert_error(client.delete(waitlist(unknown)), 401, "unauthenticated")
    assert_error(client.post(waitlist(unknown), json={"quantity": 1}, headers=customer), 404, "not_found")
