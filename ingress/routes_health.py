"""GET /health: every service and the infrastructure they report, in one answer."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ingress.deps import ServicesDep
from ingress.schemas import HealthRead
from ingress.services import TARGETS, Services

router = APIRouter(tags=["health"])
log = logging.getLogger("eventbook.ingress")

HEALTH_TIMEOUT_S = 3.0
INFRASTRUCTURE = ("database", "replica", "cache", "broker")  # reported "disabled" when nobody mentions them
REQUIRED = frozenset({"database", "auth", "catalog", "booking"})
STATES = ("disabled", "ok", "degraded", "down")  # worst last: several services report the same check
RETRY_AFTER_S = 5


async def _health_of(services: Services, target: str) -> dict[str, str] | None:
    try:
        checks = await asyncio.wait_for(services.health[target].health(), HEALTH_TIMEOUT_S)
    except Exception as error:  # a dead or slow service is reported, never raised
        log.warning("health of %s failed: %r", target, error)
        return None
    return dict(checks) if isinstance(checks, dict) else {}


def _worst(a: str, b: str) -> str:
    a, b = (s if s in STATES else "down" for s in (a, b))
    return max(a, b, key=STATES.index)


def merge(reports: dict[str, dict[str, str] | None]) -> dict[str, Any]:
    """One `checks` map from each service's report; a target that did not answer is `down`."""
    checks: dict[str, str] = {}
    for target, report in reports.items():
        checks[target] = "ok" if report is not None else "down"
        for name, state in (report or {}).items():
            checks[name] = _worst(checks[name], str(state)) if name in checks else _worst("disabled", str(state))
    if reports.get("booking") is None:
        checks["payment"] = "down"  # only Booking can reach Payment
    checks.setdefault("payment", "down")
    for name in INFRASTRUCTURE:
        checks.setdefault(name, "disabled")
    if any(checks.get(name) == "down" for name in REQUIRED):
        status = "down"
    elif any(state in ("down", "degraded") for state in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    return {"status": status, "checks": dict(sorted(checks.items()))}


@router.get(
    "/health",
    response_model=HealthRead,
    responses={
        503: {
            "model": HealthRead,
            "description": "A required dependency is down",
            "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
        }
    },
)
async def health(services: ServicesDep) -> JSONResponse:
    """`ok`; `degraded` (still 200) when an optional dependency is down; 503 `down` when a required one is."""
    targets = [t for t in TARGETS if t in services.health]  # no Queue deployment in process: not reported
    results = await asyncio.gather(*(_health_of(services, target) for target in targets))
    body = merge(dict(zip(targets, results, strict=True)))
    if body["status"] == "down":
        return JSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})
    return JSONResponse(body)
