"""Real tickets over HTTP on the live Serve app: two tiers and a promo code, named attendees, QR codes and the PDF,
check-in at two gates, the organizer's CSV lists read back by the `csv` module, and tickets void on cancel."""

from __future__ import annotations

import csv
import io
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.e2e.conftest import Api

GOOD = "4242 4242 4242 4242"
NAMES = ('Zoë "Zo" Ünal, Jr.', None, "李小龍")  # a comma, quotes and non-Latin letters; None: the buyer


def _hold(http: httpx.Client, who: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return http.post("/api/bookings", json=body, headers={**who, "Idempotency-Key": uuid.uuid4().hex})


def _tiers_and_code(api: Api, http: httpx.Client, organizer: dict[str, str]) -> tuple[dict[str, Any], str, str]:
    event = api.create_event(organizer, capacity=20, price_cents=2500)
    general = event["ticket_types"][0]["id"]
    patched = http.patch(f"/api/events/{event['id']}/ticket-types/{general}", json={"quota": 10}, headers=organizer)
    assert patched.status_code == 200 and patched.json()["quota"] == 10, patched.text
    vip = http.post(
        f"/api/events/{event['id']}/ticket-types",
        json={"name": "VIP", "price_cents": 9000, "quota": 3, "max_per_order": 2},
        headers=organizer,
    )
    assert vip.status_code == 201, vip.text
    code = http.post(
        f"/api/events/{event['id']}/promo-codes", json={"code": "early10", "percent_off": 10, "max_uses": 5},
        headers=organizer,
    )  # fmt: skip
    assert code.status_code == 201 and code.json()["code"] == "EARLY10", code.text
    shown = http.get(f"/api/events/{event['id']}").json()
    assert [(t["name"], t["available"]) for t in shown["ticket_types"]] == [("General admission", 10), ("VIP", 3)]
    return event, general, vip.json()["id"]


def test_two_tiers_a_code_named_tickets_check_in_exports_and_void_over_http(api: Api, http: httpx.Client) -> None:
    organizer = api.organizer()
    event, general, vip = _tiers_and_code(api, http, organizer)
    buyer = api.register_and_login(name="Ada Buyer")
    attendees = [{"name": n, "email": "zoe@example.org" if i == 0 else None} if n else {} for i, n in enumerate(NAMES)]
    body = {
        "event_id": event["id"],
        "lines": [{"ticket_type_id": general, "quantity": 2}, {"ticket_type_id": vip, "quantity": 1}],
        "promo_code": "Early10",
        "attendees": attendees,
    }
    held = _hold(http, buyer, body)
    assert held.status_code == 201, held.text
    booking = held.json()
    assert (booking["quantity"], booking["discount_cents"], booking["amount_cents"]) == (3, 1400, 12600)
    assert [(x["name"], x["quantity"], x["unit_price_cents"]) for x in booking["lines"]] == [
        ("General admission", 2, 2500),
        ("VIP", 1, 9000),
    ]
    greedy = _hold(
        http, api.register_and_login(), {"event_id": event["id"], "lines": [{"ticket_type_id": vip, "quantity": 3}]}
    )
    assert greedy.status_code == 422 and greedy.json()["error"]["details"]["reason"] == "max_per_order", greedy.text
    unknown = _hold(http, buyer, {**body, "promo_code": "NOPE"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "promo_code_invalid"

    paid = api.pay(buyer, booking["id"], GOOD)
    assert paid.status_code == 200 and paid.json()["status"] == "confirmed", paid.text
    tickets = http.get(f"/api/bookings/{booking['id']}/tickets", headers=buyer).json()["items"]
    assert [(t["type_name"], t["attendee_name"], t["status"]) for t in tickets] == [
        ("General admission", NAMES[0], "valid"),
        ("General admission", "Ada Buyer", "valid"),
        ("VIP", NAMES[2], "valid"),
    ]
    qr = http.get(f"/api/tickets/{tickets[0]['id']}/qr.svg", headers=buyer)
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml") and b"<svg" in qr.content
    pdf = http.get(f"/api/bookings/{booking['id']}/tickets.pdf", headers=buyer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.content)) == 3  # one page per ticket

    renamed = http.put(
        f"/api/bookings/{booking['id']}/attendees",
        json={"attendees": [{}, {"name": "Grace Hopper", "email": "grace@example.org"}, {}]},
        headers=buyer,
    )
    assert renamed.status_code == 200, renamed.text
    tickets = http.get(f"/api/bookings/{booking['id']}/tickets", headers=buyer).json()["items"]
    assert [t["attendee_name"] for t in tickets] == [NAMES[0], "Grace Hopper", NAMES[2]]

    _check_in_at_the_door(api, http, organizer, event["id"], tickets)
    _exports_read_back(http, organizer, event["id"], booking["id"])

    cancelled = http.post(f"/api/bookings/{booking['id']}/cancel", headers=buyer)
    assert cancelled.status_code == 200 and cancelled.json()["payment"]["status"] == "refunded"
    after = http.get(f"/api/bookings/{booking['id']}/tickets", headers=buyer).json()["items"]
    assert {t["status"] for t in after} == {"void"}
    void = http.post(f"/api/events/{event['id']}/check-ins", json={"code": tickets[2]["code"]}, headers=organizer)
    assert void.status_code == 409 and void.json()["error"]["code"] == "ticket_void"
    shown = http.get(f"/api/events/{event['id']}").json()
    assert [t["available"] for t in shown["ticket_types"]] == [10, 3] and shown["seats_available"] == 20
    codes = http.get(f"/api/events/{event['id']}/promo-codes", headers=organizer).json()["items"]
    assert [(c["code"], c["uses"]) for c in codes] == [("EARLY10", 0)]  # the cancelled booking gave its use back


def _check_in_at_the_door(
    api: Api, http: httpx.Client, organizer: dict[str, str], event_id: str, tickets: list[dict[str, Any]]
) -> None:
    staff_email = f"gate-{uuid.uuid4().hex[:8]}@example.org"
    staff = api.register_and_login(name="Gate", role_email=staff_email)
    stranger = api.register_and_login()
    door = f"/api/events/{event_id}/check-ins"
    assert http.post(door, json={"code": tickets[0]["code"]}, headers=staff).status_code == 403
    added = http.post(f"/api/events/{event_id}/staff", json={"email": staff_email}, headers=organizer)
    assert added.status_code == 201, added.text

    first = http.post(door, json={"code": tickets[0]["code"]}, headers=staff)
    assert first.status_code == 200 and first.json()["result"] == "ok", first.text
    assert first.json()["ticket"]["attendee_name"] == NAMES[0]
    again = http.post(door, json={"code": tickets[0]["code"]}, headers=organizer)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_checked_in"
    assert again.json()["error"]["details"]["checked_in_at"]
    forged = tickets[1]["code"][:-2] + ("AA" if not tickets[1]["code"].endswith("AA") else "BB")
    assert http.post(door, json={"code": forged}, headers=staff).json()["error"]["code"] == "unknown_ticket"
    assert http.post(door, json={"code": tickets[1]["code"]}, headers=stranger).status_code == 403

    with ThreadPoolExecutor(2) as gates:  # two gates scan the same ticket at the same instant
        scans = list(gates.map(lambda who: http.post(door, json={"code": tickets[1]["code"]}, headers=who),
                               (staff, organizer)))  # fmt: skip
    assert sorted(s.status_code for s in scans) == [200, 409]
    stats = http.get(f"{door}/stats", headers=staff).json()
    assert (stats["total"], stats["checked_in"]) == (3, 2)
    assert [(t["total"], t["checked_in"]) for t in stats["by_type"]] == [(2, 2), (1, 0)]


def _exports_read_back(http: httpx.Client, organizer: dict[str, str], event_id: str, booking_id: str) -> None:
    listed = http.get(f"/api/organizer/events/{event_id}/attendees.csv", headers=organizer)
    assert listed.status_code == 200 and listed.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(listed.content.decode("utf-8"))))
    assert sorted(r["attendee_name"] for r in rows) == sorted([NAMES[0], "Grace Hopper", NAMES[2]])
    assert sorted(r["status"] for r in rows) == ["checked_in", "checked_in", "valid"]
    orders = list(csv.DictReader(io.StringIO(http.get(
        f"/api/organizer/events/{event_id}/orders.csv", headers=organizer).content.decode("utf-8"))))  # fmt: skip
    (order,) = orders
    assert (order["booking_id"], order["buyer_name"], order["promo_code"]) == (booking_id, "Ada Buyer", "EARLY10")
    assert (order["seats"], order["discount_cents"], order["amount_cents"]) == ("3", "1400", "12600")
