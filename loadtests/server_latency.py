"""The platform's own view of a route's latency, next to what the buyers measured: the Api's histogram
`ray_eventbook_http_request_latency_ms` (ingress/route_metrics.py), read from every metrics endpoint of the local
Ray instance (the file Prometheus discovers them by) before and after a run. The difference of the two is the
run's requests alone; its p99 is the upper bound of the bucket that holds the 99th percentile, i.e. a bucket, not a
point (5, 10, 25, 50, 100, 250, 500 ms, ...). A buyer's figure minus this is the time its request spent in HAProxy,
on the wire and waiting for the benchmark's own event loop.

Ray exports metrics every few seconds: take the "after" snapshot `settle_s` after the last request.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.request
from pathlib import Path
from typing import Any

DISCOVERY = Path("/tmp/ray/prom_metrics_service_discovery.json")
BUCKET = re.compile(r"^ray_eventbook_http_request_latency_ms_bucket\{(?P<labels>.*)\} (?P<value>\S+)$")
LABEL = re.compile(r'(\w+)="([^"]*)"')

Buckets = dict[tuple[str, str, float], float]  # (method, route, le) → requests at or below le


def targets(discovery: Path = DISCOVERY) -> list[str]:
    try:
        groups = json.loads(discovery.read_text())
    except (OSError, ValueError):
        return []
    return [target for group in groups for target in group.get("targets", [])]


def parse(text: str) -> Buckets:
    found: Buckets = {}
    for line in text.splitlines():
        match = BUCKET.match(line)
        if match is None:
            continue
        labels = dict(LABEL.findall(match["labels"]))
        le = float("inf") if labels.get("le") == "+Inf" else float(labels.get("le", "nan"))
        key = (labels.get("method", ""), labels.get("route", ""), le)
        found[key] = found.get(key, 0.0) + float(match["value"])
    return found


def snapshot(discovery: Path = DISCOVERY, timeout_s: float = 5.0) -> Buckets:
    """Every endpoint's buckets, summed (one Api replica or several)."""
    total: Buckets = {}
    for target in targets(discovery):
        try:
            with urllib.request.urlopen(f"http://{target}/metrics", timeout=timeout_s) as answer:
                for key, seen in parse(answer.read().decode()).items():
                    total[key] = total.get(key, 0.0) + seen
        except OSError:
            continue  # an agent that went away: its requests are not counted
    return total


def p99(before: Buckets, after: Buckets, method: str, route: str) -> dict[str, Any]:
    """The run's request count and the bucket holding its 99th percentile (ms; None: above the last bound)."""
    cumulative = sorted(
        (le, after[(m, r, le)] - before.get((m, r, le), 0.0)) for (m, r, le) in after if (m, r) == (method, route)
    )
    if not cumulative or cumulative[-1][1] <= 0:
        return {"count": 0}
    count = cumulative[-1][1]
    bound = next(le for le, seen in cumulative if seen >= 0.99 * count)
    return {"count": int(count), "p99_at_most_ms": None if bound == float("inf") else bound}


STEPS = {
    "poll": ("GET", "/api/events/{id}/queue"),
    "hold": ("POST", "/api/bookings"),
    "pay": ("POST", "/api/bookings/{id}/pay"),
}


async def snapshot_at(when: float) -> Buckets:
    """The buckets at wall-clock time `when` (the opening)."""
    await asyncio.sleep(max(0.0, when - time.time()))
    return await asyncio.to_thread(snapshot)


async def server_view(before: Buckets, settle_s: float = 12.0) -> dict[str, Any]:
    """Each step's count and p99 bucket since `before`, once Ray has exported the last requests."""
    await asyncio.sleep(settle_s)
    after = await asyncio.to_thread(snapshot)
    return {step: p99(before, after, method, route) for step, (method, route) in STEPS.items()}
