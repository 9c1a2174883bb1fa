"""bench-queue's reading of the Api's latency histogram (loadtests/server_latency.py) and of its own loop's lag."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from loadtests.loop_lag import LoopLag
from loadtests.server_latency import p99, parse, targets

HOLD = 'method="POST",route="/api/bookings"'
POLL = 'method="GET",route="/api/events/{id}/queue"'


def exposition(hold: list[int], worker: str = "a") -> str:
    """Ray's Prometheus text for one worker: cumulative counts per bound (5, 100, 250, +Inf)."""
    lines = ["# HELP ray_eventbook_http_request_latency_ms Milliseconds ...", "# TYPE x histogram"]
    for le, seen in zip(("5.0", "100.0", "250.0", "+Inf"), hold, strict=True):
        lines.append(
            f'ray_eventbook_http_request_latency_ms_bucket{{Component="w",WorkerId="{worker}",{HOLD},le="{le}"}} {seen}'
        )
    lines.append(f'ray_eventbook_http_request_latency_ms_bucket{{{POLL},le="+Inf"}} 7.0')
    lines.append(f"ray_eventbook_http_request_latency_ms_count{{{HOLD}}} {hold[-1]}")
    return "\n".join(lines)


def test_parse_sums_workers_and_keeps_routes_apart() -> None:
    found = parse(exposition([1, 5, 9, 10], "a") + "\n" + exposition([0, 2, 2, 2], "b"))
    assert found[("POST", "/api/bookings", 100.0)] == 7
    assert found[("POST", "/api/bookings", float("inf"))] == 12
    assert found[("GET", "/api/events/{id}/queue", float("inf"))] == 14
    assert not any(key[2] != key[2] for key in found)  # no NaN bound from the _count line


def test_p99_is_the_bucket_of_the_runs_own_requests() -> None:
    before = parse(exposition([0, 100, 100, 100]))  # a hundred fast holds before the opening
    after = parse(exposition([0, 190, 299, 300]))  # then 200 more: 90 under 100 ms, 109 under 250 ms, 1 slower
    assert p99(before, after, "POST", "/api/bookings") == {"count": 200, "p99_at_most_ms": 250.0}
    slow = parse(exposition([0, 100, 100, 300]))
    assert p99(before, slow, "POST", "/api/bookings") == {"count": 200, "p99_at_most_ms": None}
    assert p99(after, after, "POST", "/api/bookings") == {"count": 0}
    assert p99({}, after, "DELETE", "/api/bookings") == {"count": 0}


def test_targets_read_rays_discovery_file(tmp_path: Path) -> None:
    discovery = tmp_path / "sd.json"
    discovery.write_text(json.dumps([{"labels": {"job": "ray"}, "targets": ["127.0.0.1:1", "127.0.0.1:2"]}]))
    assert targets(discovery) == ["127.0.0.1:1", "127.0.0.1:2"]
    assert targets(tmp_path / "missing.json") == []


def test_loop_lag_sees_a_blocked_loop() -> None:
    async def blocked() -> dict[str, float]:
        lag = LoopLag.start(every_s=0.01)
        await asyncio.sleep(0.03)
        time.sleep(0.2)  # noqa: ASYNC251  # on purpose: the loop held for 200 ms, as a busy client holds it
        await asyncio.sleep(0.03)
        return lag.stop()

    found = asyncio.run(blocked())
    assert found["count"] >= 2
    assert found["max_ms"] >= 150
