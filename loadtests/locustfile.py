"""The platform's traffic mix for Locust (`make loadtest`, settings in loadtests/locust.conf).

`Customer` (the base user) registers a fresh account and logs in on start, retrying while the platform is busy.
`Shopper` browses (60 %), opens an event page (25 %), holds seats and pays (10 %) and reads its bookings (5 %).
`OnSaleBuyer` is the same person on the day one hot event goes on sale: mostly the hot event's page and hold + pay
on it. The hot event is created by the demo organizer when the run starts (`EVENTBOOK_LOAD_ORGANIZER`,
`_ORGANIZER_PASSWORD`, `_HOT_SEATS`).

409 `sold_out` is an answer the platform is expected to give: counted as a success (and tallied, printed at the
end). Every other non-2xx is a failure. Requests are grouped by route with `name=`, as loadtests/check.py expects.
"""

from __future__ import annotations

import logging
import os
import random
import time
import uuid
from collections import Counter
from typing import Any

import httpx
from locust import FastHttpUser, between, events, task
from locust.env import Environment
from locust.exception import StopUser

log = logging.getLogger("eventbook.locust")

PASSWORD = "correct horse battery"
CARD = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}
ORGANIZER = os.environ.get("EVENTBOOK_LOAD_ORGANIZER", "organizer@example.com")
ORGANIZER_PASSWORD = os.environ.get("EVENTBOOK_LOAD_ORGANIZER_PASSWORD", "organizer-pass-123")
HOT_SEATS = int(os.environ.get("EVENTBOOK_LOAD_HOT_SEATS", "1000"))

SIGN_IN_ATTEMPTS = 8
BUSY = {408, 502, 503, 504}
EXPECTED = Counter[str]()  # expected refusals (409 sold_out), by route
SIGN_IN_FAILURES = Counter[str]()  # failed register/login tries: reset-stats drops the ramp from the CSV, not here
hot_event: dict[str, str] = {}


@events.test_start.add_listener
def create_hot_event(environment: Environment, **_: Any) -> None:
    """The organizer puts one event on sale; OnSaleBuyer users all want it."""
    with httpx.Client(base_url=environment.host or "http://localhost:8000", timeout=30) as client:
        login = client.post("/api/auth/login", json={"email": ORGANIZER, "password": ORGANIZER_PASSWORD})
        if login.status_code != 200:
            log.warning("no organizer login (%s): OnSaleBuyer will use a listed event", login.status_code)
            return
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        body = {
            "title": f"On sale {uuid.uuid4().hex[:6]}",
            "description": "the hot event of a load test",
            "category": "music",
            "venue": "Load Arena",
            "starts_at": "2031-09-01T19:00:00Z",
            "ends_at": "2031-09-01T23:00:00Z",
            "capacity": HOT_SEATS,
            "price_cents": 4500,
            "currency": "EUR",
        }
        created = client.post("/api/events", json=body, headers=headers)
        created.raise_for_status()
        hot_event["id"] = created.json()["id"]


@events.test_stop.add_listener
def report_expected(**_: Any) -> None:
    for route, count in sorted(EXPECTED.items()):
        print(f"expected refusals (409 sold_out, counted ok): {route}: {count}")
    for what, count in sorted(SIGN_IN_FAILURES.items()):
        print(f"failed sign-in tries (retried; the ramp's stats are reset): {what}: {count}")


