"""On-sale benchmark: N buyers at once want the S seats of one event (`make bench-onsale`).

Every buyer registers and logs in beforehand (not timed). Then, all at once, each buyer holds 1–4 seats and pays with
the sandbox card 4242…, again and again, until the event is sold out (a refusal that says fewer seats are left is
retried with that many). The run reports seats sold against capacity — from the buyers' confirmed bookings and from
the organizer's sales view, which must both equal capacity exactly —, paid bookings per second, p50/p99 of each step,
and (against Serve) the running replicas per deployment over time, from the dashboard's Serve REST API, until they
are back where they started (the autoscaler's way down) or `--watch-after` seconds have passed.

    python -m loadtests.bench_onsale --target serve      # against `make run` on http://localhost:8000
    python -m loadtests.bench_onsale --target uvicorn    # the same ingress and domain code in ONE uvicorn process
    python -m loadtests.bench_onsale --target both       # serve, then uvicorn, and the ratio

`uvicorn` runs loadtests/inprocess.py (build_app() over the real services of adapters.bootstrap, in one process)
on a fresh PostgreSQL database made for the run and dropped after (`--pg`, default the machine's 127.0.0.1:5432).
Exit status 1 when seats sold differ from capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from loadtests import peers, procstat, raystate
from loadtests.dbstats import RoundTripMeter
from loadtests.httpload import request, session
from loadtests.inprocess import RESULTS, add_target_arguments, inprocess_server, write_results
from loadtests.onsale_buyers import buyer, create_event, organizer, register
from loadtests.onsale_report import Recorder, Run, counts, print_run
from loadtests.onsale_tiers import add_tiers, tier_buyer
from loadtests.procstat import CpuMeter


async def sample_replicas(dashboard: str, out: list[dict[str, Any]], t0: float, every_s: float) -> None:
    while True:
        try:
            counts = await asyncio.to_thread(raystate.replicas, dashboard)
            out.append({"t_s": round(time.perf_counter() - t0, 1), **counts})
        except Exception as error:  # the dashboard is a help: a missed sample is not a failed run
            out.append({"t_s": round(time.perf_counter() - t0, 1), "error": repr(error)[:80]})
        await asyncio.sleep(every_s)


async def watch_scale_down(samples: list[dict[str, Any]], limit_s: float) -> None:
    """After the sale: wait until the replica counts are back to the first sample's, or `limit_s` has passed."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        counted = [counts(s) for s in samples if "error" not in s]
        if counted and counted[-1] == counted[0] and any(c != counted[0] for c in counted):
            return
        await asyncio.sleep(1)


async def run(
    target: str,
    base_url: str,
    *,
    seats: int,
    buyers: int,
    organizer_login: tuple[str, str],
    dashboard: str | None,
    register_concurrency: int,
    watch_after_s: float = 0,
    cpu: CpuMeter | None = None,
    round_trips: RoundTripMeter | None = None,
    database_url: str | None = None,
    types: int = 1,
    promo: bool = False,
) -> Run:
    result = Run(target, base_url, seats, buyers)
    async with session(base_url, connections=buyers + 10) as client:
        gate = asyncio.Semaphore(register_concurrency)
        t = time.perf_counter()
        auths = await asyncio.gather(*(register(client, gate) for _ in range(buyers)))
        print(f"[{target}] {buyers} buyers registered and logged in in {time.perf_counter() - t:.1f} s", flush=True)
        org = await organizer(client, *organizer_login)
        event_id = await create_event(client, org, seats)
        rec, start = Recorder(), asyncio.Event()
        if types > 1 or promo:  # tiers and a code: the buyers name lines of types
            tiers = await add_tiers(client, org, event_id, seats, types)
            tasks = [asyncio.create_task(tier_buyer(client, a, event_id, tiers, start, rec, promo)) for a in auths]
        else:
            tasks = [asyncio.create_task(buyer(client, a, event_id, start, rec)) for a in auths]
        if round_trips:
            await asyncio.to_thread(round_trips.start)
        if cpu:
            cpu.start()
        t0 = time.perf_counter()
        sampler = asyncio.create_task(sample_replicas(dashboard, result.replicas, t0, 2.0)) if dashboard else None
        start.set()
        bought = await asyncio.gather(*tasks)
        result.duration_s = round(time.perf_counter() - t0, 2)
        if cpu:
            result.cpu_s = cpu.stop()
        if database_url:  # the e-mails of the sale go out after it: count their work too
            result.drained_s = await drained(database_url, t0)
            if cpu:
                result.cpu_drained_s = cpu.stop()
        if round_trips:
            result.round_trips = await asyncio.to_thread(round_trips.stop)
        result.seats_sold_by_buyers = sum(bought)
        result.paid_bookings = len(rec.latencies["hold+pay"])
        result.paid_per_s = round(result.paid_bookings / result.duration_s, 1) if result.duration_s else 0.0
        result.steps = rec.summary()
        result.statuses = dict(sorted(rec.statuses.items()))
        event = await request(client, "GET", f"/api/events/{event_id}")
        result.seats_available_after = int(event.body["seats_available"])
        sales = await request(client, "GET", "/api/organizer/events?limit=20", headers=org)
        result.seats_sold_by_platform = next(
            x["seats_sold"] for x in sales.body["items"] if x["event"]["id"] == event_id
        )
    if sampler:
        print(f"[{target}] sold out; watching the replicas for up to {watch_after_s:g} s", flush=True)
        await watch_scale_down(result.replicas, watch_after_s)
        sampler.cancel()
    return result


