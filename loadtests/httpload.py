"""What the benchmarks share: an aiohttp session sized for many buyers, retried POSTs, percentiles.

The load generator shares the two cores with the app, so it must be cheap per request. httpx was not: its
connection pool scans every connection for each request, and with 500 connections the bench client used two
thirds of a core by itself (py-spy: `AsyncConnectionPool._assign_requests_to_connections`), which halved what the
app under test could get. aiohttp (already installed with Ray) keeps idle connections in a queue per host.
"""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass
from typing import Any

import aiohttp

# 408: Serve's proxy gave up at http_options.request_timeout_s (the work may or may not have happened; the same
# Idempotency-Key makes the retry safe either way). 502/503/504: the platform is busy or a dependency is slow.
RETRYABLE = {408, 502, 503, 504}
ATTEMPTS = 8


@dataclass
class Answer:
    status: int
    body: Any
    attempts: int = 1

    @property
    def code(self) -> str:
        """The contract's error code of a 4xx/5xx answer ('' when there is none)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("code", ""))
        return ""

    def label(self) -> str:
        """The status, with the error code when there is one: '409 sold_out', '201'."""
        return f"{self.status} {self.code}".strip() if self.status >= 400 else str(self.status)


def session(base_url: str, *, connections: int, timeout_s: float = 60) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections, ttl_dns_cache=300)
    return aiohttp.ClientSession(base_url, connector=connector, timeout=aiohttp.ClientTimeout(total=timeout_s))


async def request(client: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Answer:
    async with client.request(method, url, **kwargs) as response:
        try:
            body = await response.json(content_type=None)
        except ValueError:
            body = await response.text()
        return Answer(response.status, body)


async def post(client: aiohttp.ClientSession, url: str, **kwargs: Any) -> Answer:
    """POST, retried with the same body and Idempotency-Key while the platform says it is busy, slow, or still
    working on the first attempt (409 idempotency_in_progress: that attempt's answer comes to the retry)."""
    answer = Answer(0, None)
    for attempt in range(ATTEMPTS):
        try:
            answer = await request(client, "POST", url, **kwargs)
            answer.attempts = attempt + 1
        except (aiohttp.ClientError, TimeoutError):
            if attempt == ATTEMPTS - 1:
                raise
        else:
            busy = answer.status in RETRYABLE or answer.code == "idempotency_in_progress"
            if not busy or attempt == ATTEMPTS - 1:
                return answer
        await asyncio.sleep(min(0.2 * 2**attempt, 5.0))
    return answer


def percentiles(values: list[float]) -> dict[str, float]:
    """count, p50, p99 and max of durations in seconds, as milliseconds."""
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }
