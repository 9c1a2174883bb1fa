"""What the same machine does without us: PostgreSQL alone (`shared/bench/pg_ceiling.sh`) and pretix
(`shared/bench/peer-pretix/run.sh`), run in the same session as our benchmark so the figures compare."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

SHARED_BENCH = Path(os.environ.get("EVENTBOOK_SHARED_BENCH", Path(__file__).resolve().parents[2] / "shared" / "bench"))


def pg_ceiling(clients: int = 32, seconds: int = 10) -> float:
    """Paid bookings/s of PostgreSQL alone: the same two transactions from pgbench, no application."""
    done = subprocess.run(
        [str(SHARED_BENCH / "pg_ceiling.sh"), str(clients), str(seconds)],
        capture_output=True,
        text=True,
        timeout=seconds * 6 + 60,
        check=True,
    )
    found = re.search(r"pg ceiling: ([0-9.]+) paid bookings/s", done.stdout)
    if not found:
        raise RuntimeError(f"pg_ceiling.sh said: {done.stdout}{done.stderr}")
    print(done.stdout.strip().splitlines()[-1], flush=True)
    return float(found.group(1))


def pretix(seats: int, buyers: int) -> dict[str, float]:
    """pretix's paid orders/s and step latencies at the same size (the first run installs it: minutes)."""
    env = {**os.environ, "SEATS": str(seats), "BUYERS": str(buyers)}
    done = subprocess.run(
        [str(SHARED_BENCH / "peer-pretix" / "run.sh")], capture_output=True, text=True, env=env, timeout=3600
    )
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    print(summary, flush=True)
    found = re.search(
        r"pretix: ([0-9.]+) paid orders/s .*create p50/p99 ([0-9.]+)/([0-9.]+) ms, pay p50/p99 ([0-9.]+)/([0-9.]+) ms",
        summary,
    )
    if done.returncode != 0 or not found:
        raise RuntimeError(f"peer-pretix/run.sh failed ({done.returncode}): {summary or done.stderr[-500:]}")
    keys = ("paid_per_s", "create_p50_ms", "create_p99_ms", "pay_p50_ms", "pay_p99_ms")
    return dict(zip(keys, (float(g) for g in found.groups()), strict=True))
