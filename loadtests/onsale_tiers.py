"""The on-sale benchmark with ticket types and a promo code (`bench_onsale.py --types N --promo`): the organizer
splits the seats over N types at rising prices and hands out one code; each buyer holds 1–4 seats of one type (or,
one time in four, of two types) and every other hold names the code, until every type is sold out."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from typing import Any

import aiohttp

from loadtests.httpload import post, request
from loadtests.onsale_buyers import pay_for
from loadtests.onsale_report import Recorder

CODE = "BENCH10"


async def add_tiers(
    client: aiohttp.ClientSession, auth: dict[str, str], event_id: str, seats: int, types: int
) -> list[str]:
    """The event's first type and `types - 1` more, the seats split evenly; the code, 10 % off every type."""
    event = await request(client, "GET", f"/api/events/{event_id}")
    first = event.body["ticket_types"][0]["id"]
    share = seats // types
    r = await request(
        client,
        "PATCH",
        f"/api/events/{event_id}/ticket-types/{first}",
        json={"quota": share + seats % types},
        headers=auth,
    )
    assert r.status == 200, r.body
    ids = [first]
    for i in range(1, types):
        body = {"name": f"Tier {i + 1}", "price_cents": 5000 + 2500 * i, "quota": share}
        r = await post(client, f"/api/events/{event_id}/ticket-types", json=body, headers=auth)
        assert r.status == 201, r.body
        ids.append(str(r.body["id"]))
    r = await post(client, f"/api/events/{event_id}/promo-codes", json={"code": CODE, "percent_off": 10}, headers=auth)
    assert r.status == 201, r.body
    return ids


def _lines(open_types: list[str], pick: random.Random) -> list[dict[str, Any]]:
    want = pick.randint(1, 4)
    if len(open_types) > 1 and want > 1 and pick.random() < 0.25:
        a, b = pick.sample(open_types, 2)
        return [{"ticket_type_id": a, "quantity": want // 2}, {"ticket_type_id": b, "quantity": want - want // 2}]
    return [{"ticket_type_id": pick.choice(open_types), "quantity": want}]


async def tier_buyer(
    client: aiohttp.ClientSession,
    auth: dict[str, str],
    event_id: str,
    types: list[str],
    start: asyncio.Event,
    rec: Recorder,
    promo: bool,
) -> int:
    """Hold and pay until every type is sold out; return the seats this buyer paid for."""
    await start.wait()
    pick = random.Random()
    open_types, bought, holds = list(types), 0, 0
    while open_types:
        lines = _lines(open_types, pick)
        body: dict[str, Any] = {"event_id": event_id, "lines": lines}
        if promo and holds % 2 == 0:
            body["promo_code"] = CODE.lower()
        holds += 1
        began = time.perf_counter()
        hold = await post(client, "/api/bookings", json=body, headers={**auth, "Idempotency-Key": uuid.uuid4().hex})
        held_at = time.perf_counter()
        rec.latencies["hold"].append(held_at - began)
        rec.statuses[f"hold {hold.label()}"] += 1
        rec.statuses["hold retries"] += hold.attempts - 1
        if hold.code == "sold_out":
            details = hold.body["error"].get("details", {})
            if int(details.get("available", 0)) == 0 and details.get("ticket_type_id") in open_types:
                open_types.remove(details["ticket_type_id"])
            continue
        if hold.status != 201:
            return bought
        bought += await pay_for(client, auth, hold, began, held_at, rec)
    return bought
