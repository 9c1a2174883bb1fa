"""Taking Redis or the broker away from the running platform loses nothing, and /health says so."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from tests.e2e.conftest import Api, Proxies
from tests.e2e.live_app import LiveApp

GOOD = "4242 4242 4242 4242"


def _eventually(check: Callable[[], bool], within_s: float = 30) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def _check(http: httpx.Client, name: str) -> str:
    return str(http.get("/health").json()["checks"][name])


def test_with_redis_gone_every_route_still_answers_and_health_says_cache_degraded(
    api: Api, http: httpx.Client, proxies: Proxies
) -> None:
    assert _check(http, "cache") == "ok"
    organizer = api.organizer()
    event = api.create_event(organizer, capacity=5)
    proxies.redis.cut()
    try:
        assert http.get("/api/events", params={"q": event["title"]}).json()["items"][0]["id"] == event["id"]
        me = api.register_and_login()
        booking = api.hold(me, event["id"], 2).json()
        assert http.get(f"/api/events/{event['id']}").json()["seats_available"] == 3
        assert api.pay(me, booking["id"], GOOD).json()["status"] == "confirmed"
        assert http.get("/api/bookings", headers=me).json()["items"][0]["id"] == booking["id"]
        wrong = http.post("/api/auth/login", json={"email": "customer@example.com", "password": "nope-nope"})
        assert wrong.status_code == 401  # throttling falls back to the replica's own counters
        health = http.get("/health")
        assert health.status_code == 200 and health.json()["checks"]["cache"] == "degraded"
    finally:
        proxies.redis.restore()
    assert _eventually(lambda: _check(http, "cache") == "ok")
    # Back on the cache, the reads are fresh: the edit made during the outage shows.
    assert http.get(f"/api/events/{event['id']}").json()["seats_available"] == 3


def test_with_the_broker_gone_bookings_confirm_and_their_emails_arrive_once_it_is_back(
    api: Api, http: httpx.Client, proxies: Proxies, live_app: LiveApp
) -> None:
    assert _eventually(lambda: _check(http, "broker") == "ok")
    event = api.create_event(api.organizer(), capacity=10)
    proxies.broker.cut()
    try:
        assert _eventually(lambda: _check(http, "broker") in ("degraded", "down"))
        paid = []
        for _ in range(3):
            me = api.register_and_login()
            booking = api.hold(me, event["id"], 1).json()
            response = api.pay(me, booking["id"], GOOD)
            assert response.status_code == 200 and response.json()["status"] == "confirmed"
            paid.append(booking["id"])
        assert http.get("/health").status_code == 200  # the broker is optional: degraded, not down
        time.sleep(2)
        assert _mails_for(live_app, paid) == {}
    finally:
        proxies.broker.restore()
    assert _eventually(lambda: len(_mails_for(live_app, paid)) == 3, within_s=45)
    time.sleep(2)
    assert all(count == 1 for count in _mails_for(live_app, paid).values())


def _mails_for(live_app: LiveApp, booking_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for path in (live_app.log_path.parent / "var" / "mail").glob("*.eml"):
        text = path.read_text()
        for booking_id in booking_ids:
            if booking_id in text:
                found[booking_id] = found.get(booking_id, 0) + 1
    return found
