"""Whatever is sent, the answer is the contract's error body with a fitting status, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ingress.services import Services
from tests.http.conftest import Headers, assert_error, card


def test_bad_json_is_a_bad_request(client: TestClient, customer: Headers) -> None:
    answer = client.post(
        "/api/bookings",
        content=b'{"event_id": "x", "quantity": ',
        headers=customer | {"Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    assert_error(answer, 400, "bad_request")
    assert_error(
        client.post("/api/auth/login", content=b"{nope", headers={"Content-Type": "application/json"}),
        400,
        "bad_request",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event_id": "e", "quantity": "two"}, "quantity"),
        ({"event_id": 12, "quantity": 1}, "event_id"),
        ({"quantity": 1}, "event_id"),
        ({"event_id": "e", "quantity": 1, "extra": True}, "extra"),
        ([1, 2], "body"),
    ],
)
def test_wrong_types_are_a_validation_error_naming_the_field(
    client: TestClient, customer: Headers, body: Any, field: str
) -> None:
    answer = client.post("/api/bookings", json=body, headers=customer | {"Idempotency-Key": "k"})
    assert field in assert_error(answer, 422, "validation_error")["details"]["fields"]


@pytest.mark.parametrize("quantity", [0, 11, -1])
def test_a_quantity_outside_one_to_ten_is_a_validation_error(
    hold: Any, customer: Headers, event: dict[str, Any], quantity: int
) -> None:
    assert_error(hold(customer, event["id"], quantity), 422, "validation_error")


@pytest.mark.parametrize(
    ("number", "field"),
    [("4242 4242 4242 4241", "card_number"), ("not a card", "card_number"), ("4242", "card_number")],
)
def test_a_bad_card_number_is_a_validation_error(
    client: TestClient, hold: Any, customer: Headers, event: dict[str, Any], number: str, field: str
) -> None:
    booking = hold(customer, event["id"]).json()
    answer = client.post(
        f"/api/bookings/{booking['id']}/pay", json=card(number), headers=customer | {"Idempotency-Key": "k"}
    )
    assert field in assert_error(answer, 422, "validation_error")["details"]["fields"]


def test_an_expired_card_is_a_validation_error(
    client: TestClient, hold: Any, customer: Headers, event: dict[str, Any]
) -> None:
    booking = hold(customer, event["id"]).json()
    answer = client.post(
        f"/api/bookings/{booking['id']}/pay", json=card(exp_year=2001), headers=customer | {"Idempotency-Key": "k"}
    )
    assert "exp_year" in assert_error(answer, 422, "validation_error")["details"]["fields"]


@pytest.mark.parametrize("path", ["/api/nope", "/api/events/x/y/z", "/nothing-here"])
def test_an_unknown_route_is_not_found(client: TestClient, path: str) -> None:
    assert_error(client.get(path), 404, "not_found")


def test_a_wrong_method_is_refused_with_the_error_body(client: TestClient) -> None:
    answer = client.delete("/api/events")
    assert_error(answer, 405, "method_not_allowed")
    assert answer.headers["Allow"] == "GET, POST"


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "many"}, {"starts_after": "soon"}])
def test_bad_list_parameters_are_a_validation_error(client: TestClient, params: dict[str, Any]) -> None:
    assert_error(client.get("/api/events", params=params), 422, "validation_error")


@pytest.mark.parametrize("cursor", ["garbage!", "bm90IGpzb24", "WzEsMl0"])
def test_a_bad_cursor_is_a_validation_error(client: TestClient, customer: Headers, cursor: str) -> None:
    fields = assert_error(client.get("/api/events", params={"cursor": cursor}), 422, "validation_error")
    assert list(fields["details"]["fields"]) == ["cursor"]
    assert_error(client.get("/api/bookings", params={"cursor": cursor}, headers=customer), 422, "validation_error")


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer a.b.c", "token"]
)
def test_a_missing_or_garbage_bearer_token_is_unauthenticated(client: TestClient, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for answer in (client.get("/api/auth/me", headers=headers), client.get("/api/bookings", headers=headers)):
        assert_error(answer, 401, "unauthenticated")
        assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_garbage_token_does_not_stop_public_browsing(client: TestClient, event: dict[str, Any]) -> None:
    headers = {"Authorization": "Bearer garbage"}
    assert client.get("/api/events", headers=headers).status_code == 200
    assert client.get(f"/api/events/{event['id']}", headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/api/events/no%20such", "/api/events/%00", "/api/bookings/" + "x" * 65])
def test_a_malformed_id_is_a_validation_error(client: TestClient, customer: Headers, path: str) -> None:
    assert_error(client.get(path, headers=customer), 422, "validation_error")


def test_an_unknown_event_is_not_found(client: TestClient, hold: Any, customer: Headers) -> None:
    assert_error(client.get("/api/events/no-such-event"), 404, "not_found")
    assert_error(hold(customer, "no-such-event"), 404, "not_found")


def test_register_refuses_short_passwords_and_bad_emails(client: TestClient) -> None:
    short = client.post("/api/auth/register", json={"email": "a@example.com", "password": "short", "name": "A"})
    assert "password" in assert_error(short, 422, "validation_error")["details"]["fields"]
    bad = client.post("/api/auth/register", json={"email": "not-an-email", "password": "long-enough", "name": "A"})
    assert "email" in assert_error(bad, 422, "validation_error")["details"]["fields"]


class Failing:
    """A catalog whose every call raises the error given."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Any:
        async def fail(*args: Any, **kwargs: Any) -> Any:
            raise self.error

        return fail


def test_an_unexpected_exception_is_a_500_internal_without_a_traceback(services: Services, client: TestClient) -> None:
    services.catalog = Failing(RuntimeError("secret internals"))
    answer = client.get("/api/events")
    assert_error(answer, 500, "internal")
    assert "secret" not in answer.text and "Traceback" not in answer.text


def test_timeouts_and_overload_from_the_services_become_504_and_503(services: Services, client: TestClient) -> None:
    from domain import errors

    services.catalog = Failing(errors.Timeout())
    assert_error(client.get("/api/events"), 504, "timeout")
    services.catalog = Failing(errors.Overloaded(retry_after=3))
    overloaded = client.get("/api/events")
    assert_error(overloaded, 503, "overloaded")
    assert overloaded.headers["Retry-After"] == "3"
    services.catalog = Failing(errors.RateLimited())
    assert client.get("/api/events").headers["Retry-After"] == "1"
