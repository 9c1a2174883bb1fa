"""The FastAPI application of the HTTP ingress. Serve (or a test) sets `app.state.services` before the first request."""

from __future__ import annotations

from fastapi import FastAPI

from ingress import (
    frontend,
    routes_attendees,
    routes_auth,
    routes_bookings,
    routes_checkin,
    routes_events,
    routes_exports,
    routes_health,
    routes_payments,
    routes_queue,
    routes_ticket_types,
    routes_tickets,
    routes_waitlist,
)
from ingress.errors import install_error_handlers
from ingress.http_guards import install_http_guards
from ingress.http_limits import HttpLimits
from ingress.queue_lane import QueueLane

DESCRIPTION = """Event booking platform. Every error answers `{"error": {"code", "message", "details"}}`.

Protected routes take `Authorization: Bearer <access_token>`; holds and payments take `Idempotency-Key`."""


def build_app() -> FastAPI:
    """The app; whoever builds it sets `app.state.services` (ingress/services.py) before the first request."""
    app = FastAPI(
        title="Eventbook",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None,  # served by install_http_guards, from this app's own copy of Swagger UI
        redoc_url=None,
        # No trailing-slash redirects: they were built from the Host header, which the client chooses.
        redirect_slashes=False,
    )
    # The on-sale's routes first: Serve names every request's route by matching it against this list in order (for
    # its metrics), 29 µs a poll with the queue's routes fourth, 7 µs with them first. No two routes match the same
    # request (tests/unit/test_route_order.py), so the order changes no answer.
    routes = (
        routes_queue, routes_bookings, routes_payments, routes_auth, routes_events, routes_ticket_types,
        routes_waitlist, routes_attendees, routes_tickets, routes_checkin, routes_exports,
    )  # fmt: skip
    for module in (*routes, routes_health, frontend):  # the web app's catch-all last
        app.include_router(module.router)
    install_error_handlers(app)
    # queue polls and joins, answered before routing (innermost: every guard still applies)
    app.add_middleware(QueueLane)
    app.add_middleware(HttpLimits)  # an over-long target or header set: the contract's JSON, not a server's page
    install_http_guards(app)  # after HttpLimits: its security headers wrap HttpLimits' refusals too
    dist = frontend.frontend_dist()
    if dist is not None:  # the built web app at `/` (`make frontend`)
        frontend.mount_frontend(app, dist)
    return app
