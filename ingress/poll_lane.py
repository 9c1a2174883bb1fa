"""The queue poll's own lane: `GET /api/events/{id}/queue` answered before FastAPI's routing, dependency solving and
response model, which together took about half of a poll's CPU in the Api (py-spy during bench-queue, 2026-12-02).
10,000 waiting clients poll; nothing else on the platform is asked as often.

The lane answers exactly what the route in ingress/routes_queue.py answers (the same session check, the same room,
the same store read, the same body and `Retry-After`; tests/http/test_poll_lane.py compares the two), and every
error in the contract's body through the same handler. What the lane does not take (no bearer token, an id the
route's pattern refuses, any other method or path) goes on to FastAPI unchanged, so its answers stay FastAPI's.
The middlewares outside it (limits, security headers, route metrics) see the lane's answers like any other.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from domain import errors
from ingress import routes_queue
from ingress.errors import domain_error_response
from ingress.schemas import ID_PATTERN
from ingress.services import Services

POLL_PATH = re.compile(r"^/api/events/(" + ID_PATTERN.strip("^$") + r")/queue$")


def poll_route(app: Any) -> BaseRoute | None:
    """FastAPI's route for polls: the lane marks its answers with it, so per-route metrics name them alike."""
    for route in app.routes:
        if getattr(route, "endpoint", None) is routes_queue.poll:
            return route
    return None


class PollLane:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: BaseRoute | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = POLL_PATH.match(scope["path"]) if scope["type"] == "http" and scope["method"] == "GET" else None
        token = _bearer(scope) if match else None
        if match is None or token is None:
            await self.app(scope, receive, send)
            return
        starlette_app = scope["app"]
        if self._route is None:
            self._route = poll_route(starlette_app)
        scope["route"] = self._route
        response = await _answer(starlette_app.state.services, match.group(1), token)
        await response(scope, receive, send)


async def _answer(services: Services, event_id: str, token: str) -> Response:
    try:
        principal = await services.sessions.ensure_active(services.tokens.decode_access(token))
        queue, room = await routes_queue.queue_room(services, event_id, recent=True)
        entry = await queue.status(principal, room)
    except errors.DomainError as error:
        return domain_error_response(error)
    body = json.dumps(routes_queue.entry_body(entry), ensure_ascii=False, separators=(",", ":"))
    return Response(body.encode(), media_type="application/json", headers=routes_queue.entry_headers(entry))


def _bearer(scope: Scope) -> str | None:
    """The credentials as FastAPI's HTTPBearer reads them (the first Authorization header, scheme in any case)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            return credentials if scheme.lower() == "bearer" and credentials else None
    return None
