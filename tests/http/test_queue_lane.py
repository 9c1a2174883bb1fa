"""The waiting room's lane (ingress/queue_lane.py) answers polls and joins by itself, and exactly as the FastAPI
routes do: each case is asked of the lane alone (an app behind it that fails if reached) and of the route (the lane
told to match nothing), and the two answers must be the same, status, headers and body."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from ingress import queue_lane
from ingress.queue_lane import QueueLane
from tests.fakes import FakeClock
from tests.http.conftest import Headers, event_body

Answer = tuple[int, dict[str, str], bytes]


async def _unreachable(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("the lane passed a poll or join on")


def _from_lane(client: TestClient, app: FastAPI, path: str, headers: Headers, method: str = "GET") -> Answer:
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "app": app,
    }
    assert client.portal is not None
    client.portal.call(QueueLane(_unreachable), scope, receive, send)
    # marked with FastAPI's route, so that the per-route metrics (ingress/route_metrics.py) name it as the route would
    route = scope.get("route")
    assert getattr(route, "path", None) == "/api/events/{id}/queue"
    assert getattr(route, "endpoint", None) is queue_lane.ENDPOINTS[method]  # the poll's route, or the join's
    start, body = messages[0], b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def _from_route(
    client: TestClient, path: str, headers: Headers, monkeypatch: pytest.MonkeyPatch, method: str = "GET"
) -> Answer:
    with monkeypatch.context() as patch:
        patch.setattr(queue_lane, "QUEUE_PATH", re.compile(r"(?!)"))  # the lane takes nothing: FastAPI answers
        answer = client.request(method, path, headers=headers)
    security = ("x-content-type-options", "referrer-policy", "x-frame-options")  # the outer middlewares' own
    kept = {k: v for k, v in answer.headers.items() if k not in security}
    return answer.status_code, kept, answer.content


@pytest.fixture
def compare(client: TestClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Answer]:
    def compare(path: str, headers: Headers, method: str = "GET") -> Answer:
        lane = _from_lane(client, app, path, headers, method)
        route = _from_route(client, path, headers, monkeypatch, method)
        assert lane == route
        return lane

    return compare


def _room(client: TestClient, organizer: Headers, clock: FakeClock, **extra: Any) -> str:
    body = event_body(waiting_room=True, sale_starts_at=(clock.now() + timedelta(hours=1)).isoformat(), **extra)
    created = client.post("/api/events", json=body, headers=organizer)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_a_poll_before_the_opening_and_once_admitted_is_the_routes_answer(
    client: TestClient, organizer: Headers, customer: Headers, clock: FakeClock, compare: Callable[..., Answer]
) -> None:
    event_id = _room(client, organizer, clock)
    assert client.post(f"/api/events/{event_id}/queue", headers=customer).status_code == 201
    status, headers, body = compare(f"/api/events/{event_id}/queue", customer)
    assert status == 200 and int(headers["retry-after"]) >= 1 and b'"status":"waiting"' in body

    clock.advance(hours=1, seconds=1)
    deadline = time.monotonic() + 10  # the admission loop runs every 50 ms
    while b'"status":"admitted"' not in body and time.monotonic() < deadline:
        time.sleep(0.05)
        status, headers, body = compare(f"/api/events/{event_id}/queue", customer | {"X-Request-ID": "r-1"})
    assert status == 200 and b'"pass":"' in body and b'"position":1' in body


def test_errors_are_the_routes_errors(
    client: TestClient,
    organizer: Headers,
    customer: Headers,
    other_customer: Headers,
    clock: FakeClock,
    compare: Callable[..., Answer],
) -> None:
    event_id = _room(client, organizer, clock)
    plain = client.post("/api/events", json=event_body(), headers=organizer).json()["id"]
    assert compare(f"/api/events/{event_id}/queue", other_customer)[0] == 404  # not in this queue
    assert compare("/api/events/no-such-event/queue", customer)[0] == 404
    assert compare(f"/api/events/{plain}/queue", customer)[0] == 409  # waiting_room_off
    assert compare(f"/api/events/{event_id}/queue", {"Authorization": "Bearer forged.token.here"})[0] == 401
    assert compare(f"/api/events/{event_id}/queue", {"Authorization": customer["Authorization"].lower()})[0] == 401
    assert client.post("/api/auth/logout", headers=customer).status_code == 204
    status, headers, _ = compare(f"/api/events/{event_id}/queue", customer)  # a logged-out session
    assert status == 401 and headers["www-authenticate"] == "Bearer"


def test_a_join_is_the_routes_join(
    client: TestClient,
    app: FastAPI,
    organizer: Headers,
    customer: Headers,
    other_customer: Headers,
    clock: FakeClock,
    compare: Callable[..., Answer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event_id = _room(client, organizer, clock)
    path = f"/api/events/{event_id}/queue"
    # A first join changes the queue, so one buyer joins through the lane and another through the route: the same
    # status and body (before the opening nobody has a position yet); Retry-After differs only by each one's offset.
    first = _from_lane(client, app, path, customer, "POST")
    second = _from_route(client, path, other_customer, monkeypatch, "POST")
    assert first[0] == second[0] == 201 and first[2] == second[2]
    assert first[1].keys() == second[1].keys() and first[1]["content-type"] == "application/json"
    assert 1 <= int(first[1]["retry-after"]) <= 60 and 1 <= int(second[1]["retry-after"]) <= 60
    # Joining again answers the same entry, 200, from either.
    status, _, body = compare(path, customer, "POST")
    assert status == 200 and b'"status":"waiting"' in body and b'"position":null' in body
    assert compare(path, other_customer, "POST")[0] == 200
    # Both are in the one queue, once each: after the opening they hold positions 1 and 2. (Read by plain polls: the
    # admission loop may admit either between a lane's answer and the route's, so these two are not compared.)
    clock.advance(hours=1, seconds=1)
    positions = {client.get(path, headers=who).json()["position"] for who in (customer, other_customer)}
    assert positions == {1, 2}


def test_join_errors_are_the_routes_errors(
    client: TestClient, organizer: Headers, customer: Headers, clock: FakeClock, compare: Callable[..., Answer]
) -> None:
    event_id = _room(client, organizer, clock)
    plain = client.post("/api/events", json=event_body(), headers=organizer).json()["id"]
    assert compare("/api/events/no-such-event/queue", customer, "POST")[0] == 404
    assert compare(f"/api/events/{plain}/queue", customer, "POST")[0] == 409  # waiting_room_off
    forged = {"Authorization": "Bearer forged.token.here"}
    assert compare(f"/api/events/{event_id}/queue", forged, "POST")[0] == 401
    assert client.post("/api/auth/logout", headers=customer).status_code == 204
    status, headers, _ = compare(f"/api/events/{event_id}/queue", customer, "POST")  # a logged-out session
    assert status == 401 and headers["www-authenticate"] == "Bearer"


def test_a_leave_goes_to_the_route(
    client: TestClient, app: FastAPI, organizer: Headers, customer: Headers, clock: FakeClock
) -> None:
    event_id = _room(client, organizer, clock)
    assert client.post(f"/api/events/{event_id}/queue", headers=customer).status_code == 201
    with pytest.raises(AssertionError, match="passed a poll or join on"):  # the lane hands a leave on
        _from_lane(client, app, f"/api/events/{event_id}/queue", customer, "DELETE")
    assert client.delete(f"/api/events/{event_id}/queue", headers=customer).status_code == 204
    assert client.get(f"/api/events/{event_id}/queue", headers=customer).status_code == 404


@pytest.mark.parametrize(
    ("path", "headers", "status", "code"),
    [
        ("/api/events/{id}/queue", {}, 401, "unauthenticated"),  # no token
        ("/api/events/{id}/queue", {"Authorization": "Basic YTpi"}, 401, "unauthenticated"),
        ("/api/events/{id}/queue", {"Authorization": "Bearer"}, 401, "unauthenticated"),  # no credentials
        ("/api/events/bad%20id!/queue", None, 422, "validation_error"),  # an id the route's pattern refuses
    ],
)
def test_what_the_lane_does_not_take_fastapi_answers_in_the_contracts_body(
    client: TestClient,
    organizer: Headers,
    customer: Headers,
    clock: FakeClock,
    path: str,
    headers: Headers | None,
    status: int,
    code: str,
) -> None:
    event_id = _room(client, organizer, clock)
    for method in ("GET", "POST"):
        answer = client.request(method, path.format(id=event_id), headers=customer if headers is None else headers)
        assert answer.status_code == status
        assert answer.json()["error"]["code"] == code
