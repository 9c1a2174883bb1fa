"""Requests and latency per route, measured in the Api replica (Ray metrics; see cluster/grafana/eventbook.json).

Serve's own `ray_serve_num_http_requests_total` is labelled by route only behind Serve's Python proxy: in throughput
mode (HAProxy in front, `make run SERVE_MODE=throughput`) every request carries `route="/"`. These are recorded by the
ingress itself, with the route template FastAPI matched (`/api/bookings/{id}/pay`), in either mode:

    ray_eventbook_http_requests_total{method, route, status}
    ray_eventbook_http_request_latency_ms_bucket{method, route, le}

Only the Serve ingress installs this (the in-process server of loadtests/ has no Ray to export to). Recording never
fails a request.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ray.serve import metrics
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("eventbook.metrics")

LATENCY_BUCKETS_MS = [5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0]
UNMATCHED = "unmatched"  # no route took the request (404, static files): one label, not one per path


@dataclass(frozen=True)
class _Metrics:
    requests: metrics.Counter
    latency_ms: metrics.Histogram


@functools.cache
def _metrics() -> _Metrics:
    return _Metrics(
        requests=metrics.Counter(
            "eventbook_http_requests",
            description="HTTP requests answered by the ingress, by route template and status.",
            tag_keys=("method", "route", "status"),  # type: ignore[arg-type]  # Ray annotates it as tuple[str]
        ),
        latency_ms=metrics.Histogram(
            "eventbook_http_request_latency_ms",
            description="Milliseconds from the request reaching the ingress to its response, by route template.",
            boundaries=LATENCY_BUCKETS_MS,
            tag_keys=("method", "route"),  # type: ignore[arg-type]
        ),
    )


def route_of(scope: Scope) -> str:
    """The template of the route that handled the request (FastAPI puts it in the scope while routing)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


Record = Callable[[Scope, int, float], None]


class RouteMetrics:
    """Pure ASGI middleware (no buffering of bodies): counts and times every HTTP request by its route."""

    def __init__(self, app: ASGIApp, record: Record | None = None) -> None:
        self.app = app
        self.record = record or _record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # an exception that escapes every handler is answered 500 by the server

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            try:
                self.record(scope, status, (time.perf_counter() - began) * 1000)
            except Exception:  # a metric must never fail the request it describes
                log.exception("could not record a route metric")


def _record(scope: Scope, status: int, elapsed_ms: float) -> None:
    m = _metrics()
    tags: dict[str, Any] = {"method": scope.get("method", ""), "route": route_of(scope)}
    m.requests.inc(tags={**tags, "status": str(status)})
    m.latency_ms.observe(elapsed_ms, tags=tags)
