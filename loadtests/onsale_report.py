"""What one on-sale run measured, and how it is printed: sales, speed, latency per step, CPU and round trips."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from loadtests.httpload import percentiles


@dataclass
class Run:
    target: str
    base_url: str
    seats: int
    buyers: int
    seats_sold_by_buyers: int = 0
    seats_sold_by_platform: int = -1
    seats_available_after: int = -1
    paid_bookings: int = 0
    duration_s: float = 0.0
    paid_per_s: float = 0.0
    steps: dict[str, dict[str, float]] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    replicas: list[dict[str, Any]] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)  # CPU seconds during the sale, by process
    drained_s: float = 0.0  # from the start of the sale until its e-mails were out (0: not measured)
    cpu_drained_s: dict[str, float] = field(default_factory=dict)  # CPU seconds until then, by process
    round_trips: dict[str, float] = field(default_factory=dict)  # database round trips during the sale, by role

    @property
    def exact(self) -> bool:
        return self.seats_sold_by_buyers == self.seats == self.seats_sold_by_platform and not self.seats_available_after

    def per_paid_booking(self, value: float) -> float:
        return round(value / self.paid_bookings, 2) if self.paid_bookings else 0.0

    @property
    def app_cpu_ms(self) -> float:
        """CPU milliseconds of the app's processes per paid booking during the sale (not the services', not the
        load generator's)."""
        return self.per_paid_booking(_app(self.cpu_s) * 1000)

    @property
    def app_cpu_drained_ms(self) -> float:
        """The same until the sale's e-mails were out."""
        return self.per_paid_booking(_app(self.cpu_drained_s) * 1000)

    def summary(self) -> dict[str, Any]:
        return {
            "exact": self.exact,
            "app_cpu_ms_per_paid_booking": self.app_cpu_ms,
            "app_cpu_ms_per_paid_booking_with_emails": self.app_cpu_drained_ms,
            "postgres_cpu_ms_per_paid_booking": self.per_paid_booking(self.cpu_s.get("PostgreSQL", 0.0) * 1000),
            "round_trips_per_paid_booking": {role: self.per_paid_booking(n) for role, n in self.round_trips.items()},
        }


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {"hold": [], "pay": [], "hold+pay": []}
        self.statuses: Counter[str] = Counter()

    def summary(self) -> dict[str, dict[str, float]]:
        return {step: percentiles(values) for step, values in self.latencies.items() if values}


def print_run(r: Run) -> None:
    verdict = "EXACT" if r.exact else "MISMATCH"
    print(
        f"[{r.target}] seats sold {r.seats_sold_by_buyers} (platform says {r.seats_sold_by_platform}) of "
        f"{r.seats}, {r.seats_available_after} left: {verdict}; {r.paid_bookings} paid bookings in "
        f"{r.duration_s} s = {r.paid_per_s} paid bookings/s"
    )
    for step, s in r.steps.items():
        print(f"[{r.target}]   {step:9} n={s['count']:<6g} p50 {s['p50_ms']:>8} ms   p99 {s['p99_ms']:>8} ms")
    print(f"[{r.target}]   answers: {r.statuses}")
    if r.cpu_s:
        total = sum(r.cpu_s.values())
        print(f"[{r.target}]   CPU per paid booking: app {r.app_cpu_ms} ms, all {r.per_paid_booking(total * 1000)} ms")
        print(f"[{r.target}]     by process (ms): " + ", ".join(
            f"{label} {r.per_paid_booking(s * 1000)}" for label, s in r.cpu_s.items()
        ))  # fmt: skip
    if r.drained_s:
        print(
            f"[{r.target}]   e-mails out {r.drained_s} s after the sale began; app CPU per paid booking until then "
            f"{r.app_cpu_drained_ms} ms"
        )
    if r.round_trips:
        per = {role: r.per_paid_booking(n) for role, n in r.round_trips.items()}
        print(f"[{r.target}]   database round trips per paid booking: {per}")
    if r.replicas:
        changes = [s for i, s in enumerate(r.replicas) if i == 0 or counts(s) != counts(r.replicas[i - 1])]
        for sample in changes:
            print(f"[{r.target}]   replicas at {sample['t_s']:>6} s: {counts(sample)}")


NOT_THE_APP = ("PostgreSQL", "Redis", "RabbitMQ", "load generator")


def _app(cpu_s: dict[str, float]) -> float:
    return sum(s for label, s in cpu_s.items() if label not in NOT_THE_APP)


def counts(sample: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sample.items() if k != "t_s"}
