"""The security review's requests (issue 14), sent again: each now gets the contract's answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
from fastapi.testclient import TestClient

from domain.accounts import Role
from ingress.http_guards import MAX_BODY_BYTES
from tests.fakes import InMemoryStore
from tests.http.conftest import SECRET, Headers, assert_error, card, event_body

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY"}


def forged(headers: Headers, **claims: Any) -> Headers:
    """The caller's own token, re-signed with other claims (what anyone holding the signing key could do)."""
    token = headers["Authorization"].removeprefix("Bearer ")
    original = jwt.decode(token, SECRET, algorithms=["HS256"])
    return {"Authorization": "Bearer " + jwt.encode(original | claims | {"jti": "forged"}, SECRET, algorithm="HS256")}


def test_a_role_written_into_the_token_is_not_the_accounts_role(client: TestClient, customer: Headers) -> None:
    admin = forged(customer, role="admin")

    assert_error(client.post("/api/events", json=event_body(), headers=admin), 403, "forbidden")
    assert_error(client.get("/api/organizer/events", headers=admin), 403, "forbidden")
    assert client.get("/api/auth/me", headers=admin).json()["role"] == "customer"


def test_a_demoted_organizer_loses_the_role_at_the_next_request(
    client: TestClient, organizer: Headers, store: InMemoryStore
) -> None:
    assert client.post("/api/events", json=event_body(), headers=organizer).status_code == 201
    for user in store.tables["users"].values():
        user.role = Role.CUSTOMER

    assert_error(client.post("/api/events", json=event_body(), headers=organizer), 403, "forbidden")


def test_the_currency_is_locked_once_seats_are_sold(
    client: TestClient, organizer: Headers, customer: Headers, event: dict[str, Any], hold: Callable[..., Any]
) -> None:
    booking = hold(customer, event["id"]).json()
    paid = client.post(f"/api/bookings/{booking['id']}/pay", json=card(), headers=customer | {"Idempotency-Key": "p"})
    assert paid.status_code == 200, paid.text

    answer = client.patch(f"/api/events/{event['id']}", json={"currency": "JPY"}, headers=organizer)

    assert_error(answer, 409, "currency_locked")
    assert client.get(f"/api/events/{event['id']}").json()["currency"] == "EUR"
    same = client.patch(f"/api/events/{event['id']}", json={"currency": "eur", "title": "New"}, headers=organizer)
    assert same.status_code == 200 and same.json()["title"] == "New"  # the same currency is no change


def test_the_currency_can_change_before_any_sale(client: TestClient, organizer: Headers, event: dict[str, Any]) -> None:
    answer = client.patch(f"/api/events/{event['id']}", json={"currency": "JPY"}, headers=organizer)
    assert answer.status_code == 200 and answer.json()["currency"] == "JPY"


def test_a_body_over_a_mebibyte_is_refused_from_its_length(client: TestClient, customer: Headers) -> None:
    body = b'{"email": "' + b"a" * MAX_BODY_BYTES + b'"}'
    answer = client.post("/api/auth/register", content=body, headers={"Content-Type": "application/json"})
    details = assert_error(answer, 413, "payload_too_large")["details"]
    assert details == {"max_bytes": MAX_BODY_BYTES}


def test_a_chunked_body_is_cut_off_at_the_limit(client: TestClient, customer: Headers) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:  # no Content-Length: the size is known only while reading
        nonlocal sent
        for _ in range(10 * 16):
            sent += 1
            yield b" " * 65_536

    answer = client.post("/api/auth/register", content=chunks(), headers={"Content-Type": "application/json"})

    assert_error(answer, 413, "payload_too_large")


def test_every_api_answer_carries_the_security_headers(client: TestClient) -> None:
    for answer in (client.get("/api/events"), client.get("/api/nothing"), client.get("/health")):
        assert SECURITY_HEADERS.items() <= answer.headers.items()
        assert answer.headers["referrer-policy"]


def test_the_docs_page_loads_nothing_from_another_origin(client: TestClient) -> None:
    page = client.get("/api/docs")

    assert page.status_code == 200 and "cdn" not in page.text and "https://" not in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    script = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and SECURITY_HEADERS.items() <= script.headers.items()


def test_a_logged_out_token_no_longer_sees_the_organizers_drafts(client: TestClient, organizer: Headers) -> None:
    draft = client.post("/api/events", json=event_body(status="draft"), headers=organizer).json()
    assert client.get(f"/api/events/{draft['id']}", headers=organizer).status_code == 200

    assert client.post("/api/auth/logout", headers=organizer).status_code == 204

    assert_error(client.get(f"/api/events/{draft['id']}", headers=organizer), 404, "not_found")


def test_the_host_header_is_never_reflected_in_a_redirect(client: TestClient) -> None:
    answer = client.get("/api/events/", headers={"Host": "evil.example"}, follow_redirects=False)

    assert answer.status_code == 404 and "location" not in answer.headers
    assert "evil.example" not in answer.text


def test_an_expired_forged_token_is_still_refused(client: TestClient, customer: Headers) -> None:
    assert_error(client.get("/api/auth/me", headers=forged(customer, exp=int(time.time()) - 5)), 401, "unauthenticated")


def test_sign_ups_are_throttled_per_address(client: TestClient) -> None:
    def sign_up(n: int) -> Any:
        body = {"email": f"bot{n}@example.org", "password": "password-1", "name": "Bot"}
        return client.post("/api/auth/register", json=body)

    statuses = [sign_up(n).status_code for n in range(21)]

    assert statuses == [201] * 20 + [429]  # EVENTBOOK_REGISTER_MAX_PER_IP: 20 an hour by default
    assert int(sign_up(99).headers["retry-after"]) > 3000
