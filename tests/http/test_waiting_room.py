"""The waiting room over HTTP (the contract's "On-sale" section), in process: the real routes and use cases, the
Queue's work in a LocalQueue over an in-memory queue store, admission rounds every 50 ms."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.fakes import FakeClock
from tests.http.conftest import Headers, assert_error, card, event_body


def _waiting_room_event(client: TestClient, organizer: Headers, opens: datetime, **extra: Any) -> dict[str, Any]:
    body = event_body(waiting_room=True, sale_starts_at=opens.isoformat(), **extra)
    created = client.post("/api/events", json=body, headers=organizer)
    assert created.status_code == 201, created.text
    assert created.json()["waiting_room"] is True
    return dict(created.json())


def _admitted(client: TestClient, event_id: str, headers: Headers) -> dict[str, Any]:
    """Poll until the admission loop lets this buyer in (it runs every 50 ms)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = client.get(f"/api/events/{event_id}/queue", headers=headers)
        assert answer.status_code == 200, answer.text
        if answer.json()["status"] == "admitted":
            return dict(answer.json())
        time.sleep(0.05)
    raise AssertionError("not admitted within 10 s")


def _hold(client: TestClient, headers: Headers, event_id: str, quantity: int, key: str, queue_pass: str | None) -> Any:
    extra = {"Queue-Pass": queue_pass} if queue_pass is not None else {}
    return client.post(
        "/api/bookings",
        json={"event_id": event_id, "quantity": quantity},
        headers=headers | {"Idempotency-Key": key} | extra,
    )


def test_the_journey_through_the_queue_join_before_the_sale_wait_get_admitted_hold_and_pay(
    client: TestClient, organizer: Headers, customer: Headers, clock: FakeClock
) -> None:
    event = _waiting_room_event(client, organizer, clock.now() + timedelta(hours=1))
    joined = client.post(f"/api/events/{event['id']}/queue", headers=customer)
    assert joined.status_code == 201, joined.text
    assert joined.json()["status"] == "waiting" and joined.json()["position"] is None  # the draw is at the opening
    assert int(joined.headers["Retry-After"]) >= 1
    again = client.post(f"/api/events/{event['id']}/queue", headers=customer)
    assert again.status_code == 200 and again.json()["status"] == "waiting"  # one entry per account

    assert_error(_hold(client, customer, event["id"], 1, "early", None), 409, "event_not_on_sale")
    clock.advance(hours=1, seconds=1)  # the sale opens
    assert_error(_hold(client, customer, event["id"], 1, "no-pass", None), 403, "queue_pass_required")
    admitted = _admitted(client, event["id"], customer)
    assert admitted["pass"] and admitted["admitted_until"]
    held = _hold(client, customer, event["id"], 2, "with-pass", admitted["pass"])
    assert held.status_code == 201, held.text
    paid = client.post(
        f"/api/bookings/{held.json()['id']}/pay", json=card(), headers=customer | {"Idempotency-Key": "pay"}
    )
    assert paid.status_code == 200 and paid.json()["status"] == "confirmed", paid.text
    assert client.delete(f"/api/events/{event['id']}/queue", headers=customer).status_code == 204


def test_a_hold_needs_a_pass_of_this_buyer_for_this_event_and_the_refusal_is_not_kept_under_its_key(
    client: TestClient, organizer: Headers, customer: Headers, other_customer: Headers, clock: FakeClock
) -> None:
    opens = clock.now() - timedelta(minutes=1)
    event = _waiting_room_event(client, organizer, opens)
    other_event = _waiting_room_event(client, organizer, opens)
    for headers in (customer, other_customer):
        assert client.post(f"/api/events/{event['id']}/queue", headers=headers).status_code == 201
    assert client.post(f"/api/events/{other_event['id']}/queue", headers=customer).status_code == 201
    bobs_pass = _admitted(client, event["id"], other_customer)["pass"]
    pass_for_other_event = _admitted(client, other_event["id"], customer)["pass"]

    assert_error(_hold(client, customer, event["id"], 1, "k", None), 403, "queue_pass_required")
    assert_error(_hold(client, customer, event["id"], 1, "k", bobs_pass), 403, "queue_pass_required")
    assert_error(_hold(client, customer, event["id"], 1, "k", pass_for_other_event), 403, "queue_pass_required")
    assert_error(_hold(client, customer, event["id"], 1, "k", "forged.0000"), 403, "queue_pass_required")
    own_pass = _admitted(client, event["id"], customer)["pass"]
    assert _hold(client, customer, event["id"], 1, "k", own_pass).status_code == 201  # same key, now with a pass


def test_the_purchase_limit_holds_across_two_bookings_of_one_buyer(
    client: TestClient, organizer: Headers, customer: Headers, clock: FakeClock
) -> None:
    event = _waiting_room_event(client, organizer, clock.now() - timedelta(minutes=1), max_per_buyer=3)
    client.post(f"/api/events/{event['id']}/queue", headers=customer)
    queue_pass = _admitted(client, event["id"], customer)["pass"]
    first = _hold(client, customer, event["id"], 2, "first", queue_pass)
    assert first.status_code == 201, first.text
    client.post(f"/api/bookings/{first.json()['id']}/pay", json=card(), headers=customer | {"Idempotency-Key": "p"})
    refused = assert_error(_hold(client, customer, event["id"], 2, "second", queue_pass), 409, "purchase_limit_reached")
    assert refused["details"]["seats_left_for_you"] == 1
    assert _hold(client, customer, event["id"], 1, "third", queue_pass).status_code == 201


def test_joining_the_queue_of_an_event_without_a_waiting_room_is_409_and_unknown_events_404(
    client: TestClient, customer: Headers, event: dict[str, Any]
) -> None:
    assert_error(client.post(f"/api/events/{event['id']}/queue", headers=customer), 409, "waiting_room_off")
    missing = "00000000-0000-4000-8000-000000000000"
    assert_error(client.get(f"/api/events/{missing}/queue", headers=customer), 404, "not_found")
    assert client.post(f"/api/events/{event['id']}/queue").status_code == 401


def test_a_buyer_who_never_joined_is_told_so_and_leaving_twice_is_fine(
    client: TestClient, organizer: Headers, customer: Headers
) -> None:
    event = _waiting_room_event(client, organizer, datetime.now(UTC) + timedelta(hours=1))
    assert_error(client.get(f"/api/events/{event['id']}/queue", headers=customer), 404, "not_found")
    for _ in range(2):
        assert client.delete(f"/api/events/{event['id']}/queue", headers=customer).status_code == 204
