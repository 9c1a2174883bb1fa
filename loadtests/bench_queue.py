"""Waiting-room benchmark (`make bench-queue`): BUYERS buyers join in the JOIN_WINDOW seconds before the sale of
SEATS seats opens, poll at the pace the platform asks (Retry-After), and buy as they are admitted.

Against a running `make run` / `make run-stack` on PostgreSQL (--database-url, default EVENTBOOK_DATABASE_URL): the
buyers are made directly in its database (loadtests/queue_accounts.py), the organizer is the demo one. Reported:
admitted buyers' hold and pay p50/p99, poll p99 and polls/s, time to sell out, seats sold (by the buyers and by
the platform: both must equal capacity), admissions out of queue order (must be 0) and the rank correlation of
join time and queue order among the early joiners (near 0: the draw is fair), both from the queue's own records
(loadtests/queue_audit.py). Between the joins and the opening, wrk polls as the waiting buyers for --poll-seconds
(loadtests/poll_capacity.py): the polls per second the platform answers with 5,000 waiting, and their p50/p99.
Exit status 1 when a check fails.

    python -m loadtests.bench_queue --buyers 5000 --seats 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loadtests.cpu_steal import Steal
from loadtests.httpload import percentiles, request, session
from loadtests.inprocess import RESULTS
from loadtests.loop_lag import CpuClock, LoopLag
from loadtests.onsale_buyers import create_event, organizer
from loadtests.poll_capacity import measure
from loadtests.queue_accounts import Buyer, make_buyers
from loadtests.queue_audit import audit, snapshot_before
from loadtests.queue_buyers import QueueRecorder, queue_buyer
from loadtests.server_latency import server_view, snapshot_at

MAX_PER_BUYER = 4


async def run(args: argparse.Namespace) -> dict[str, Any]:
    t = time.perf_counter()
    buyers = await asyncio.to_thread(make_buyers, args.database_url, args.buyers)
    print(f"{args.buyers} buyers made in the database in {time.perf_counter() - t:.1f} s", flush=True)
    async with session(args.url, connections=args.connections, timeout_s=120) as client:
        org = await organizer(client, args.organizer, "organizer-pass-123")
        event_id = await create_event(client, org, args.seats)
        window_start = time.time() + 2  # the joins; then wrk's poll phase, if any; then the opening
        opens = datetime.fromtimestamp(window_start + args.join_window + args.poll_seconds + 3, UTC)
        changes = {"waiting_room": True, "max_per_buyer": MAX_PER_BUYER, "sale_starts_at": opens.isoformat()}
        r = await request(client, "PATCH", f"/api/events/{event_id}", json=changes, headers=org)
        assert r.status == 200, r.body
        rec = QueueRecorder()
        tasks = [
            queue_buyer(
                client, uid, auth, event_id, window_start + random.random() * args.join_window, MAX_PER_BUYER, rec
            )
            for uid, auth in buyers
        ]
        print(
            f"{args.buyers} buyers join in the next {args.join_window:g} s; the sale opens at {opens:%H:%M:%S}",
            flush=True,
        )
        snapshot = asyncio.create_task(snapshot_before(args, event_id, opens))
        at_opening = asyncio.create_task(snapshot_at(opens.timestamp()))
        whole_run, client_cpu, lag = Steal(), CpuClock(), LoopLag.start()
        capacity = asyncio.create_task(poll_capacity(args, event_id, buyers, window_start + args.join_window + 1))
        # A stalled platform must not hang the benchmark: whoever has not finished by the deadline is counted
        # (`buyers_unfinished`) and stopped (2026-12-03: a run waited 15 minutes on buyers that never heard back).
        runs = [asyncio.ensure_future(task) for task in tasks]
        done, unfinished = await asyncio.wait(runs, timeout=args.deadline_s)
        for task in unfinished:
            task.cancel()
        bought = [task.result() for task in done]
        stolen, lagged, cpu_s = whole_run.percent(), lag.stop(), client_cpu.seconds()
        keys = await snapshot
        server = await server_view(await at_opening)
        event = await request(client, "GET", f"/api/events/{event_id}")
        sales = await request(client, "GET", "/api/organizer/events?limit=20", headers=org)
        sold_by_platform = next(x["seats_sold"] for x in sales.body["items"] if x["event"]["id"] == event_id)
    order = audit(keys, rec.joined_at, rec.admitted_until, opens)
    opened_perf = time.perf_counter() - (time.time() - opens.timestamp())
    poll_span = max(rec.last_poll_at - rec.first_poll_at, 1e-9)
    return {
        "buyers": args.buyers,
        "seats": args.seats,
        "buyers_unfinished": len(unfinished),
        "seats_sold_by_buyers": sum(bought),
        "seats_sold_by_platform": sold_by_platform,
        "seats_available_after": event.body["seats_available"],
        "sold_out_after_s": round(rec.last_paid_at - opened_perf, 2) if rec.last_paid_at else None,
        "steps": {step: percentiles(rec.seconds(step)) for step in ("poll", "hold", "pay") if rec.seconds(step)},
        # the buyers' own polls once the sale is open (before it, wrk's phase saturates the Api on purpose)
        "polls_after_opening": percentiles(rec.seconds("poll", since=opened_perf)),
        "polls": rec.polls,
        "polls_per_s": round(rec.polls / poll_span, 1),
        "retry_after_s": dict(sorted(rec.retry_after.items())),
        "statuses": dict(sorted(rec.statuses.items())),
        "poll_capacity": await capacity,
        "cpu_steal_pct": stolen,  # of both cores, from the joins to the last buyer's answer
        # the bench's own share: its CPU seconds and how late its event loop ran (every latency above includes it)
        "client": {"cpu_s": cpu_s, "loop_lag": lagged},
        "timeline": timeline(rec, opened_perf),
        "api_measured": server,  # the same steps as the Api's own histogram saw them, from the opening
        **order,
    }


def timeline(rec: QueueRecorder, opened_perf: float, step_s: float = 5.0) -> list[dict[str, Any]]:
    """Per `step_s` seconds from the opening: how many answers of each step, and their p99 (ms)."""
    slots: dict[int, dict[str, list[float]]] = {}
    for step, at, seconds in rec.samples:
        if at >= opened_perf:
            slots.setdefault(int((at - opened_perf) // step_s), {}).setdefault(step, []).append(seconds)
    return [
        {"from_s": slot * step_s}
        | {f"{step}": f"{len(v)} p99 {percentiles(v)['p99_ms']:.0f} ms" for step, v in sorted(steps.items())}
        for slot, steps in sorted(slots.items())
    ]


async def poll_capacity(args: argparse.Namespace, event_id: str, buyers: list[Buyer], at: float) -> dict[str, Any]:
    """wrk's polls, from `at` (every buyer has joined) for --poll-seconds, well before the opening."""
    if args.poll_seconds <= 0:
        return {}
    await asyncio.sleep(max(0.0, at - time.time()))
    tokens = [auth["Authorization"].removeprefix("Bearer ") for _, auth in buyers]
    print(f"wrk polls the queue for {args.poll_seconds} s over {args.poll_connections} connections", flush=True)
    steal = Steal()
    found = await asyncio.to_thread(
        measure, args.url, event_id, tokens, seconds=args.poll_seconds, connections=args.poll_connections
    )
    found["cpu_steal_pct"] = steal.percent()
    print(f"poll capacity: {found}", flush=True)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://localhost:8000")
    parser.add_argument("--database-url", default=os.environ.get("EVENTBOOK_DATABASE_URL"))
    parser.add_argument("--redis-url", default=os.environ.get("EVENTBOOK_REDIS_URL"))
    parser.add_argument("--buyers", type=int, default=5000)
    parser.add_argument("--seats", type=int, default=1000)
    parser.add_argument("--join-window", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--poll-seconds", type=int, default=20, help="wrk's poll phase before the opening (0: none)")
    # More polls in flight make bigger batches (one Redis call for the polls that arrive together): with 3,000
    # waiting and nothing else running, 16 connections gave 1,519 polls/s (p99 33 ms), 32 1,999/s (48 ms), 64
    # 2,208/s (66 ms), 128 2,059/s (167 ms) (2026-12-04); 10,000 waiting clients keep far more than 16 in flight
    parser.add_argument("--poll-connections", type=int, default=64)
    parser.add_argument("--deadline-s", type=float, default=600.0, help="stop the buyers still at it after this")
    parser.add_argument("--organizer", default="organizer@example.com")
    parser.add_argument("--json", type=Path, default=RESULTS / "queue.json")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("the app's PostgreSQL is needed (--database-url or EVENTBOOK_DATABASE_URL)")
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    exact = (
        result["buyers_unfinished"] == 0
        and result["seats_sold_by_buyers"] == args.seats == result["seats_sold_by_platform"]
    )
    fair = result.get("out_of_order", 1) == 0 and abs(result.get("rank_correlation", 1.0)) < 0.05
    return 0 if exact and fair else 1


if __name__ == "__main__":
    sys.exit(main())
