"""Database round trips made by the app during a run, by role (request, relay, mail, settlement), as the app
counts them at its driver (adapters/db/round_trips.py):

- the Serve app exports them as the Ray metric `ray_eventbook_db_round_trips_total{role}`, read from every metrics
  endpoint of its Ray session; Ray reports a worker's metrics every few seconds, so readings wait for that to pass;
- the in-process server answers them at `GET /bench/round-trips` (loadtests/inprocess.py).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx

from loadtests import raystate

METRIC = "ray_eventbook_db_round_trips_total"
RAY_REPORT_S = 12.0  # longer than Ray's metrics report interval: a reading taken after it includes what came before
_SAMPLE = re.compile(METRIC + r"\{([^}]*)\} ([0-9.e+]+)")


def from_ray(session: Path) -> dict[str, float]:
    totals: dict[str, float] = {}
    for target in raystate.metrics_targets(session):
        try:
            text = httpx.get(f"http://{target}/metrics", timeout=10).text
        except httpx.HTTPError:
            continue
        for labels, value in _SAMPLE.findall(text):
            role = re.search(r'role="([^"]*)"', labels)
            name = role.group(1) if role else "?"
            totals[name] = totals.get(name, 0.0) + float(value)
    return dict(totals)


def from_inprocess(base_url: str) -> dict[str, float]:
    return {role: float(n) for role, n in httpx.get(f"{base_url}/bench/round-trips", timeout=10).json().items()}


class RoundTripMeter:
    """Round trips by role between start() and stop(), from the Serve app's Ray session or the in-process server."""

    def __init__(self, *, session: Path | None = None, base_url: str | None = None) -> None:
        self._session, self._base_url = session, base_url
        self._start: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        if self._session is not None:
            return from_ray(self._session)
        assert self._base_url is not None
        return from_inprocess(self._base_url)

    def _settle(self) -> None:
        if self._session is not None:
            time.sleep(RAY_REPORT_S)

    def start(self) -> None:
        self._settle()  # what came before (the sign-ups) has been reported
        try:
            self._start = self._read()
        except (OSError, httpx.HTTPError) as error:  # not measurable here: the run goes on without it
            print(f"database round trips not measured: {error!r}", flush=True)
            self._start = {"?": -1.0}

    def stop(self) -> dict[str, float]:
        if self._start.get("?") == -1.0:
            return {}
        self._settle()
        end = self._read()
        return {role: end[role] - self._start.get(role, 0.0) for role in sorted(end)}
