"""What the booking path's latency was lately, as the ingress saw it: the signal the waiting room admits by.

The hold and pay routes record how long each answer took; every second or so the ingress sends the p99 of the
last few seconds to the Queue deployment, whose admission policy lets more buyers in while these stay under their
targets and fewer when they do not (domain/waiting_room.py). Recording is a deque append: nothing on the hot path
waits for it.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from domain.waiting_room import LatencySignal

WINDOW_S = 5.0
MAX_SAMPLES = 20_000  # per kind: at most this many of the last WINDOW_S are kept


class LatencyWindow:
    def __init__(self, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._window_s = window_s
        self._clock = clock
        self._samples: dict[str, deque[tuple[float, float]]] = {
            "hold": deque(maxlen=MAX_SAMPLES),
            "pay": deque(maxlen=MAX_SAMPLES),
        }

    def record(self, kind: str, seconds: float) -> None:
        self._samples[kind].append((self._clock(), seconds))

    def signal(self) -> LatencySignal:
        """The p99 of holds and of payments answered in the window (None for a kind with no answers)."""
        since = self._clock() - self._window_s
        recent = {}
        for kind, samples in self._samples.items():
            while samples and samples[0][0] < since:
                samples.popleft()
            recent[kind] = sorted(seconds for _, seconds in samples)
        return LatencySignal(
            hold_p99_s=p99(recent["hold"]),
            pay_p99_s=p99(recent["pay"]),
            samples=len(recent["hold"]) + len(recent["pay"]),
        )


def p99(ordered: list[float]) -> float | None:
    """The 99th percentile of sorted values (nearest rank), None when there are none."""
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
