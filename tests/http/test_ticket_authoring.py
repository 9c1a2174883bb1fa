"""Ticket types, promo codes and attendees over HTTP, on the in-memory fakes and on a migrated SQLite file (the real SQL
adapters): what an organizer authors, what strangers are refused, bad bodies as clear 422s, and seats renamed."""

from __future__ import annotations

from typing import Any

from domain.accounts import Role
from tests.http import test_tickets
from tests.http.conftest import Headers, assert_error, event_body
from tests.http.sqlite_support import SqlApp, migrated_sqlite, sql_app  # noqa: F401 - fixtures
from tests.http.test_tickets import World, paid_booking

world = test_tickets.world  # on the fakes and on a migrated SQLite file, as the tickets' tests run
VIP = {"name": "VIP", "price_cents": 9000, "quota": 10, "max_per_order": 2}


def new_event(world: World, organizer: Headers, **overrides: Any) -> dict[str, Any]:
    created = world.client.post("/api/events", json=event_body(**overrides), headers=organizer)
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_an_organizer_adds_a_type_and_a_code_and_lists_the_codes(world: World) -> None:
    client = world.client
    organizer = world.sign_up("org@example.com", role=Role.ORGANIZER)
    event = new_event(world, organizer, capacity=100)
    base = f"/api/events/{event['id']}"

    added = client.post(f"{base}/ticket-types", json=VIP | {"sales_end": "2099-01-01T00:00:00Z"}, headers=organizer)
    assert added.status_code == 201, added.text
    vip = added.json()
    assert vip | {"id": "x"} == {
        "id": "x", "name": "VIP", "price_cents": 9000, "quota": 10, "available": 10, "sales_start": None,
        "sales_end": "2099-01-01T00:00:00Z", "max_per_order": 2,
    }  # fmt: skip
    shown = client.get(f"/api/events/{event['id']}").json()["ticket_types"]
    assert [(t["name"], t["id"]) for t in shown] == [("General admission", shown[0]["id"]), ("VIP", vip["id"])]

    body = {"code": "vip-50", "percent_off": 50, "max_uses": 3, "ticket_type_ids": [vip["id"]]}
    code = client.post(f"{base}/promo-codes", json=body | {"valid_until": "2099-06-01T12:00:00Z"}, headers=organizer)
    assert code.status_code == 201, code.text
    assert code.json() | {"id": "x"} == {
        "id": "x", "code": "VIP-50", "percent_off": 50, "amount_off_cents": None, "max_uses": 3, "uses": 0,
        "valid_until": "2099-06-01T12:00:00Z", "ticket_type_ids": [vip["id"]],
    }  # fmt: skip
    flat = client.post(f"{base}/promo-codes", json={"code": "FLAT5", "amount_off_cents": 500}, headers=organizer)
    assert flat.status_code == 201 and flat.json()["ticket_type_ids"] is None, flat.text
    again = client.post(f"{base}/promo-codes", json={"code": "Vip-50", "percent_off": 10}, headers=organizer)
    assert assert_error(again, 409, "promo_code_taken")["details"] == {"promo_code": "VIP-50"}

    listed = client.get(f"{base}/promo-codes", headers=organizer)
    assert listed.status_code == 200, listed.text
    assert [(c["code"], c["uses"]) for c in listed.json()["items"]] == [("VIP-50", 0), ("FLAT5", 0)]


def test_an_organizer_patches_a_type_and_its_quota_stays_above_what_is_taken(world: World) -> None:
    client = world.client
    organizer = world.sign_up("org@example.com", role=Role.ORGANIZER)
    buyer = world.sign_up("ada@example.com")
    event = new_event(world, organizer, capacity=100)
    (ga,) = event["ticket_types"]
    path = f"/api/events/{event['id']}/ticket-types/{ga['id']}"

    patched = client.patch(path, json={"quota": 40, "name": "Standing", "max_per_order": 4}, headers=organizer)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["quota"], patched.json()["name"], patched.json()["available"]) == (40, "Standing", 40)
    cleared = client.patch(path, json={"max_per_order": None}, headers=organizer)
    assert (cleared.json()["max_per_order"], cleared.json()["quota"]) == (None, 40)

    paid_booking(client, buyer, event["id"], 3, "buy")  # three seats of the first type are sold
    refused = assert_error(client.patch(path, json={"quota": 2}, headers=organizer), 409, "capacity_below_sold")
    assert refused["details"]["seats_taken"] == 3
    assert client.patch(path, json={"quota": 3}, headers=organizer).json()["available"] == 0
    unknown = client.patch(f"/api/events/{event['id']}/ticket-types/nope", json={"quota": 1}, headers=organizer)
    assert_error(unknown, 404, "not_found")
    cancelled = client.post(f"/api/events/{event['id']}/cancel", headers=organizer)
    assert cancelled.status_code == 200, cancelled.text
    assert_error(client.patch(path, json={"quota": 50}, headers=organizer), 409, "event_cancelled")


