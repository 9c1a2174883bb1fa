"""The whole journey of API.md over HTTP, against the running Serve application."""

from __future__ import annotations

import time
import uuid

import httpx

from tests.e2e.conftest import Api
from tests.e2e.live_app import LiveApp

GOOD, DECLINED, NO_FUNDS = "4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0000 0000 9995"


def test_a_new_customer_books_pays_and_cancels_over_http(api: Api, http: httpx.Client) -> None:
    organizer = api.organizer()
    event = api.create_event(organizer, capacity=10, price_cents=1500)
    listed = http.get("/api/events", params={"q": event["title"]}).json()
    assert [e["id"] for e in listed["items"]] == [event["id"]]

    me = api.register_and_login(name="Ada")
    assert http.get("/api/auth/me", headers=me).json()["name"] == "Ada"
    held = api.hold(me, event["id"], 2)
    assert held.status_code == 201, held.text
    booking = held.json()
    assert booking["status"] == "pending" and booking["amount_cents"] == 3000 and booking["expires_at"]
    assert http.get(f"/api/events/{event['id']}").json()["seats_available"] == 8

    declined = api.pay(me, booking["id"], DECLINED)
    assert declined.status_code == 402 and declined.json()["error"]["code"] == "card_declined"
    no_funds = api.pay(me, booking["id"], NO_FUNDS)
    assert no_funds.status_code == 402 and no_funds.json()["error"]["code"] == "insufficient_funds"
    assert http.get(f"/api/bookings/{booking['id']}", headers=me).json()["status"] == "pending"

    paid = api.pay(me, booking["id"], GOOD)
    assert paid.status_code == 200, paid.text
    confirmed = paid.json()
    assert confirmed["status"] == "confirmed" and confirmed["payment"]["status"] == "succeeded"
    assert confirmed["payment"]["card_last4"] == "4242" and confirmed["payment"]["amount_cents"] == 3000

    receipt = http.get(f"/api/bookings/{booking['id']}/receipt", headers=me).json()
    assert receipt["receipt_number"] and receipt["event"]["id"] == event["id"] and receipt["amount_cents"] == 3000
    history = http.get("/api/bookings", headers=me).json()
    assert [b["id"] for b in history["items"]] == [booking["id"]]

    cancelled = http.post(f"/api/bookings/{booking['id']}/cancel", headers=me)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["payment"]["status"] == "refunded"
    assert http.get(f"/api/events/{event['id']}").json()["seats_available"] == 10
    assert http.get(f"/api/bookings/{booking['id']}/receipt", headers=me).status_code == 409


def test_another_users_booking_is_not_found_for_read_pay_cancel_and_receipt(api: Api, http: httpx.Client) -> None:
    event = api.create_event(api.organizer())
    owner, stranger = api.register_and_login(), api.register_and_login()
    booking = api.hold(owner, event["id"], 1).json()
    for response in (
        http.get(f"/api/bookings/{booking['id']}", headers=stranger),
        http.get(f"/api/bookings/{booking['id']}/receipt", headers=stranger),
        api.pay(stranger, booking["id"], GOOD),
        http.post(f"/api/bookings/{booking['id']}/cancel", headers=stranger),
    ):
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert http.get(f"/api/bookings/{booking['id']}", headers=owner).json()["status"] == "pending"


def test_the_same_idempotency_key_replays_the_first_answer(api: Api, http: httpx.Client) -> None:
    event = api.create_event(api.organizer(), capacity=5)
    me = api.register_and_login()
    first = api.hold(me, event["id"], 2, key="hold-once")
    again = api.hold(me, event["id"], 2, key="hold-once")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    other_body = api.hold(me, event["id"], 3, key="hold-once")
    assert other_body.status_code == 422 and other_body.json()["error"]["code"] == "idempotency_key_reused"
    assert http.get(f"/api/events/{event['id']}").json()["seats_available"] == 3
    missing = http.post("/api/bookings", json={"event_id": event["id"], "quantity": 1}, headers=me)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "idempotency_key_missing"


