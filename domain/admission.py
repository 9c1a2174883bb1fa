"""How many buyers the waiting room lets in at once: a bound that follows what the booking path sustains.

The bound is the number of admitted buyers whose passes have not run out. It moves like TCP's congestion window
(AIMD): while holds and payments answer well inside their latency targets and the bound is actually in use, it
grows by a few buyers per adjustment; as soon as either p99 goes above its target it is cut by a fraction. Additive
increase with multiplicative decrease settles near the most the path carries within its targets, and backs off
fast when a burst of buyers (or anything else) slows it down. Too few samples never cut the bound, but a few that
are all well inside the targets let a small bound grow (its few buyers could never make enough samples).

The policy is pure: the waiting room feeds it the stored bound, the latest measurements and the buyers admitted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class LatencySignal:
    """What the booking path measured lately: p99 seconds over the last few seconds (None: nothing measured)."""

    hold_p99_s: float | None
    pay_p99_s: float | None
    samples: int


@dataclass(frozen=True)
class AdmissionPolicy:
    hold_target_s: float = 0.25
    pay_target_s: float = 0.4
    initial_bound: int = 20  # before any measurement: a slow start (at 50 the opening began with a burst)
    min_bound: int = 5
    max_bound: int = 5000
    increase: int = 10  # buyers added per adjustment while well under the targets
    decrease: float = 0.7  # the bound is multiplied by this while over a target
    headroom: float = 0.6  # "well under": every p99 below this fraction of its target
    busy: float = 0.8  # grow only while at least this fraction of the bound is admitted (in use)
    min_samples: int = 20
    adjust_every: timedelta = timedelta(seconds=1)  # one adjustment per interval, however many replicas tick

    def __post_init__(self) -> None:
        if not 0 < self.min_bound <= self.initial_bound <= self.max_bound:
            raise ValueError("need 0 < min_bound <= initial_bound <= max_bound")
        if not 0 < self.decrease < 1 or not 0 < self.headroom <= 1:
            raise ValueError("decrease must be in (0, 1) and headroom in (0, 1]")

    def next_bound(self, bound: int, signal: LatencySignal, active: int) -> int:
        """The bound after one adjustment, given the current one, the measurements and the buyers admitted now."""
        bound = self._clamp(bound)
        load = self._worst(signal)
        if load is None:
            return bound
        thin = signal.samples < self.min_samples
        if load > 1 and not thin:
            return self._clamp(math.floor(bound * self.decrease))
        if load < self.headroom and active >= self.busy * bound:
            # Even a thin signal may say "grow": a few buyers all answered well inside the targets. Without this a
            # small bound could never grow back, since its few buyers never make min_samples (bench-queue: stuck
            # at 7 buyers for minutes after the opening's rush had passed).
            return self._clamp(bound + self.increase)
        return bound

    def _worst(self, signal: LatencySignal) -> float | None:
        """The worst p99 as a fraction of its target; None when nothing was measured."""
        if signal.samples == 0:
            return None
        ratios = [
            p99 / target
            for p99, target in ((signal.hold_p99_s, self.hold_target_s), (signal.pay_p99_s, self.pay_target_s))
            if p99 is not None
        ]
        return max(ratios) if ratios else None

    def _clamp(self, bound: int) -> int:
        return max(self.min_bound, min(self.max_bound, bound))
