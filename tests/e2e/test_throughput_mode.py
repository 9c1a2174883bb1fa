"""`make run`'s throughput mode, HAProxy (Debian's) in front of Serve, seen from a second app.

The session's app runs in this mode too (as `make run` does). This one has its own Ray instance and its own
database next to it: that two can run at once is the point of the launcher's free HAProxy ports. It must keep the
contract (JSON errors, statuses) and stop HAProxy when it stops. (Per-route counts behind HAProxy are checked on the
session's app, in Prometheus: tests/e2e/test_observability.py.) Serve's Python proxy
(`make run SERVE_MODE=default`) is what `serve deploy` uses on a cluster: tests/cluster/test_multi_node.py.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.e2e.conftest import FAST_CLOCKS, SERVER, Api
from tests.e2e.live_app import LiveApp, free_port, start, stop

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def fast_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, int]]:
    name = f"eventbook_fast_{secrets.token_hex(4)}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    metrics_port = free_port()
    env = {
        **FAST_CLOCKS,
        "EVENTBOOK_DATABASE_URL": f"{SERVER.rsplit('/', 1)[0]}/{name}",
        "RAY_SERVE_HAPROXY_METRICS_PORT": str(metrics_port),
    }
    app = start(tmp_path_factory.mktemp("fast"), env, mode="throughput")
    try:
        yield app, metrics_port
    finally:
        stop(app)
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_haproxy_serves_the_app_and_its_own_metrics(fast_app: tuple[LiveApp, int]) -> None:
    app, metrics_port = fast_app
    log = Path(app.log_path).read_text(errors="replace")
    assert "throughput mode: HAProxy version" in log
    # Serve's proxy behind HAProxy binds with SO_REUSEPORT: on Ray's fixed 8500, two apps would share its connections
    backup = re.search(r"its backup, Serve's proxy, on port (\d+)", log)
    assert backup is not None and backup.group(1) != "8500"
    metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)
    assert metrics.status_code == 200 and "haproxy_frontend_http_requests_total" in metrics.text
    health = httpx.get(f"{app.base_url}/health", timeout=10).json()
    assert health["status"] == "ok"


def test_a_journey_and_the_contracts_errors_pass_through_haproxy(fast_app: tuple[LiveApp, int]) -> None:
    app, _ = fast_app
    with httpx.Client(base_url=app.base_url, timeout=30) as http:
        api = Api(http)
        buyer = api.register_and_login()
        event = api.create_event(api.organizer(), capacity=3)

        hold = api.hold(buyer, event["id"], 2)
        assert hold.status_code == 201, hold.text
        declined = api.pay(buyer, hold.json()["id"], "4000000000000002")
        assert declined.status_code == 402 and declined.json()["error"]["code"] == "card_declined"
        paid = api.pay(buyer, hold.json()["id"], "4242424242424242")
        assert paid.status_code == 200 and paid.json()["status"] == "confirmed", paid.text
        assert http.get(f"/api/bookings/{hold.json()['id']}/receipt", headers=buyer).status_code == 200

        sold_out = api.hold(buyer, event["id"], 2)
        assert sold_out.status_code == 409
        assert sold_out.json()["error"]["details"]["seats_available"] == 1
        missing = http.get(f"/api/events/{uuid.uuid4()}")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        no_key = http.post("/api/bookings", json={"event_id": event["id"], "quantity": 1}, headers=buyer)
        assert no_key.status_code == 400 and no_key.json()["error"]["code"] == "idempotency_key_missing"
        assert http.get("/api/bookings", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_stopping_the_app_stops_haproxy(fast_app: tuple[LiveApp, int]) -> None:
    # Last in this module: Ctrl-C on the launcher, as a person would, takes HAProxy down with Serve.
    app, metrics_port = fast_app
    stop(app)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{app.base_url}/health", timeout=10)
