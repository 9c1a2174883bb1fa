"""The ingress's per-route metrics: every request is counted under the route template FastAPI matched."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Scope

from ingress.route_metrics import UNMATCHED, RouteMetrics, route_of
from tests.http.conftest import Headers, event_body


def test_requests_are_recorded_by_route_template_method_and_status(
    app: FastAPI, organizer: Headers, customer: Headers
) -> None:
    recorded: list[tuple[str, str, int, float]] = []

    def record(scope: Scope, status: int, elapsed_ms: float) -> None:
        recorded.append((scope["method"], route_of(scope), status, elapsed_ms))

    with TestClient(RouteMetrics(app, record=record)) as client:
        event = client.post("/api/events", json=event_body(), headers=organizer).json()
        client.get(f"/api/events/{event['id']}")
        client.get("/api/events/no-such-event")
        client.post("/api/bookings", json={"event_id": event["id"], "quantity": 1}, headers=customer)  # no key
        client.get("/api/no/such/route")

    assert [(method, route, status) for method, route, status, _ in recorded] == [
        ("POST", "/api/events", 201),
        ("GET", "/api/events/{id}", 200),
        ("GET", "/api/events/{id}", 404),
        ("POST", "/api/bookings", 400),
        ("GET", UNMATCHED, 404),
    ]
    assert all(elapsed_ms >= 0 for *_, elapsed_ms in recorded)


def test_a_failing_recorder_does_not_fail_the_request(app: FastAPI) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("metrics backend gone")

    with TestClient(RouteMetrics(app, record=broken)) as client:  # raises what escapes the app
        assert client.get("/health").status_code == 200
