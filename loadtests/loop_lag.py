"""How late the benchmark's own event loop runs: every latency a buyer measures includes the time its answer waited
for this loop, so a busy client inflates the platform's figures. `LoopLag` wakes every `every_s` and records how
much later than asked it woke; `CpuClock` takes the process's CPU seconds between two points.

    lag = LoopLag.start()
    ...
    lag.stop()  # {"count": …, "p50_ms": …, "p99_ms": …, "max_ms": …}
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from loadtests.httpload import percentiles


@dataclass
class LoopLag:
    every_s: float = 0.05
    late_s: list[float] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    @classmethod
    def start(cls, every_s: float = 0.05) -> LoopLag:
        lag = cls(every_s)
        lag._task = asyncio.get_running_loop().create_task(lag._watch())
        return lag

    async def _watch(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(self.every_s)
            self.late_s.append(max(0.0, time.perf_counter() - asked - self.every_s))

    def stop(self) -> dict[str, Any]:
        if self._task is not None:
            self._task.cancel()
        return percentiles(self.late_s) if self.late_s else {"count": 0}


@dataclass
class CpuClock:
    """The process's CPU seconds (user + system, all threads) since it was made."""

    began: float = field(default_factory=time.process_time)

    def seconds(self) -> float:
        return round(time.process_time() - self.began, 2)
