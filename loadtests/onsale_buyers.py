"""The buyers of the on-sale benchmark, over HTTP: sign-up, the organizer's event, and the hold-and-pay loop."""

from __future__ import annotations

import asyncio
import random
import secrets
import time
import uuid

import aiohttp

from loadtests.httpload import Answer, post
from loadtests.onsale_report import Recorder

PASSWORD = "correct horse battery"
CARD = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}


async def register(client: aiohttp.ClientSession, gate: asyncio.Semaphore) -> dict[str, str]:
    email = f"buyer-{uuid.uuid4().hex[:12]}@example.org"
    async with gate:
        r = await post(client, "/api/auth/register", json={"email": email, "password": PASSWORD, "name": "Buyer"})
        assert r.status in (201, 409), r.body  # 409: a retry after a slow answer that did register
        r = await post(client, "/api/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status == 200, r.body
    return {"Authorization": f"Bearer {r.body['access_token']}"}


async def organizer(client: aiohttp.ClientSession, email: str, password: str) -> dict[str, str]:
    r = await post(client, "/api/auth/login", json={"email": email, "password": password})
    assert r.status == 200, f"organizer login: {r.status} {r.body}"
    return {"Authorization": f"Bearer {r.body['access_token']}"}


async def create_event(client: aiohttp.ClientSession, auth: dict[str, str], seats: int) -> str:
    body = {
        "title": f"On-sale bench {secrets.token_hex(3)}",
        "description": "everyone wants a seat",
        "category": "music",
        "venue": "Bench Arena",
        "starts_at": "2031-10-01T19:00:00Z",
        "ends_at": "2031-10-01T23:00:00Z",
        "capacity": seats,
        "price_cents": 5000,
        "currency": "EUR",
    }
    r = await post(client, "/api/events", json=body, headers=auth)
    assert r.status == 201, r.body
    return str(r.body["id"])


async def buyer(
    client: aiohttp.ClientSession, auth: dict[str, str], event_id: str, start: asyncio.Event, rec: Recorder
) -> int:
    """Buy 1–4 seats at a time until the event is sold out; return the seats this buyer paid for."""
    await start.wait()
    bought = 0
    want = random.randint(1, 4)
    while True:
        began = time.perf_counter()
        hold = await post(
            client,
            "/api/bookings",
            json={"event_id": event_id, "quantity": want},
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        )
        held_at = time.perf_counter()
        rec.latencies["hold"].append(held_at - began)
        rec.statuses[f"hold {hold.label()}"] += 1
        rec.statuses["hold retries"] += hold.attempts - 1
        if hold.code == "sold_out":
            left = int(hold.body["error"].get("details", {}).get("seats_available", 0))
            if left <= 0:
                return bought
            want = min(left, 4)
            continue
        if hold.status != 201:
            return bought
        bought += await pay_for(client, auth, hold, began, held_at, rec)
        want = random.randint(1, 4)


async def pay_for(
    client: aiohttp.ClientSession, auth: dict[str, str], hold: Answer, began: float, held_at: float, rec: Recorder
) -> int:
    """Pay a hold with the good card, recorded; the seats paid for (0 when the payment did not confirm)."""
    pay = await post(
        client, f"/api/bookings/{hold.body['id']}/pay", json=CARD, headers={**auth, "Idempotency-Key": uuid.uuid4().hex}
    )
    done = time.perf_counter()
    rec.latencies["pay"].append(done - held_at)
    rec.statuses[f"pay {pay.label()}"] += 1
    rec.statuses["pay retries"] += pay.attempts - 1
    if pay.status == 200 and pay.body["status"] == "confirmed":
        rec.latencies["hold+pay"].append(done - began)
        return int(hold.body["quantity"])
    return 0
