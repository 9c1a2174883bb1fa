"""Two Ray nodes on this machine serve the app; one of them is lost while bookings flow; nothing is lost or half-done.

The cluster is the one `make cluster-local` starts (cluster/local_cluster.py): a head and a worker node, each
with its own `ray start`, CPU count and temp dir, `serve deploy` of serve_config.yaml, and a dedicated PostgreSQL
database. The worker is stopped by terminating that node's processes only (what `ray stop` does, for one node).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest

from cluster import local_cluster as lc
from tests.e2e.conftest import FAST_CLOCKS, Api

GOOD = "4242 4242 4242 4242"
CAPACITY = 400
# Definite answers: held, paid, hold expired meanwhile / sold out, too many holds, and 402 `voided`: a charge whose
# answer was lost (504) that the gateway never completed is voided by the reconciler, so the retry learns it failed.
FINAL = {200, 201, 402, 409, 429}
pytestmark = pytest.mark.timeout(420)


@pytest.fixture(scope="module")
def cluster() -> Iterator[lc.Cluster]:
    clocks = {**FAST_CLOCKS, "EVENTBOOK_HOLD_MINUTES": "0.3", "EVENTBOOK_DB_POOL_SIZE": "3"}
    started = lc.up(lc.free_port(), env_overrides=clocks, record=False)  # cleans up itself if it fails
    try:
        yield started
    finally:
        lc.down(started, quiet=True)  # both nodes and the dedicated database, even when the test failed


def journey(http: httpx.Client, api: Api, event_id: str) -> None:
    """Register, log in, hold, pay with the good card, read the receipt."""
    me = api.register_and_login(name="Multi Node")
    held = api.hold(me, event_id, 2)
    assert held.status_code == 201, held.text
    paid = api.pay(me, held.json()["id"], GOOD)
    assert paid.status_code == 200 and paid.json()["status"] == "confirmed", paid.text
    receipt = http.get(f"/api/bookings/{held.json()['id']}/receipt", headers=me)
    assert receipt.status_code == 200 and receipt.json()["receipt_number"], receipt.text


def retryable(response: httpx.Response) -> bool:
    """503/504 are the app's answers while a replica is gone. A plain-text 500 (or 502) comes from Serve's proxy
    when the ingress replica died mid-request: the outcome is unknown, which the same Idempotency-Key resolves.
    409 idempotency_in_progress: the first attempt under this key was lost with its replica; its lease (60 s)
    must run out before the key answers again; payment_in_progress: a charge of unknown outcome is being settled."""
    if response.status_code in (500, 502):
        return not response.text.startswith("{")
    if response.status_code == 409:
        return response.text.find("_in_progress") >= 0
    return response.status_code in (503, 504)


@dataclass
class Stream:
    """Customers booking and paying in a loop; a 5xx or a dropped connection is retried with the same key."""

    base_url: str
    event_id: str
    users: list[dict[str, str]]
    stop: threading.Event = field(default_factory=threading.Event)
    statuses: Counter[str] = field(default_factory=Counter)
    confirmed: dict[str, float] = field(default_factory=dict)  # booking id -> when the client saw 200
    held: set[str] = field(default_factory=set)
    unexpected: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)  # requests given up on (their outcome is left to the DB)
    samples: dict[int, str] = field(default_factory=dict)  # the first body of each non-2xx status
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(
        self, client: httpx.Client, path: str, body: dict[str, object], headers: dict[str, str]
    ) -> httpx.Response | None:
        """POST with retries under one Idempotency-Key until a definite answer, or give up after ~40 s."""
        headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            try:
                response = client.post(path, json=body, headers=headers)
                self.count(f"{'pay' if path.endswith('/pay') else 'hold'} {response.status_code}")
                if response.status_code >= 300:
                    with self.lock:
                        self.samples.setdefault(response.status_code, response.text[:200])
                if not retryable(response):
                    if response.status_code not in FINAL:
                        with self.lock:
                            self.unexpected.append(f"{path} {response.status_code} {response.text[:200]}")
                    return response
            except httpx.TransportError as exc:
                self.count(type(exc).__name__)
            time.sleep(0.5)
        with self.lock:
            self.unfinished.append(path)
        return None

    def count(self, what: str) -> None:
        with self.lock:
            self.statuses[what] += 1

    def customer(self, auth: dict[str, str]) -> None:
        with httpx.Client(base_url=self.base_url, timeout=20) as client:
            while not self.stop.is_set():
                hold = self.send(client, "/api/bookings", {"event_id": self.event_id, "quantity": 1}, auth)
                if hold is None or hold.status_code != 201:
                    time.sleep(0.3)
                    continue
                booking_id = hold.json()["id"]
                with self.lock:
                    self.held.add(booking_id)
                card = {"card_number": GOOD, "exp_month": 12, "exp_year": 2031, "cvc": "123"}
                paid = self.send(client, f"/api/bookings/{booking_id}/pay", card, auth)
                if paid is not None and paid.status_code == 200:
                    with self.lock:
                        self.confirmed[booking_id] = time.monotonic()

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.customer, args=(user,), daemon=True) for user in self.users]
        for thread in threads:
            thread.start()
        return threads


def test_two_nodes_serve_the_app_and_survive_losing_one(cluster: lc.Cluster) -> None:
    rows = [r for r in lc.placement(cluster) if r["state"] == "RUNNING"]
    assert {r["node"] for r in rows} == {"head", "worker"}, f"replicas should be spread over both nodes: {rows}"
    assert cluster.nodes["head"].node_id != cluster.nodes["worker"].node_id

    with httpx.Client(base_url=cluster.http_url, timeout=30) as http:
        api = Api(http)
        event = api.create_event(api.organizer(), capacity=CAPACITY, price_cents=1000)
        journey(http, api, event["id"])

        stream = Stream(cluster.http_url, event["id"], [api.register_and_login() for _ in range(3)])
        threads = stream.run()
        time.sleep(6)
        before = len(stream.confirmed)
        assert before > 0, f"no booking confirmed before the failure: {stream.statuses}"

        lost_at = time.monotonic()
        assert lc.stop_node(cluster.nodes["worker"]) > 0
        rows = lc.wait_all_on(cluster, "head")  # serve status RUNNING, all HEALTHY, replicas on the head
        recovered_s = time.monotonic() - lost_at
        worker = [n for n in lc.list_nodes(cluster) if n["node_id"] == cluster.nodes["worker"].node_id]
        assert worker and worker[0]["state"] == "DEAD", worker

        # Bookings keep being confirmed after the loss, and a new customer's whole journey works.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(t > lost_at + recovered_s for t in stream.confirmed.values()) < 3:
            time.sleep(1)
        stream.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        after = sum(t > lost_at + recovered_s for t in stream.confirmed.values())
        assert after >= 3, f"bookings did not flow again after recovery: {stream.statuses}"
        journey(http, api, event["id"])

    assert not stream.unexpected, f"answers neither final nor retryable: {stream.unexpected} {stream.samples}"
    settle_and_check(cluster, event["id"], stream)
    print(
        f"\nrecovered in {recovered_s:.1f} s; {len(stream.confirmed)} confirmed by the stream "
        f"({before} before the loss, {after} after recovery); answers {dict(stream.statuses)}; "
        f"replicas now: {sorted((r['deployment'], r['node']) for r in rows)}; first bodies {stream.samples}; "
        f"given up {stream.unfinished}"
    )


def settle_and_check(cluster: lc.Cluster, event_id: str, stream: Stream) -> None:
    """Every booking ends pending (a live hold), confirmed or expired; confirmed ones are paid once; seats add up."""
    with psycopg.connect(cluster.database_url, autocommit=True) as db:
        deadline = time.monotonic() + 60  # holds last 18 s; the reaper settles the rest
        while time.monotonic() < deadline:
            (pending,) = db.execute(
                "SELECT count(*) FROM bookings WHERE event_id = %s AND status = 'pending'", (event_id,)
            ).fetchone() or (0,)
            if pending == 0:
                break
            time.sleep(1)
        bookings = db.execute(
            "SELECT b.id, b.status, b.quantity, b.amount_cents, b.charge_key, p.status, p.amount_cents "
            "FROM bookings b LEFT JOIN payments p ON p.booking_id = b.id WHERE b.event_id = %s",
            (event_id,),
        ).fetchall()
        capacity, seats_available = db.execute(
            "SELECT capacity, seats_available FROM events WHERE id = %s", (event_id,)
        ).fetchone() or (0, 0)
        charged = {
            key for (key,) in db.execute("SELECT key FROM sandbox_charges WHERE status = 'succeeded'").fetchall()
        }

    by_status = Counter(b[1] for b in bookings)
    assert set(by_status) <= {"pending", "confirmed", "expired"}, by_status
    for booking_id, status, _qty, amount, charge_key, payment_status, paid_cents in bookings:
        if status == "confirmed":
            assert payment_status == "succeeded" and paid_cents == amount, (booking_id, payment_status)
        else:
            assert payment_status is None, (booking_id, status, payment_status)
            assert charge_key not in charged, f"money taken for {status} booking {booking_id}"
    taken = sum(b[2] for b in bookings if b[1] in ("pending", "confirmed"))
    assert seats_available + taken == capacity, (seats_available, taken, capacity, by_status)
    statuses = {b[0]: b[1] for b in bookings}
    assert all(statuses.get(b) == "confirmed" for b in stream.confirmed), "a 200 on pay that is not confirmed"
    assert stream.held <= set(statuses), "a hold answered 201 is missing from the database"
