"""The waiting room and the waiting list over HTTP, against the running Serve application (full stack: the queue's
state in Redis, the Queue deployment admitting, the Booking deployment's reaper offering freed seats)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.conftest import Api

GOOD = "4242 4242 4242 4242"


def _hold(api: Api, auth: dict[str, str], event_id: str, quantity: int, queue_pass: str | None) -> httpx.Response:
    headers = {**auth, "Idempotency-Key": uuid.uuid4().hex} | ({"Queue-Pass": queue_pass} if queue_pass else {})
    return api.http.post("/api/bookings", json={"event_id": event_id, "quantity": quantity}, headers=headers)


def _poll_until(http: httpx.Client, event_id: str, auth: dict[str, str], wanted: str) -> dict[str, Any]:
    """Poll as a client does, but without waiting out the whole Retry-After (the test has a deadline). A 503 with
    Retry-After is an answer the contract allows (Redis briefly away: one CI run met one right after the outage
    tests); a client polls again, and so does this one, within the same deadline."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = http.get(f"/api/events/{event_id}/queue", headers=auth)
        if answer.status_code == 503 and answer.headers.get("Retry-After"):
            time.sleep(1)
            continue
        assert answer.status_code == 200, answer.text
        assert int(answer.headers["Retry-After"]) >= 1
        if answer.json()["status"] == wanted:
            return dict(answer.json())
        time.sleep(0.5)
    raise AssertionError(f"still not {wanted} after 60 s")


def _error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_buyers_join_before_the_sale_are_drawn_admitted_in_order_hold_with_their_pass_and_pay(
    api: Api, http: httpx.Client
) -> None:
    organizer = api.organizer()
    opens = datetime.now(UTC) + timedelta(seconds=6)
    event = api.create_event(
        organizer, capacity=10, waiting_room=True, max_per_buyer=3, sale_starts_at=opens.isoformat()
    )
    buyers = [api.register_and_login(name=f"Queue {i}") for i in range(3)]
    for buyer in buyers:
        joined = http.post(f"/api/events/{event['id']}/queue", headers=buyer)
        assert joined.status_code == 201, joined.text
        assert joined.json()["status"] == "waiting" and joined.json()["position"] is None
    assert http.post(f"/api/events/{event['id']}/queue", headers=buyers[0]).status_code == 200  # one entry each
    assert _error_code(_hold(api, buyers[0], event["id"], 1, None)) == "event_not_on_sale"

    admitted = [_poll_until(http, event["id"], buyer, "admitted") for buyer in buyers]
    assert all(a["pass"] and a["admitted_until"] for a in admitted)
    no_pass = _hold(api, buyers[0], event["id"], 1, None)
    assert (no_pass.status_code, _error_code(no_pass)) == (403, "queue_pass_required")
    someone_elses = _hold(api, buyers[0], event["id"], 1, admitted[1]["pass"])
    assert (someone_elses.status_code, _error_code(someone_elses)) == (403, "queue_pass_required")

    held = _hold(api, buyers[0], event["id"], 2, admitted[0]["pass"])
    assert held.status_code == 201, held.text
    paid = api.pay(buyers[0], held.json()["id"], GOOD)
    assert paid.status_code == 200 and paid.json()["status"] == "confirmed", paid.text
    # The limit counts the paid booking and a new hold together: 2 owned + 2 more > 3.
    over = _hold(api, buyers[0], event["id"], 2, admitted[0]["pass"])
    assert (over.status_code, _error_code(over)) == (409, "purchase_limit_reached")
    assert over.json()["error"]["details"]["seats_left_for_you"] == 1
    assert _hold(api, buyers[0], event["id"], 1, admitted[0]["pass"]).status_code == 201
    assert http.delete(f"/api/events/{event['id']}/queue", headers=buyers[0]).status_code == 204


def test_a_sold_out_buyer_on_the_waiting_list_is_offered_the_seats_of_a_cancelled_booking(
    api: Api, http: httpx.Client
) -> None:
    organizer = api.organizer()
    event = api.create_event(organizer, capacity=2)
    first, waiting = api.register_and_login(name="First"), api.register_and_login(name="Waiting")
    booking = _hold(api, first, event["id"], 2, None).json()
    assert api.pay(first, booking["id"], GOOD).status_code == 200
    sold_out = _hold(api, waiting, event["id"], 1, None)
    assert (sold_out.status_code, _error_code(sold_out)) == (409, "sold_out")

    joined = http.post(f"/api/events/{event['id']}/waitlist", json={"quantity": 2}, headers=waiting)
    assert joined.status_code == 201, joined.text
    assert joined.json()["status"] == "waiting" and joined.json()["offer"] is None
    assert http.post(f"/api/bookings/{booking['id']}/cancel", headers=first).status_code == 200

    deadline = time.monotonic() + 30
    entry = http.get(f"/api/events/{event['id']}/waitlist", headers=waiting).json()
    while entry["status"] != "offered" and time.monotonic() < deadline:
        time.sleep(0.3)
        entry = http.get(f"/api/events/{event['id']}/waitlist", headers=waiting).json()
    assert entry["status"] == "offered", entry
    offer = entry["offer"]
    assert offer["status"] == "pending" and offer["quantity"] == 2 and offer["expires_at"]
    assert http.get(f"/api/events/{event['id']}").json()["seats_available"] == 0  # nobody else can grab them
    stranger = _hold(api, api.register_and_login(), event["id"], 1, None)
    assert _error_code(stranger) == "sold_out"

    paid = api.pay(waiting, offer["id"], GOOD)
    assert paid.status_code == 200 and paid.json()["status"] == "confirmed", paid.text
    assert http.get(f"/api/events/{event['id']}/waitlist", headers=waiting).json()["status"] == "booked"