def test_the_last_seats_go_to_exactly_as_many_buyers_over_http(api: Api, http: httpx.Client) -> None:
    from concurrent.futures import ThreadPoolExecutor

    event = api.create_event(api.organizer(), capacity=10)
    buyers = [api.register_and_login() for _ in range(30)]
    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(lambda auth: api.hold(auth, event["id"], 1).status_code, buyers))
    assert statuses.count(201) == 10 and statuses.count(409) == 20
    assert http.get(f"/api/events/{event['id']}").json()["seats_available"] == 0
    sold_out = api.hold(api.register_and_login(), event["id"], 1).json()["error"]
    assert sold_out["code"] == "sold_out" and "0 seats" in sold_out["message"]


def test_an_unpaid_hold_expires_and_its_seats_return(api: Api, http: httpx.Client) -> None:
    event = api.create_event(api.organizer(), capacity=2)
    me = api.register_and_login()
    booking = api.hold(me, event["id"], 2).json()
    assert api.hold(api.register_and_login(), event["id"], 1).status_code == 409
    status = _wait_for_status(http, me, booking["id"], "expired", within_s=40)
    assert status == "expired"
    assert http.get(f"/api/events/{event['id']}").json()["seats_available"] == 2
    late = api.pay(me, booking["id"], GOOD)
    assert late.status_code == 409 and late.json()["error"]["code"] in ("hold_expired", "booking_not_pending")


def test_the_slow_card_times_out_then_a_retry_with_the_same_key_confirms_once(api: Api, http: httpx.Client) -> None:
    event = api.create_event(api.organizer(), capacity=3)
    me = api.register_and_login()
    booking = api.hold(me, event["id"], 1).json()
    key = f"pay-{uuid.uuid4().hex}"
    first = api.pay(me, booking["id"], "4000 0000 0000 0259", key=key)
    assert first.status_code == 504 and first.json()["error"]["code"] == "timeout"
    assert http.get(f"/api/bookings/{booking['id']}", headers=me).json()["status"] == "pending"
    time.sleep(7)  # the sandbox settles the slow charge after 6 s
    retry = api.pay(me, booking["id"], "4000 0000 0000 0259", key=key)
    assert retry.status_code == 200, retry.text
    assert retry.json()["status"] == "confirmed"
    assert api.pay(me, booking["id"], "4000 0000 0000 0259", key=key).json() == retry.json()
    assert http.get(f"/api/events/{event['id']}").json()["seats_available"] == 2


def test_an_abandoned_slow_payment_is_settled_by_the_reconciler(api: Api, http: httpx.Client) -> None:
    event = api.create_event(api.organizer(), capacity=3)
    me = api.register_and_login()
    booking = api.hold(me, event["id"], 1).json()
    assert api.pay(me, booking["id"], "4000 0000 0000 0259").status_code == 504
    assert _wait_for_status(http, me, booking["id"], "confirmed", within_s=40) == "confirmed"
    paid = http.get(f"/api/bookings/{booking['id']}", headers=me).json()
    assert paid["payment"]["status"] == "succeeded" and paid["payment"]["amount_cents"] == event["price_cents"]


def _wait_for_status(http: httpx.Client, auth: dict[str, str], booking_id: str, status: str, within_s: float) -> str:
    deadline = time.monotonic() + within_s
    current = ""
    while time.monotonic() < deadline:
        current = http.get(f"/api/bookings/{booking_id}", headers=auth).json()["status"]
        if current == status:
            break
        time.sleep(0.5)
    return current


def test_a_paid_booking_sends_one_receipt_email_through_the_outbox(
    api: Api, http: httpx.Client, live_app: LiveApp
) -> None:
    # Without SMTP configured (as here) mails land in var/mail/ as .eml files, through the same outbox path.
    event = api.create_event(api.organizer(), capacity=4)
    me = api.register_and_login()
    booking = api.hold(me, event["id"], 1).json()
    assert api.pay(me, booking["id"], GOOD).status_code == 200
    receipt_number = http.get(f"/api/bookings/{booking['id']}/receipt", headers=me).json()["receipt_number"]
    mail_dir = live_app.log_path.parent / "var" / "mail"
    deadline = time.monotonic() + 20
    mails: list[str] = []
    while time.monotonic() < deadline and not mails:
        mails = [p.read_text() for p in mail_dir.glob("*.eml") if booking["id"] in p.read_text()]
        time.sleep(0.3)
    assert len(mails) == 1 and receipt_number in mails[0]
