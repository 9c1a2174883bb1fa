"""One buyer of the waiting-room benchmark: join in the minutes before the opening, poll at the pace the platform
asks (Retry-After), and when admitted hold 1–4 seats with the pass, pay, and leave the queue."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import aiohttp

from loadtests.httpload import Answer, post, request
from loadtests.onsale_buyers import CARD


@dataclass
class QueueRecorder:
    statuses: Counter[str] = field(default_factory=Counter)
    joined_at: dict[str, float] = field(default_factory=dict)  # user id → wall-clock time of the join
    # user id → its pass's expiry: every pass lasts as long, so these order the admissions as the server made them
    admitted_until: dict[str, float] = field(default_factory=dict)
    polls: int = 0
    first_poll_at: float = 0.0
    last_poll_at: float = 0.0
    last_paid_at: float = 0.0
    retry_after: Counter[int] = field(default_factory=Counter)
    # (step, perf_counter at the answer, seconds taken): the latencies over time, for the timeline of the sale
    samples: list[tuple[str, float, float]] = field(default_factory=list)

    def took(self, step: str, at: float, seconds: float) -> None:
        self.samples.append((step, at, seconds))

    def seconds(self, step: str, since: float = float("-inf")) -> list[float]:
        """The step's latencies, of the answers at or after `since` (perf_counter)."""
        return [took for name, at, took in self.samples if name == step and at >= since]


DEFAULT_POLL_S, MAX_BACKOFF_S = 5.0, 60.0  # as the web app (frontend/src/queue/state.ts)


def retry_after(answer_headers: dict[str, str], failures: int = 0) -> float:
    """The platform's `Retry-After`; without one (a proxy's own error, a reset connection) 5 s, doubling after
    each failure in a row up to a minute, as the web app waits."""
    try:
        return max(1.0, float(answer_headers["Retry-After"]))
    except (KeyError, ValueError):
        return min(MAX_BACKOFF_S, DEFAULT_POLL_S * 2**failures)


async def timed(client: aiohttp.ClientSession, method: str, url: str, **kwargs: object) -> tuple[Answer, dict, float]:
    began = time.perf_counter()
    async with client.request(method, url, **kwargs) as response:  # type: ignore[arg-type]
        raw = await response.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:  # HAProxy's own error pages (502/503/504) are HTML
            body = None
        return Answer(response.status, body), dict(response.headers), time.perf_counter() - began


async def queue_buyer(
    client: aiohttp.ClientSession,
    user_id: str,
    auth: dict[str, str],
    event_id: str,
    join_at: float,
    max_seats: int,
    rec: QueueRecorder,
) -> int:
    """The seats this buyer paid for (0 when the sale sold out before its turn)."""
    await asyncio.sleep(max(0.0, join_at - time.time()))
    joined = await post(client, f"/api/events/{event_id}/queue", headers=auth)
    rec.statuses[f"join {joined.label()}"] += 1
    if joined.status not in (200, 201):
        return 0
    rec.joined_at[user_id] = time.time()
    wait, failures = 1.0, 0
    while True:
        await asyncio.sleep(wait)
        try:
            answer, headers, took = await timed(client, "GET", f"/api/events/{event_id}/queue", headers=auth)
        except (aiohttp.ClientError, TimeoutError) as error:  # a reset or a timeout: back off, as the web app does
            rec.statuses[f"poll {type(error).__name__}"] += 1
            failures += 1
            wait = retry_after({}, failures) * random.uniform(1.0, 1.1)
            continue
        now = time.perf_counter()
        rec.polls += 1
        rec.first_poll_at = rec.first_poll_at or now
        rec.last_poll_at = now
        rec.took("poll", now, took)
        failures = failures + 1 if answer.status >= 400 else 0
        wait = retry_after(headers, failures)
        rec.retry_after[int(wait)] += 1
        wait *= random.uniform(1.0, 1.1)  # as the web app: up to 10 % later, so a crowd does not poll in lockstep
        ok = answer.status < 400 and isinstance(answer.body, dict)
        status = answer.body.get("status") if ok else answer.label()
        rec.statuses[f"poll {status}"] += 1
        if answer.status >= 500 and isinstance(answer.body, dict):  # which dependency: the message names it
            rec.statuses[f"poll {answer.status}: {answer.body.get('error', {}).get('message', '')}"] += 1
        if status == "admitted":
            until = datetime.fromisoformat(str(answer.body["admitted_until"]).replace("Z", "+00:00"))
            rec.admitted_until[user_id] = until.timestamp()
            bought = await buy(client, auth, event_id, str(answer.body["pass"]), max_seats, rec)
            await request(client, "DELETE", f"/api/events/{event_id}/queue", headers=auth)
            return bought
        if status in ("closed", "expired") or (answer.status >= 400 and answer.status not in (429, 503, 504)):
            return 0


async def buy(
    client: aiohttp.ClientSession,
    auth: dict[str, str],
    event_id: str,
    queue_pass: str,
    max_seats: int,
    rec: QueueRecorder,
) -> int:
    want = random.randint(1, max_seats)
    while True:
        began = time.perf_counter()
        hold = await post(
            client,
            "/api/bookings",
            json={"event_id": event_id, "quantity": want},
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex, "Queue-Pass": queue_pass},
        )
        held_at = time.perf_counter()
        rec.took("hold", held_at, held_at - began)
        rec.statuses[f"hold {hold.label()}"] += 1
        if hold.code == "sold_out":
            left = int(hold.body["error"].get("details", {}).get("seats_available", 0))
            if left <= 0:
                return 0
            want = min(left, want)
            continue
        if hold.status != 201:
            return 0
        pay = await post(
            client,
            f"/api/bookings/{hold.body['id']}/pay",
            json=CARD,
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        )
        done = time.perf_counter()
        rec.took("pay", done, done - held_at)
        rec.statuses[f"pay {pay.label()}"] += 1
        if pay.status == 200 and pay.body["status"] == "confirmed":
            rec.last_paid_at = done
            return int(hold.body["quantity"])
        return 0