def test_strangers_author_nothing(world: World) -> None:
    client = world.client
    organizer = world.sign_up("org@example.com", role=Role.ORGANIZER)
    rival = world.sign_up("rival@example.com", role=Role.ORGANIZER)
    customer = world.sign_up("ada@example.com")
    event = new_event(world, organizer)
    base = f"/api/events/{event['id']}"
    type_path = f"{base}/ticket-types/{event['ticket_types'][0]['id']}"
    code = {"code": "X", "percent_off": 5}

    for who, status, error in ((rival, 404, "not_found"), (customer, 403, "forbidden")):
        assert_error(client.post(f"{base}/ticket-types", json=VIP, headers=who), status, error)
        assert_error(client.patch(type_path, json={"quota": 1}, headers=who), status, error)
        assert_error(client.post(f"{base}/promo-codes", json=code, headers=who), status, error)
        assert_error(client.get(f"{base}/promo-codes", headers=who), status, error)
    assert_error(client.post(f"{base}/ticket-types", json=VIP), 401, "unauthenticated")
    assert_error(client.get(f"{base}/promo-codes"), 401, "unauthenticated")
    assert_error(client.post("/api/events/no-such/ticket-types", json=VIP, headers=organizer), 404, "not_found")
    assert [t["name"] for t in client.get(f"/api/events/{event['id']}").json()["ticket_types"]] == ["General admission"]
    assert client.get(f"{base}/promo-codes", headers=organizer).json() == {"items": []}


def test_bad_bodies_are_clear_422s(world: World) -> None:
    client = world.client
    organizer = world.sign_up("org@example.com", role=Role.ORGANIZER)
    event, other = new_event(world, organizer), new_event(world, organizer)
    base = f"/api/events/{event['id']}"
    (ga,) = event["ticket_types"]

    for body, field in (
        ({"price_cents": 100, "quota": 5}, "name"),
        (VIP | {"price_cents": -1}, "price_cents"),
        (VIP | {"quota": "5"}, "quota"),
        (VIP | {"quota": 1_000_001}, "quota"),
        (VIP | {"max_per_order": 0}, "max_per_order"),
        (VIP | {"sales_start": "tomorrow"}, "sales_start"),
        (VIP | {"name": " "}, "name"),
        (VIP | {"sales_start": "2030-01-02T00:00:00Z", "sales_end": "2030-01-01T00:00:00Z"}, "sales_end"),
        (VIP | {"taken": 0}, "taken"),
    ):
        refused = assert_error(
            client.post(f"{base}/ticket-types", json=body, headers=organizer), 422, "validation_error"
        )
        assert field in refused["details"]["fields"], (body, refused)
    patch = client.patch(f"{base}/ticket-types/{ga['id']}", json={"price_cents": 2.5}, headers=organizer)
    assert "price_cents" in assert_error(patch, 422, "validation_error")["details"]["fields"]

    foreign = other["ticket_types"][0]["id"]
    for body, field in (
        ({"code": "BOTH", "percent_off": 5, "amount_off_cents": 5}, "percent_off"),
        ({"code": "NONE"}, "percent_off"),
        ({"code": "HALF", "percent_off": 101}, "percent_off"),
        ({"code": "bad code!", "percent_off": 5}, "code"),
        ({"code": "", "percent_off": 5}, "code"),
        ({"code": "SCOPE", "percent_off": 5, "ticket_type_ids": []}, "ticket_type_ids"),
        ({"code": "SCOPE", "percent_off": 5, "ticket_type_ids": [foreign]}, "ticket_type_ids"),
        ({"code": "USES", "percent_off": 5, "max_uses": 0}, "max_uses"),
    ):
        refused = assert_error(
            client.post(f"{base}/promo-codes", json=body, headers=organizer), 422, "validation_error"
        )
        assert field in refused["details"]["fields"], (body, refused)
    assert client.get(f"{base}/promo-codes", headers=organizer).json() == {"items": []}