async def drained(database_url: str, t0: float, limit_s: float = 300) -> float:
    """Seconds from the start of the sale until the outbox held nothing left to relay (e-mails sent)."""

    def pending() -> int:
        with psycopg.connect(database_url, connect_timeout=5) as conn:
            row = conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()
        return int(row[0]) if row else 0

    deadline = time.monotonic() + limit_s
    for _ in range(int(limit_s / 0.2)):  # polling the database: nothing here could signal it
        if not await asyncio.to_thread(pending) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    return round(time.perf_counter() - t0, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_target_arguments(parser, target="serve")
    parser.add_argument("--seats", type=int, default=2000)
    parser.add_argument("--buyers", type=int, default=500)
    parser.add_argument("--types", type=int, default=1, help="ticket types the seats are split over")
    parser.add_argument("--promo", action="store_true", help="every other hold names a 10 %% promo code")
    parser.add_argument("--register-concurrency", type=int, default=4, help="buyers registering at once (setup)")
    parser.add_argument("--dashboard", default="auto", help="Ray dashboard for replica counts; 'auto' or 'none'")
    parser.add_argument("--organizer", default="organizer@example.com")
    parser.add_argument("--organizer-password", default="organizer-pass-123")
    parser.add_argument("--watch-after", type=float, default=150, help="seconds to watch the replicas scale down")
    parser.add_argument("--json", type=Path, default=RESULTS / "onsale.json")
    parser.add_argument(
        "--no-ceiling", dest="ceiling", action="store_false", help="skip shared/bench/pg_ceiling.sh after the runs"
    )
    parser.add_argument("--peer", action="store_true", help="also run shared/bench/peer-pretix/run.sh, same size")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EVENTBOOK_DATABASE_URL"),
        help="the Serve app's database, to wait for the sale's e-mails (default: EVENTBOOK_DATABASE_URL)",
    )
    args = parser.parse_args(argv)

    common = {
        "seats": args.seats,
        "buyers": args.buyers,
        "organizer_login": (args.organizer, args.organizer_password),
        "register_concurrency": args.register_concurrency,
        "types": args.types,
        "promo": args.promo,
    }
    runs: list[Run] = []
    others = [procstat.services, procstat.this_process("load generator")]
    if args.target in ("serve", "both"):
        dashboard, session_dir = None, None
        root = procstat.serve_run_pid(urlsplit(args.url).port or 80)
        try:
            session_dir = raystate.session_dir(root)
            dashboard = raystate.dashboard_url(session_dir) if args.dashboard == "auto" else None
        except OSError:
            pass
        if args.dashboard not in ("auto", "none"):
            dashboard = args.dashboard
        cpu = CpuMeter(root, procstat.serve_label, others) if root else None
        meter = RoundTripMeter(session=session_dir) if session_dir else None
        runs.append(
            asyncio.run(
                run(
                    "serve",
                    args.url,
                    dashboard=dashboard,
                    watch_after_s=args.watch_after,
                    cpu=cpu,
                    round_trips=meter,
                    database_url=args.database_url,
                    **common,
                )
            )
        )
        print_run(runs[-1])
    if args.target in ("uvicorn", "both"):
        with inprocess_server(args.pg, args.port) as (url, pid, database):
            cpu = CpuMeter(pid, lambda _: "uvicorn process", others)
            meter = RoundTripMeter(base_url=url)
            runs.append(
                asyncio.run(
                    run("uvicorn", url, dashboard=None, cpu=cpu, round_trips=meter, database_url=database, **common)
                )
            )
        print_run(runs[-1])
    if len(runs) == 2 and runs[1].paid_per_s:
        serve, local = runs
        print(
            f"Serve / one uvicorn process: paid bookings/s {serve.paid_per_s / local.paid_per_s:.2f}x; "
            + "; ".join(
                f"{step} p50 {serve.steps[step]['p50_ms'] / local.steps[step]['p50_ms']:.2f}x "
                f"p99 {serve.steps[step]['p99_ms'] / local.steps[step]['p99_ms']:.2f}x"
                for step in ("hold", "pay")
                if step in serve.steps and step in local.steps
            )
        )
    comparisons: dict[str, object] = {}
    if args.ceiling:
        ceiling = peers.pg_ceiling()
        comparisons["pg_ceiling_paid_per_s"] = ceiling
        for r in runs:
            print(f"[{r.target}] {r.paid_per_s} paid bookings/s = {100 * r.paid_per_s / ceiling:.1f} % of the ceiling")
    if args.peer:
        pretix = peers.pretix(args.seats, args.buyers)
        comparisons["pretix"] = pretix
        for r in runs:
            print(
                f"[{r.target}] {r.paid_per_s / pretix['paid_per_s']:.1f}x pretix's {pretix['paid_per_s']} paid orders/s"
            )
    write_results(args.json, [asdict(r) | r.summary() for r in runs] + ([comparisons] if comparisons else []))
    return 0 if all(r.exact for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
