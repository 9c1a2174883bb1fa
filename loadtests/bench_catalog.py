"""Catalog-read benchmark: how many event reads per second the Serve graph gives, against one uvicorn process.

`--clients` anonymous readers loop for `--seconds` (after `--warmup` seconds not counted) over the two catalog
routes, in the Locust mix's proportions: the event list (60 %, first page of 20) and an event page (40 %, one of
the listed events at random). The run reports requests per second, p50/p99 per route and any answer other than
200; with `--target both`, the ratio Serve / one uvicorn process (the issue's target: at least 0.5).

    python -m loadtests.bench_catalog --target both      # `make bench-catalog`: Serve on :8000, then uvicorn

`uvicorn` is loadtests/inprocess.py on a fresh PostgreSQL database with the demo data (`--pg`), as in bench_onsale.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp

from loadtests.httpload import percentiles, request, session
from loadtests.inprocess import RESULTS, add_target_arguments, inprocess_server, write_results

LIST = "GET /api/events"
PAGE = "GET /api/events/{id}"


@dataclass
class Run:
    target: str
    base_url: str
    clients: int
    seconds: float
    requests: int = 0
    per_s: float = 0.0
    routes: dict[str, dict[str, float]] = field(default_factory=dict)
    unexpected: dict[str, int] = field(default_factory=dict)


async def reader(
    client: aiohttp.ClientSession,
    ids: list[str],
    until: float,
    counting: asyncio.Event,
    run: Run,
    latencies: dict[str, list[float]],
) -> None:
    odd: Counter[str] = Counter()
    while (now := time.perf_counter()) < until:
        route, url = (
            (LIST, "/api/events?limit=20") if random.random() < 0.6 else (PAGE, f"/api/events/{random.choice(ids)}")
        )
        answer = await request(client, "GET", url)
        if counting.is_set():
            latencies[route].append(time.perf_counter() - now)
            if answer.status != 200:
                odd[f"{route} {answer.label()}"] += 1
    for label, n in odd.items():
        run.unexpected[label] = run.unexpected.get(label, 0) + n


async def run(target: str, base_url: str, *, clients: int, seconds: float, warmup: float) -> Run:
    result = Run(target, base_url, clients, seconds)
    latencies: dict[str, list[float]] = {LIST: [], PAGE: []}
    async with session(base_url, connections=clients + 2) as client:
        listing = await request(client, "GET", "/api/events?limit=20")
        ids = [e["id"] for e in listing.body["items"]]
        assert ids, f"{base_url} lists no events: {listing.status} {listing.body}"
        counting = asyncio.Event()
        until = time.perf_counter() + warmup + seconds
        readers = [asyncio.create_task(reader(client, ids, until, counting, result, latencies)) for _ in range(clients)]
        await asyncio.sleep(warmup)
        counting.set()
        t0 = time.perf_counter()
        await asyncio.gather(*readers)
        elapsed = time.perf_counter() - t0
    result.requests = sum(len(v) for v in latencies.values())
    result.per_s = round(result.requests / elapsed, 1)
    result.routes = {
        route: percentiles(v) | {"per_s": round(len(v) / elapsed, 1)} for route, v in latencies.items() if v
    }
    return result


def print_run(r: Run) -> None:
    print(f"[{r.target}] {r.clients} readers, {r.requests} reads in {r.seconds:g} s = {r.per_s} reads/s")
    for route, s in r.routes.items():
        print(f"[{r.target}]   {route:22} {s['per_s']:>8} /s   p50 {s['p50_ms']:>7} ms   p99 {s['p99_ms']:>7} ms")
    print(f"[{r.target}]   answers other than 200: {r.unexpected or 'none'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_target_arguments(parser, target="both")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--json", type=Path, default=RESULTS / "catalog.json")
    args = parser.parse_args(argv)

    common = {"clients": args.clients, "seconds": args.seconds, "warmup": args.warmup}
    runs: list[Run] = []
    if args.target in ("serve", "both"):
        runs.append(asyncio.run(run("serve", args.url, **common)))
        print_run(runs[-1])
    if args.target in ("uvicorn", "both"):
        with inprocess_server(args.pg, args.port) as (url, _, _):
            runs.append(asyncio.run(run("uvicorn", url, **common)))
        print_run(runs[-1])
    if len(runs) == 2 and runs[1].per_s:
        print(f"Serve / one uvicorn process: catalog reads/s {runs[0].per_s / runs[1].per_s:.2f}x (target >= 0.5)")
    write_results(args.json, [asdict(r) for r in runs])
    return 0 if all(r.requests and not r.unexpected for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
