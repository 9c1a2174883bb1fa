"""Read a Locust run's `<prefix>_stats.csv` and hold it to the platform's targets.

    python loadtests/check.py loadtests/results/mix_stats.csv [--report-only]

Targets: catalog reads p99 ≤ 60 ms, hold p99 ≤ 100 ms, pay p99 ≤ 200 ms, and no unexpected errors on any route
(409 sold_out is counted as a success by the locustfile). Prints one row per route; exits 1 when a target is missed
(0 with --report-only, which CI uses: a few seconds on a shared machine say nothing about latency).
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

P99_TARGETS_MS = {
    "GET /api/events": 60.0,
    "GET /api/events/{id}": 60.0,
    "POST /api/bookings (hold)": 100.0,
    "POST /api/bookings/{id}/pay": 200.0,
}


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    rps: float

    @property
    def target(self) -> float | None:
        return P99_TARGETS_MS.get(self.name)

    def misses(self) -> list[str]:
        missed = []
        if self.failures:
            missed.append(f"{self.failures} failures")
        if self.target is not None and self.p99 > self.target:
            missed.append(f"p99 {self.p99:g} ms > {self.target:g} ms (+{self.p99 - self.target:g})")
        return missed


def read(path: Path) -> list[Row]:
    rows = []
    with path.open(newline="") as f:
        for r in csv.DictReader(f):
            rows.append(
                Row(
                    name=r["Name"],
                    requests=int(r["Request Count"]),
                    failures=int(r["Failure Count"]),
                    p50=_ms(r["50%"]),
                    p95=_ms(r["95%"]),
                    p99=_ms(r["99%"]),
                    rps=float(r["Requests/s"] or 0),
                )
            )
    return rows


def _ms(value: str) -> float:
    return float(value) if value not in ("", "N/A") else 0.0


def report(rows: list[Row]) -> tuple[str, list[str]]:
    lines = [
        f"{'route':32} {'reqs':>7} {'req/s':>7} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'target':>7}  verdict"
    ]
    missed = []
    for row in rows:
        target = f"{row.target:g}" if row.target is not None else "-"
        misses = row.misses() if row.name != "Aggregated" else []
        verdict = "ok" if not misses else "MISSED: " + ", ".join(misses)
        if row.name == "Aggregated":
            verdict = ""
        lines.append(
            f"{row.name:32} {row.requests:>7} {row.rps:>7.1f} {row.failures:>5} "
            f"{row.p50:>6g} {row.p95:>6g} {row.p99:>6g} {target:>7}  {verdict}"
        )
        missed += [f"{row.name}: {m}" for m in misses]
    return "\n".join(lines), missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stats_csv", type=Path)
    parser.add_argument("--report-only", action="store_true", help="print the table; never fail on a target")
    args = parser.parse_args(argv)
    rows = read(args.stats_csv)
    if not any(r.requests for r in rows):
        print(f"{args.stats_csv}: no requests were made", file=sys.stderr)
        return 2
    table, missed = report(rows)
    print("latencies in ms (Locust's percentiles)")
    print(table)
    for line in missed:
        print(f"target missed: {line}")
    if missed and not args.report_only:
        return 1
    print("all targets met" if not missed else "report only: targets not enforced")
    return 0


if __name__ == "__main__":
    sys.exit(main())