def test_the_owner_renames_the_seats_and_the_tickets_follow(world: World) -> None:
    client = world.client
    organizer = world.sign_up("org@example.com", role=Role.ORGANIZER)
    buyer = world.sign_up("zoe@example.com", name="Zoë")
    stranger = world.sign_up("eve@example.com")
    event = new_event(world, organizer)
    booking = paid_booking(client, buyer, event["id"], 2, "buy")
    path = f"/api/bookings/{booking['id']}/attendees"

    renamed = client.put(path, json={"attendees": [{"name": "Grace", "email": "Grace@Example.com"}, {}]}, headers=buyer)
    assert renamed.status_code == 200, renamed.text
    shown = client.get(f"/api/bookings/{booking['id']}", headers=buyer).json()
    assert renamed.json() == shown
    assert shown["attendees"] == [{"name": "Grace", "email": "grace@example.com"}, {"name": None, "email": None}]
    tickets = client.get(f"/api/bookings/{booking['id']}/tickets", headers=buyer).json()["items"]
    assert sorted(t["attendee_name"] for t in tickets) == ["Grace", "Zoë"]

    assert_error(client.put(path, json={"attendees": [{"name": "Eve"}, {}]}, headers=stranger), 404, "not_found")
    wrong = assert_error(
        client.put(path, json={"attendees": [{"name": "Solo"}]}, headers=buyer), 422, "validation_error"
    )
    assert "attendees" in wrong["details"]["fields"]
    for body in ({"attendees": []}, {}, {"attendees": [{"name": "A", "email": "not-mail"}, {}]},
                 {"attendees": [{"name": "A", "age": 3}, {}]}, {"attendees": [{"name": "A\nB"}, {}]}):  # fmt: skip
        assert_error(client.put(path, json=body, headers=buyer), 422, "validation_error")
    assert_error(client.put(path, json={"attendees": [{}, {}]}), 401, "unauthenticated")

    assert client.post(f"/api/bookings/{booking['id']}/cancel", headers=buyer).status_code == 200
    after = client.put(path, json={"attendees": [{"name": "Late"}, {}]}, headers=buyer)
    assert_error(after, 409, "booking_not_pending")


def test_a_pending_hold_is_renamed_before_it_is_paid(world: World) -> None:
    client = world.client
    organizer = world.sign_up("org@example.com", role=Role.ORGANIZER)
    buyer = world.sign_up("ada@example.com")
    event = new_event(world, organizer)
    held = client.post(
        "/api/bookings", json={"event_id": event["id"], "quantity": 1}, headers=buyer | {"Idempotency-Key": "h"}
    ).json()

    renamed = client.put(f"/api/bookings/{held['id']}/attendees", json={"attendees": [{"name": "Lin"}]}, headers=buyer)

    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["status"], renamed.json()["attendees"]) == ("pending", [{"name": "Lin", "email": None}])


def test_a_hold_needs_its_seats_and_a_quantity_that_is_the_lines_sum(world: World) -> None:
    client = world.client
    buyer = world.sign_up("ada@example.com")
    event = new_event(world, world.sign_up("org@example.com", role=Role.ORGANIZER))
    line = {"ticket_type_id": event["ticket_types"][0]["id"], "quantity": 2}
    for i, body in enumerate(({}, {"quantity": 3, "lines": [line]}, {"quantity": None})):
        answer = client.post(
            "/api/bookings", json={"event_id": event["id"], **body}, headers={**buyer, "Idempotency-Key": f"k-{i}"}
        )
        assert "quantity" in assert_error(answer, 422, "validation_error")["details"]["fields"], (body, answer.text)
    held = client.post(
        "/api/bookings", json={"event_id": event["id"], "quantity": 2, "lines": [line]},
        headers={**buyer, "Idempotency-Key": "ok"},
    )  # fmt: skip
    assert held.status_code == 201 and held.json()["quantity"] == 2, held.text
    assert client.get(f"/api/events/{event['id']}").json()["seats_available"] == event["capacity"] - 2
