"""How many queue polls a second the platform answers, and how fast, while the queue is full: wrk (a C load
generator, Debian's `wrk`, installed by `make bench-queue`) polls as the waiting buyers in turn over a fixed number
of connections for a few seconds. A load generator in Python would need a core of the two for 2,000 requests a
second; wrk needs a few percent, so what is measured is the platform.

wrk is closed-loop: each connection sends its next poll when the last one is answered, so the rate is what the
platform sustains at that concurrency, and the latencies are those of that rate."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("queue_polls.lua")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def measure(url: str, event_id: str, tokens: list[str], *, seconds: int, connections: int) -> dict[str, Any]:
    """wrk's polls per second, latency percentiles (ms) and answers other than 200, over `seconds`."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed for the poll capacity phase: apt-get install wrk (make bench-queue does)")
    with tempfile.NamedTemporaryFile("w", suffix=".tokens") as file:
        file.write("\n".join(tokens) + "\n")
        file.flush()
        command = [
            wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", "-s", str(SCRIPT),
            url, "--", f"/api/events/{event_id}/queue", file.name,
        ]  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    return parse(out) | {"connections": connections, "seconds": seconds}


def parse(out: str) -> dict[str, Any]:
    """The figures of wrk's --latency report."""
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if found is None or total is None:
        raise ValueError(f"not a wrk report: {out!r}")
    result: dict[str, Any] = {"polls_per_s": float(found[1]), "polls": int(total[1])}
    for pct, value, unit in re.findall(r"^\s+(50|90|99)(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M):
        result[f"p{pct}_ms"] = round(float(value) * UNITS_MS[unit], 2)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    failed = re.search(r"Socket errors:.*", out)
    result["not_200"] = int(errors[1]) if errors else 0
    result["socket_errors"] = failed[0] if failed else ""
    return result
