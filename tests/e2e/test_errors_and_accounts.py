"""Bad input gets the contract's error body with the right status; accounts and organizers over HTTP."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.conftest import Api


def _error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, object]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    if code:
        assert error["code"] == code
    return dict(error)


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        (
            "POST",
            "/api/auth/register",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            "bad_request",
        ),
        (
            "POST",
            "/api/auth/register",
            {"json": {"email": "x@example.org", "password": "short", "name": "X"}},
            422,
            "validation_error",
        ),
        ("POST", "/api/auth/register", {"json": {"email": 5, "password": ["a"]}}, 422, "validation_error"),
        (
            "POST",
            "/api/auth/login",
            {"json": {"email": "nobody@example.org", "password": "whatever-123"}},
            401,
            "invalid_credentials",
        ),
        ("GET", "/api/events", {"params": {"limit": 0}}, 422, "validation_error"),
        ("GET", "/api/events", {"params": {"limit": 101}}, 422, "validation_error"),
        ("GET", "/api/events", {"params": {"cursor": "%%%not-a-cursor"}}, 422, "validation_error"),
        ("GET", "/api/events", {"params": {"starts_after": "yesterday"}}, 422, "validation_error"),
        ("GET", "/api/events/no-such-event", {}, 404, "not_found"),
        ("GET", "/api/no/such/route", {}, 404, "not_found"),
        ("GET", "/api/bookings", {}, 401, "unauthenticated"),
        ("GET", "/api/bookings", {"headers": {"Authorization": "Bearer garbage"}}, 401, "unauthenticated"),
        ("GET", "/api/auth/me", {"headers": {"Authorization": "Basic dXNlcjpwYXNz"}}, 401, "unauthenticated"),
        ("POST", "/api/auth/refresh", {"json": {"refresh_token": "not-a-token"}}, 401, "unauthenticated"),
    ],
)
def test_malformed_requests_get_the_contract_error_body(
    http: httpx.Client, method: str, path: str, kwargs: dict[str, object], status: int, code: str
) -> None:
    _error(http.request(method, path, **kwargs), status, code)  # type: ignore[arg-type]


def test_malformed_booking_requests_never_reach_a_500(api: Api, http: httpx.Client) -> None:
    me = api.register_and_login()
    event = api.create_event(api.organizer(), capacity=30)
    _error(api.hold(me, event["id"], 0), 422, "validation_error")
    _error(api.hold(me, event["id"], 11), 422, "validation_error")
    _error(api.hold(me, "no-such-event", 1), 404, "not_found")
    bad_type = http.post(
        "/api/bookings", json={"event_id": event["id"], "quantity": "two"}, headers={**me, "Idempotency-Key": "k1"}
    )
    _error(bad_type, 422, "validation_error")
    booking = api.hold(me, event["id"], 1).json()
    _error(api.pay(me, booking["id"], "4242 4242 4242 4241"), 422, "validation_error")
    expired_card = {"card_number": "4242424242424242", "exp_month": 1, "exp_year": 2020, "cvc": "123"}
    _error(
        http.post(f"/api/bookings/{booking['id']}/pay", json=expired_card, headers={**me, "Idempotency-Key": "k2"}), 422
    )
    _error(http.post(f"/api/bookings/{booking['id']}/pay", json={}, headers={**me, "Idempotency-Key": "k3"}), 422)
    assert http.get(f"/api/bookings/{booking['id']}", headers=me).json()["status"] == "pending"


def test_emails_are_unique_whatever_their_case(http: httpx.Client) -> None:
    email = f"Mixed.{uuid.uuid4().hex[:8]}@Example.org"
    body = {"email": email, "password": "long-enough-pw", "name": "M"}
    created = http.post("/api/auth/register", json=body)
    assert created.status_code == 201 and set(created.json()) == {"id", "email", "name", "role"}
    assert created.json()["role"] == "customer"
    _error(http.post("/api/auth/register", json={**body, "email": email.upper()}), 409, "email_taken")
    wrong = http.post("/api/auth/login", json={"email": email, "password": "wrong-password"})
    _error(wrong, 401, "invalid_credentials")


def test_refresh_rotates_tokens_and_logout_revokes_the_session(http: httpx.Client) -> None:
    email = f"r-{uuid.uuid4().hex[:8]}@example.org"
    http.post("/api/auth/register", json={"email": email, "password": "long-enough-pw", "name": "R"})
    tokens = http.post("/api/auth/login", json={"email": email, "password": "long-enough-pw"}).json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] > 0
    rotated = http.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200 and rotated.json()["refresh_token"] != tokens["refresh_token"]
    _error(http.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401, "unauthenticated")
    # Reuse of a rotated token revoked the whole session, including the new tokens.
    new = rotated.json()
    _error(http.get("/api/auth/me", headers={"Authorization": f"Bearer {new['access_token']}"}), 401)

    fresh = http.post("/api/auth/login", json={"email": email, "password": "long-enough-pw"}).json()
    auth = {"Authorization": f"Bearer {fresh['access_token']}"}
    assert http.get("/api/auth/me", headers=auth).status_code == 200
    assert http.post("/api/auth/logout", json={"refresh_token": fresh["refresh_token"]}, headers=auth).status_code in (
        200,
        204,
    )
    _error(http.get("/api/auth/me", headers=auth), 401, "unauthenticated")
    _error(http.post("/api/auth/refresh", json={"refresh_token": fresh["refresh_token"]}), 401)


def test_only_organizers_publish_and_they_cannot_shrink_below_sold(api: Api, http: httpx.Client) -> None:
    customer = api.register_and_login()
    forbidden = http.post("/api/events", json={"title": "x"}, headers=customer)
    assert forbidden.status_code in (403, 422)
    organizer = api.organizer()
    event = api.create_event(organizer, capacity=5)
    body = {**{k: event[k] for k in ("title", "description", "category", "venue", "starts_at", "ends_at")}}
    _error(
        http.post("/api/events", json={**body, "capacity": 5, "price_cents": 1, "currency": "EUR"}, headers=customer),
        403,
        "forbidden",
    )
    assert event["status"] == "published" and event["seats_available"] == 5
    assert api.hold(customer, event["id"], 3).status_code == 201
    _error(http.patch(f"/api/events/{event['id']}", json={"capacity": 2}, headers=organizer), 409)
    grown = http.patch(f"/api/events/{event['id']}", json={"capacity": 8, "title": "Bigger"}, headers=organizer)
    assert grown.status_code == 200 and grown.json()["seats_available"] == 5 and grown.json()["title"] == "Bigger"
    _error(http.patch(f"/api/events/{event['id']}", json={"capacity": 9}, headers=customer), 404, "not_found")


def test_cancelling_an_event_releases_holds_and_refunds_paid_bookings(api: Api, http: httpx.Client) -> None:
    organizer = api.organizer()
    event = api.create_event(organizer, capacity=6)
    payer, holder = api.register_and_login(), api.register_and_login()
    paid = api.hold(payer, event["id"], 2).json()
    assert api.pay(payer, paid["id"], "4242424242424242").json()["status"] == "confirmed"
    held = api.hold(holder, event["id"], 1).json()
    cancelled = http.post(f"/api/events/{event['id']}/cancel", headers=organizer)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert http.get(f"/api/bookings/{held['id']}", headers=holder).json()["status"] == "cancelled"
    import time

    deadline = time.monotonic() + 30
    refunded = {}
    while time.monotonic() < deadline:
        refunded = http.get(f"/api/bookings/{paid['id']}", headers=payer).json()
        if refunded["status"] == "cancelled":
            break
        time.sleep(0.5)
    assert refunded["status"] == "cancelled" and refunded["payment"]["status"] == "refunded"
    _error(api.hold(holder, event["id"], 1), 409)