class Customer(FastHttpUser):
    """Someone with a fresh account, logged in once at start."""

    abstract = True

    def on_start(self) -> None:
        email = f"load-{uuid.uuid4().hex[:12]}@example.org"
        # 409 email_taken: an earlier attempt that timed out had created the account
        self._sign_in("/api/auth/register", {"email": email, "password": PASSWORD, "name": "Load Test"}, {201, 409})
        login = self._sign_in("/api/auth/login", {"email": email, "password": PASSWORD}, {200})
        self.auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        self.event_ids: list[str] = []

    def _sign_in(self, path: str, body: dict[str, str], done: set[int]) -> Any:
        """POST until it succeeds, as a person would when the platform is busy (every failed try is counted);
        a user who never gets in stops rather than sending requests that can only answer 401."""
        name = path.rsplit("/", 1)[-1]
        for attempt in range(SIGN_IN_ATTEMPTS):
            with self.client.post(path, json=body, name=name, catch_response=True) as response:
                if response.status_code in done:
                    response.success()
                    return response
                response.failure(f"{response.status_code} {_code(response)}")
                SIGN_IN_FAILURES[f"{name} {response.status_code}"] += 1
                if response.status_code not in BUSY:
                    break
            time.sleep(min(2**attempt, 10) * random.uniform(0.5, 1))  # gevent's sleep under Locust
        raise StopUser()

    def browse(self) -> None:
        category = random.choice(["", "&category=music", "&category=theatre", "&category=sports"])
        response = self.client.get(f"/api/events?limit=20{category}", name="GET /api/events")
        if response.ok:
            self.event_ids = [e["id"] for e in response.json()["items"]] or self.event_ids

    def history(self) -> None:
        self.client.get("/api/bookings?limit=20", headers=self.auth, name="GET /api/bookings")

    def buy(self, event_id: str, quantity: int) -> None:
        """Hold seats, then pay for them; sold out is an expected answer."""
        headers = {**self.auth, "Idempotency-Key": uuid.uuid4().hex}
        body = {"event_id": event_id, "quantity": quantity}
        with self.client.post(
            "/api/bookings", json=body, headers=headers, name="POST /api/bookings (hold)", catch_response=True
        ) as hold:
            if hold.status_code == 201:
                hold.success()
            elif hold.status_code == 409 and _code(hold) in ("sold_out", "event_not_on_sale"):
                EXPECTED["POST /api/bookings (hold)"] += 1
                hold.success()
                return
            else:
                hold.failure(f"{hold.status_code} {_code(hold)}")
                return
            booking_id = hold.json()["id"]
        headers = {**self.auth, "Idempotency-Key": uuid.uuid4().hex}
        with self.client.post(
            f"/api/bookings/{booking_id}/pay",
            json=CARD,
            headers=headers,
            name="POST /api/bookings/{id}/pay",
            catch_response=True,
        ) as pay:
            if pay.status_code == 200 and pay.json()["status"] == "confirmed":
                pay.success()
            else:
                pay.failure(f"{pay.status_code} {_code(pay)}")


class Shopper(Customer):
    """Browses (60 %), opens an event page (25 %), holds and pays (10 %), reads its bookings (5 %)."""

    weight = 4
    wait_time = between(0.5, 2)

    @task(60)
    def browse_events(self) -> None:
        self.browse()

    @task(25)
    def event_page(self) -> None:
        if not self.event_ids:
            return self.browse()
        self.client.get(f"/api/events/{random.choice(self.event_ids)}", name="GET /api/events/{id}")

    @task(10)
    def hold_and_pay(self) -> None:
        if not self.event_ids:
            return self.browse()
        self.buy(random.choice(self.event_ids), quantity=random.randint(1, 2))

    @task(5)
    def bookings(self) -> None:
        self.history()


class OnSaleBuyer(Customer):
    """Everyone wants the same event: its page, then 1 to 4 seats of it."""

    weight = 1
    wait_time = between(0.2, 1)

    @task(20)
    def browse_events(self) -> None:
        self.browse()

    @task(40)
    def hot_page(self) -> None:
        if hot_event:
            self.client.get(f"/api/events/{hot_event['id']}", name="GET /api/events/{id}")

    @task(35)
    def hot_buy(self) -> None:
        if hot_event:
            self.buy(hot_event["id"], quantity=random.randint(1, 4))

    @task(5)
    def bookings(self) -> None:
        self.history()


def _code(response: Any) -> str:
    try:
        return str(response.json()["error"]["code"])
    except Exception:
        return "?"
