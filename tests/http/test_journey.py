"""The customer's whole journey, and the organizer's, over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.http.conftest import DECLINED_CARD, Headers, assert_error, card, event_body


def test_a_customer_registers_books_pays_gets_a_receipt_and_cancels_for_a_refund(
    client: TestClient, event: dict[str, Any]
) -> None:
    registered = client.post(
        "/api/auth/register", json={"email": "Eve@Example.com", "password": "long-enough", "name": "Eve"}
    )
    assert registered.status_code == 201
    assert registered.json() | {"id": "x"} == {"id": "x", "email": "eve@example.com", "name": "Eve", "role": "customer"}

    login = client.post("/api/auth/login", json={"email": "eve@example.com", "password": "long-enough"})
    assert login.status_code == 200
    tokens = login.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] > 0 and tokens["refresh_token"]
    me: Headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/auth/me", headers=me).json()["email"] == "eve@example.com"

    listed = client.get("/api/events")
    assert listed.status_code == 200
    assert [e["id"] for e in listed.json()["items"]] == [event["id"]]
    assert listed.json()["next_cursor"] is None

    held = client.post(
        "/api/bookings", json={"event_id": event["id"], "quantity": 2}, headers=me | {"Idempotency-Key": "h-1"}
    )
    assert held.status_code == 201, held.text
    booking = held.json()
    assert booking["status"] == "pending" and booking["amount_cents"] == 5000 and booking["payment"] is None
    assert client.get(f"/api/events/{event['id']}").json()["seats_available"] == 98

    declined = client.post(
        f"/api/bookings/{booking['id']}/pay", json=card(DECLINED_CARD), headers=me | {"Idempotency-Key": "p-1"}
    )
    assert_error(declined, 402, "card_declined")
    assert client.get(f"/api/bookings/{booking['id']}", headers=me).json()["status"] == "pending"

    paid = client.post(f"/api/bookings/{booking['id']}/pay", json=card(), headers=me | {"Idempotency-Key": "p-2"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "confirmed" and paid.json()["confirmed_at"]
    payment = paid.json()["payment"]
    assert payment["status"] == "succeeded" and payment["card_last4"] == "4242" and payment["amount_cents"] == 5000

    receipt = client.get(f"/api/bookings/{booking['id']}/receipt", headers=me)
    assert receipt.status_code == 200
    assert receipt.json()["booking_id"] == booking["id"] and receipt.json()["event"]["id"] == event["id"]
    assert receipt.json()["payment_reference"] == payment["reference"] and receipt.json()["receipt_number"]

    mine = client.get("/api/bookings", headers=me).json()
    assert [b["id"] for b in mine["items"]] == [booking["id"]] and mine["next_cursor"] is None

    cancelled = client.post(f"/api/bookings/{booking['id']}/cancel", headers=me)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["payment"]["status"] == "refunded"
    assert client.get(f"/api/events/{event['id']}").json()["seats_available"] == 100
    assert_error(client.get(f"/api/bookings/{booking['id']}/receipt", headers=me), 409, "booking_not_confirmed")


def test_an_organizer_creates_edits_sees_sales_and_cancels_an_event(
    client: TestClient, organizer: Headers, customer: Headers, hold: Any
) -> None:
    created = client.post("/api/events", json=event_body(status="draft", currency="eur"), headers=organizer)
    assert created.status_code == 201
    event = created.json()
    assert event["status"] == "draft" and event["currency"] == "EUR" and event["seats_available"] == 100
    assert_error(client.get(f"/api/events/{event['id']}"), 404, "not_found")  # drafts are the organizer's
    assert client.get(f"/api/events/{event['id']}", headers=organizer).status_code == 200

    published = client.patch(
        f"/api/events/{event['id']}", json={"status": "published", "capacity": 3, "title": None}, headers=organizer
    )
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published" and published.json()["title"] == "Jazz night"
    assert hold(customer, event["id"], 2).status_code == 201
    assert_error(
        client.patch(f"/api/events/{event['id']}", json={"capacity": 1}, headers=organizer), 409, "capacity_below_sold"
    )
    assert_error(hold(customer, event["id"], 2), 409, "sold_out")

    sales = client.get("/api/organizer/events", headers=organizer)
    assert sales.status_code == 200
    assert sales.json()["items"][0] | {"event": None} == {"event": None, "seats_sold": 0, "revenue_cents": 0}
    assert_error(client.get("/api/organizer/events", headers=customer), 403, "forbidden")

    cancelled = client.post(f"/api/events/{event['id']}/cancel", headers=organizer)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    mine = client.get("/api/bookings", headers=customer).json()["items"]
    assert [b["status"] for b in mine] == ["cancelled"]


def test_event_filters_take_naive_times_as_utc_and_pages_follow_the_cursor(
    client: TestClient, organizer: Headers
) -> None:
    for day in range(1, 4):
        body = event_body(title=f"Day {day}", starts_at=f"2099-01-0{day}T10:00:00", ends_at=f"2099-01-0{day}T12:00:00")
        assert client.post("/api/events", json=body, headers=organizer).status_code == 201
    first = client.get("/api/events", params={"limit": 2, "starts_after": "2099-01-01T00:00:00"}).json()
    assert [e["title"] for e in first["items"]] == ["Day 1", "Day 2"]
    assert first["items"][0]["starts_at"] == "2099-01-01T10:00:00Z"
    second = client.get("/api/events", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [e["title"] for e in second["items"]] == ["Day 3"] and second["next_cursor"] is None
    narrowed = client.get("/api/events", params={"q": "day 2", "starts_before": "2099-01-02T10:00:00+00:00"})
    assert [e["title"] for e in narrowed.json()["items"]] == ["Day 2"]


def test_refresh_rotates_tokens_and_logout_ends_the_session(client: TestClient) -> None:
    client.post("/api/auth/register", json={"email": "z@example.com", "password": "long-enough", "name": "Z"})
    tokens = client.post("/api/auth/login", json={"email": "z@example.com", "password": "long-enough"}).json()
    rotated = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200 and rotated.json()["refresh_token"] != tokens["refresh_token"]
    bearer = {"Authorization": f"Bearer {rotated.json()['access_token']}"}

    answer = client.post("/api/auth/logout", headers=bearer)
    assert answer.status_code == 204 and answer.content == b""
    assert_error(client.get("/api/auth/me", headers=bearer), 401, "unauthenticated")
    assert_error(
        client.post("/api/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]}),
        401,
        "unauthenticated",
    )


def test_logout_with_only_a_refresh_token_revokes_that_session(client: TestClient) -> None:
    client.post("/api/auth/register", json={"email": "y@example.com", "password": "long-enough", "name": "Y"})
    tokens = client.post("/api/auth/login", json={"email": "y@example.com", "password": "long-enough"}).json()
    assert client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert_error(client.get("/api/auth/me", headers=bearer), 401, "unauthenticated")
    assert_error(client.post("/api/auth/logout"), 401, "unauthenticated")


def test_wrong_email_and_wrong_password_give_the_same_answer(client: TestClient, customer: Headers) -> None:
    wrong_password = client.post("/api/auth/login", json={"email": "ada@example.com", "password": "nope-nope"})
    wrong_email = client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "nope-nope"})
    assert assert_error(wrong_password, 401, "invalid_credentials") == assert_error(
        wrong_email, 401, "invalid_credentials"
    )
    assert wrong_email.headers["WWW-Authenticate"] == "Bearer"
    dup = client.post("/api/auth/register", json={"email": "ADA@example.com", "password": "long-enough", "name": "A"})
    assert_error(dup, 409, "email_taken")
