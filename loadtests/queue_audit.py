"""The waiting-room benchmark's fairness checks, from the queue's own records: every entry's order key, read from
the store (Redis or the database) once all buyers have joined and before the sale opens (buyers leave the queue
once they have bought), against when each buyer was admitted (its pass's `admitted_until`: all passes last as long).

- out of order: entries admitted later than some entry behind them (an entry never admitted counts as admitted at
  the end of time, so anyone behind it who was admitted counts too). Entries admitted in one tick tie.
- rank correlation: Spearman's rho between join time and queue order among those who joined before the opening.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from datetime import datetime

import psycopg
import redis.asyncio as aioredis


async def order_keys(args: argparse.Namespace, event_id: str) -> dict[str, float]:
    if args.redis_url:
        client = aioredis.from_url(args.redis_url)
        try:
            pairs = await client.zrange(f"eventbook:queue:{{{event_id}}}:order", 0, -1, withscores=True)
        finally:
            await client.aclose()
        found: list[tuple[bytes, float]] = pairs  # type: ignore[assignment]  # withscores=True: (member, score)
        return {k.decode(): float(v) for k, v in found}
    dsn = args.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT user_id, order_key FROM queue_entries WHERE event_id = %s", (event_id,)).fetchall()
    return {str(user): float(key) for user, key in rows}


async def snapshot_before(args: argparse.Namespace, event_id: str, opens: datetime) -> dict[str, float]:
    """The order keys, read just before the opening (after the last join of the window)."""
    await asyncio.sleep(max(0.0, opens.timestamp() - time.time() - 0.3))
    return await order_keys(args, event_id)


def out_of_order(keys: dict[str, float], admitted_at: dict[str, float]) -> int:
    count, latest = 0, -math.inf
    for user in sorted(keys, key=keys.__getitem__):
        at = admitted_at.get(user, math.inf)
        if at < latest:
            count += 1
        latest = max(latest, at)
    return count


def spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=values.__getitem__)
        out = [0.0] * len(values)
        for rank, i in enumerate(order):
            out[i] = float(rank)
        return out

    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    if n < 2:
        return 0.0
    mean = (n - 1) / 2
    cov = sum((a - mean) * (b - mean) for a, b in zip(rx, ry, strict=True))
    var = sum((a - mean) ** 2 for a in rx)
    return cov / var


def audit(keys: dict[str, float], joined_at: dict[str, float], admitted_at: dict[str, float], opens: datetime) -> dict:
    early = [u for u in keys if u in joined_at and joined_at[u] < opens.timestamp()]
    rho = spearman([joined_at[u] for u in early], [keys[u] for u in early])
    return {
        "entries_audited": len(keys),
        "admitted": len(admitted_at),
        "out_of_order": out_of_order(keys, admitted_at),
        "early_joiners": len(early),
        "rank_correlation": round(rho, 4),
    }
