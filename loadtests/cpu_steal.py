"""How much of the machine's CPU the hypervisor took for others while a benchmark ran (/proc/stat's `steal`).

On a shared virtual machine the figures of one run are only comparable with another's at a similar steal: on
2026-12-03 this machine lost 20 % of its two cores at idle and the same poll benchmark ran 300 to 2,100 polls a
second from one run to the next. `Steal()` then `.percent()` gives the stolen share since it was made."""

from __future__ import annotations

from pathlib import Path

STAT = Path("/proc/stat")


def _ticks() -> tuple[int, int]:
    """(stolen, all) clock ticks of every CPU since boot."""
    values = [int(v) for v in STAT.read_text().splitlines()[0].split()[1:]]
    total = sum(values[:8])  # user nice system idle iowait irq softirq steal (guest time is inside user)
    return values[7], total


class Steal:
    def __init__(self) -> None:
        self._at = _ticks()

    def percent(self) -> float:
        stolen, total = _ticks()
        span = total - self._at[1]
        return round(100 * (stolen - self._at[0]) / span, 1) if span else 0.0
