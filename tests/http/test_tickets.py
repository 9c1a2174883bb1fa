"""Tickets and check-in over HTTP, on the in-memory fakes and on a migrated SQLite file (the real SQL adapters):
the journey from a paid booking to the door and the organizer's lists, and what strangers are refused."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.accounts import Role
from tests.fakes import InMemoryStore
from tests.http.conftest import Headers, assert_error, card, event_body
from tests.http.sqlite_support import SqlApp, migrated_sqlite, sql_app  # noqa: F401 - fixtures
from tests.unit.test_ticket_render import page_count

BUYER_NAME = 'Zoë "Zo" Ångström, 山田'  # a comma, quotes and letters beyond Latin-1


@dataclass
class World:
    client: TestClient
    promote: Callable[[str, Role], None]  # give the account with this e-mail a role

    def sign_up(self, email: str, name: str = "Ada", role: Role = Role.CUSTOMER) -> Headers:
        answer = self.client.post(
            "/api/auth/register", json={"email": email, "password": "correct-horse", "name": name}
        )
        assert answer.status_code == 201, answer.text
        if role is not Role.CUSTOMER:
            self.promote(email, role)
        login = self.client.post("/api/auth/login", json={"email": email, "password": "correct-horse"})
        return {"Authorization": f"Bearer {login.json()['access_token']}"}


@pytest.fixture(params=["fakes", "sqlite"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param == "fakes":
        client: TestClient = request.getfixturevalue("client")
        store: InMemoryStore = request.getfixturevalue("store")

        def promote_in_store(email: str, role: Role) -> None:
            (user,) = [u for u in store.tables["users"].values() if u.email == email]
            user.role = role

        yield World(client, promote_in_store)
        return
    app: SqlApp = request.getfixturevalue("sql_app")

    def promote_in_file(email: str, role: Role) -> None:
        with closing(sqlite3.connect(app.path)) as db, db:
            db.execute("UPDATE users SET role = ? WHERE email = ?", (role.value, email))

    yield World(app.client, promote_in_file)


def paid_booking(client: TestClient, buyer: Headers, event_id: str, quantity: int, key: str) -> dict[str, Any]:
    held = client.post(
        "/api/bookings", json={"event_id": event_id, "quantity": quantity}, headers=buyer | {"Idempotency-Key": key}
    )
    assert held.status_code == 201, held.text
    pay_key = {"Idempotency-Key": f"{key}-pay"}
    paid = client.post(f"/api/bookings/{held.json()['id']}/pay", json=card(), headers=buyer | pay_key)
    assert paid.status_code == 200 and paid.json()["status"] == "confirmed", paid.text
    return dict(paid.json())


def scan(client: TestClient, headers: Headers, event_id: str, code: str) -> Any:
    return client.post(f"/api/events/{event_id}/check-ins", json={"code": code}, headers=headers)


def test_from_a_paid_booking_to_the_door_and_the_organizers_lists(world: World) -> None:
    client = world.client
    organizer = world.sign_up("org@example.com", role=Role.ORGANIZER)
    buyer = world.sign_up("zoe@example.com", name=BUYER_NAME)
    staff = world.sign_up("gate@example.com", name="Gate")
    created = client.post("/api/events", json=event_body(capacity=100, price_cents=2500), headers=organizer)
    assert created.status_code == 201, created.text
    event = created.json()
    (ga,) = event["ticket_types"]
    assert ga | {"id": "x"} == {
        "id": "x", "name": "General admission", "price_cents": 2500, "quota": 100, "available": 100,
        "sales_start": None, "sales_end": None, "max_per_order": None,
    }  # fmt: skip

    booking = paid_booking(client, buyer, event["id"], 2, "buy")
    assert client.get(f"/api/events/{event['id']}").json()["ticket_types"][0]["available"] == 98
    listed = client.get(f"/api/bookings/{booking['id']}/tickets", headers=buyer)
    assert listed.status_code == 200, listed.text
    tickets = listed.json()["items"]
    assert [(t["status"], t["attendee_name"], t["ticket_type_id"], t["type_name"]) for t in tickets] == [
        ("valid", BUYER_NAME, ga["id"], "General admission")
    ] * 2
    assert all(t["booking_id"] == booking["id"] and t["checked_in_at"] is None for t in tickets)

    qr = client.get(f"/api/tickets/{tickets[0]['id']}/qr.svg", headers=buyer)
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.lstrip().startswith("<svg") and "default-src 'none'" in qr.headers["content-security-policy"]
    assert client.get(f"/api/tickets/{tickets[0]['id']}/qr.svg", headers=organizer).status_code == 200
    pdf = client.get(f"/api/bookings/{booking['id']}/tickets.pdf", headers=buyer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and page_count(pdf.content) == 2

    named = client.post(f"/api/events/{event['id']}/staff", json={"email": "gate@example.com"}, headers=organizer)
    assert named.status_code == 201, named.text
    assert named.json() | {"user_id": "x"} == {"event_id": event["id"], "user_id": "x", "email": "gate@example.com"}

    first = scan(client, staff, event["id"], tickets[0]["code"])
    assert first.status_code == 200, first.text
    assert first.json()["result"] == "ok" and first.json()["ticket"]["status"] == "checked_in"
    checked_in_at = first.json()["ticket"]["checked_in_at"]
    again = assert_error(scan(client, staff, event["id"], tickets[0]["code"]), 409, "already_checked_in")
    assert again["details"]["checked_in_at"] == checked_in_at
    forged = tickets[1]["code"][:-2] + ("AA" if not tickets[1]["code"].endswith("AA") else "BA")
    assert_error(scan(client, staff, event["id"], forged), 404, "unknown_ticket")

    stats = client.get(f"/api/events/{event['id']}/check-ins/stats", headers=staff)
    assert stats.status_code == 200, stats.text
    assert stats.json() == {
        "total": 2,
        "checked_in": 1,
        "by_type": [{"ticket_type_id": ga["id"], "total": 2, "checked_in": 1}],
    }

    attendees = client.get(f"/api/organizer/events/{event['id']}/attendees.csv", headers=organizer)
    assert attendees.status_code == 200 and attendees.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(attendees.content.decode("utf-8"))))
    assert sorted((r["ticket_id"], r["attendee_name"], r["status"], r["checked_in_at"]) for r in rows) == sorted(
        [(tickets[0]["id"], BUYER_NAME, "checked_in", checked_in_at), (tickets[1]["id"], BUYER_NAME, "valid", "")]
    )
    orders = client.get(f"/api/organizer/events/{event['id']}/orders.csv", headers=organizer)
    assert orders.status_code == 200 and "attachment" in orders.headers["content-disposition"]
    (order,) = csv.DictReader(io.StringIO(orders.content.decode("utf-8")))
    assert (order["booking_id"], order["buyer_name"], order["buyer_email"]) == (
        booking["id"],
        BUYER_NAME,
        "zoe@example.com",
    )
    assert (order["lines"], order["seats"], order["amount_cents"], order["status"]) == (
        "2 x General admission", "2", "5000", "confirmed",
    )  # fmt: skip

    cancelled = client.post(f"/api/bookings/{booking['id']}/cancel", headers=buyer)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    after = client.get(f"/api/bookings/{booking['id']}/tickets", headers=buyer).json()["items"]
    assert {t["status"] for t in after} == {"void"}
    assert_error(scan(client, staff, event["id"], tickets[1]["code"]), 409, "ticket_void")
    assert_error(client.get(f"/api/bookings/{booking['id']}/tickets.pdf", headers=buyer), 409, "ticket_void")
    stats = client.get(f"/api/events/{event['id']}/check-ins/stats", headers=organizer).json()
    assert (stats["total"], stats["checked_in"]) == (0, 0)


def test_strangers_see_no_tickets_and_scan_nothing(world: World) -> None:
    client = world.client
    organizer = world.sign_up("org@example.com", role=Role.ORGANIZER)
    rival = world.sign_up("rival@example.com", role=Role.ORGANIZER)
    buyer = world.sign_up("ada@example.com")
    stranger = world.sign_up("eve@example.com")
    event = client.post("/api/events", json=event_body(), headers=organizer).json()
    booking = paid_booking(client, buyer, event["id"], 1, "buy")
    (ticket,) = client.get(f"/api/bookings/{booking['id']}/tickets", headers=buyer).json()["items"]
    base = f"/api/events/{event['id']}"

    for who in (stranger, rival):
        assert_error(client.get(f"/api/bookings/{booking['id']}/tickets", headers=who), 404, "not_found")
        assert_error(client.get(f"/api/bookings/{booking['id']}/tickets.pdf", headers=who), 404, "not_found")
        assert_error(client.get(f"/api/tickets/{ticket['id']}/qr.svg", headers=who), 404, "not_found")
        assert_error(scan(client, who, event["id"], ticket["code"]), 403, "forbidden")
        assert_error(client.get(f"{base}/check-ins/stats", headers=who), 403, "forbidden")
        assert_error(client.post(f"{base}/staff", json={"email": "eve@example.com"}, headers=who), 403, "forbidden")
        for export in ("attendees.csv", "orders.csv"):
            assert_error(client.get(f"/api/organizer/events/{event['id']}/{export}", headers=who), 403, "forbidden")
    for path in (
        f"/api/bookings/{booking['id']}/tickets",
        f"/api/tickets/{ticket['id']}/qr.svg",
        f"{base}/check-ins/stats",
    ):
        assert_error(client.get(path), 401, "unauthenticated")
    assert_error(scan(client, organizer, "no-such-event", ticket["code"]), 404, "not_found")
    assert_error(
        client.post(f"{base}/staff", json={"email": "nobody@example.com"}, headers=organizer), 404, "not_found"
    )
    assert scan(client, organizer, event["id"], ticket["code"]).status_code == 200  # none of that touched it


def test_a_pending_booking_has_no_tickets_and_bad_input_is_a_clear_422(world: World) -> None:
    client = world.client
    organizer = world.sign_up("org@example.com", role=Role.ORGANIZER)
    buyer = world.sign_up("ada@example.com")
    event = client.post("/api/events", json=event_body(), headers=organizer).json()
    held = client.post(
        "/api/bookings", json={"event_id": event["id"], "quantity": 1}, headers=buyer | {"Idempotency-Key": "h"}
    ).json()

    assert_error(client.get(f"/api/bookings/{held['id']}/tickets", headers=buyer), 409, "booking_not_confirmed")
    assert_error(client.get(f"/api/bookings/{held['id']}/tickets.pdf", headers=buyer), 409, "booking_not_confirmed")
    base = f"/api/events/{event['id']}"
    for body in ({}, {"code": ""}, {"code": 42}, {"code": "x" * 129}, {"code": "A", "extra": 1}):
        assert_error(client.post(f"{base}/check-ins", json=body, headers=organizer), 422, "validation_error")
    for body in ({}, {"email": "not-an-address"}, {"email": "a@b.c" * 60}):
        assert_error(client.post(f"{base}/staff", json=body, headers=organizer), 422, "validation_error")
    json_type = {"Content-Type": "application/json"}
    assert_error(client.post(f"{base}/check-ins", content=b"{", headers=organizer | json_type), 400, "bad_request")
    assert_error(scan(client, organizer, event["id"], "\u00e9" * 42), 404, "unknown_ticket")
