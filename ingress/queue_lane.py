"""The waiting room's own lane: `GET /api/events/{id}/queue` (poll) and `POST /api/events/{id}/queue` (join) answered
before FastAPI's routing, dependency solving and response model, which together took about half of a poll's CPU in
the Api (py-spy during bench-queue, 2026-12-02). 10,000 waiting clients poll; nothing else on the platform is asked
as often, and the joins come all at once in the minutes before an opening: through FastAPI a join cost the Api
2.4 ms of CPU, so 5,000 joins in 10 s queued a thousand deep and the replica stopped answering its health checks
(bench-queue, 2026-12-03).

The lane answers exactly what the routes in ingress/routes_queue.py answer (the same session check, the same room,
the same store call, the same body, status and `Retry-After`; tests/http/test_queue_lane.py compares the two), and
every error in the contract's body through the same handler. What the lane does not take (no bearer token, an id
the routes' pattern refuses, a leave, any other path) goes on to FastAPI unchanged, so its answers stay FastAPI's.
A join's body, if any, is left unread, as the route (which takes none) leaves it. The middlewares outside the lane
(limits, security headers, route metrics) see its answers like any other.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from domain import errors
from domain.waiting_room import QueueEntry
from ingress import routes_queue
from ingress.errors import domain_error_response
from ingress.schemas import ID_PATTERN
from ingress.services import Services

QUEUE_PATH = re.compile(r"^/api/events/(" + ID_PATTERN.strip("^$") + r")/queue$")
ENDPOINTS = {"GET": routes_queue.poll, "POST": routes_queue.join}


def lane_routes(app: Any) -> dict[str, BaseRoute]:
    """FastAPI's routes for polls and joins, by method: the lane marks its answers with them, so per-route metrics
    name them alike."""
    found: dict[str, BaseRoute] = {}
    for route in all_routes(app.routes):
        for method, endpoint in ENDPOINTS.items():
            if getattr(route, "endpoint", None) is endpoint:
                found[method] = route
    return found


def all_routes(routes: list[Any]) -> list[Any]:
    """Every route, also inside included routers: FastAPI (0.165) keeps an included router whole (its `routes` then
    hold `_IncludedRouter`s, each with the `original_router`), where older versions copied its routes up."""
    flat: list[Any] = []
    for route in routes:
        inner = getattr(route, "original_router", None) or getattr(route, "routes", None)
        if inner is not None:
            flat.extend(all_routes(inner.routes if hasattr(inner, "routes") else inner))
        else:
            flat.append(route)
    return flat


class QueueLane:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._routes: dict[str, BaseRoute] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        taken = scope["type"] == "http" and scope["method"] in ENDPOINTS
        match = QUEUE_PATH.match(scope["path"]) if taken else None
        token = _bearer(scope) if match else None
        if match is None or token is None:
            await self.app(scope, receive, send)
            return
        starlette_app = scope["app"]
        if self._routes is None:
            self._routes = lane_routes(starlette_app)
        method = scope["method"]
        if method in self._routes:
            scope["route"] = self._routes[method]
        response = await _answer(starlette_app.state.services, match.group(1), token, join=method == "POST")
        await response(scope, receive, send)


async def _answer(services: Services, event_id: str, token: str, *, join: bool) -> Response:
    try:
        principal = await services.sessions.ensure_active(services.tokens.decode_access(token))
        queue, room = await routes_queue.queue_room(services, event_id, recent=True)
        if join:
            entry, created = await queue.join(principal, room)
        else:
            entry, created = await queue.status(principal, room), False
    except errors.DomainError as error:
        return domain_error_response(error)
    return _entry_response(entry, status=201 if created else 200)


def _entry_response(entry: QueueEntry, *, status: int) -> Response:
    body = json.dumps(routes_queue.entry_body(entry), ensure_ascii=False, separators=(",", ":"))
    return Response(
        body.encode(), status_code=status, media_type="application/json", headers=routes_queue.entry_headers(entry)
    )


def _bearer(scope: Scope) -> str | None:
    """The credentials as FastAPI's HTTPBearer reads them (the first Authorization header, scheme in any case)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            return credentials if scheme.lower() == "bearer" and credentials else None
    return None
