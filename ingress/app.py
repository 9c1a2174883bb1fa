"""The FastAPI application of the HTTP ingress. Serve (or a test) sets `app.state.services` before the first request."""

from __future__ import annotations

from fastapi import FastAPI

from ingress import frontend, routes_auth, routes_bookings, routes_events, routes_health
from ingress.errors import install_error_handlers

DESCRIPTION = """Event booking platform. Every error answers `{"error": {"code", "message", "details"}}`.

Protected routes take `Authorization: Bearer <access_token>`; holds and payments take `Idempotency-Key`."""


def build_app() -> FastAPI:
    """The app; whoever builds it sets `app.state.services` (ingress/services.py) before the first request."""
    app = FastAPI(
        title="Eventbook",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
        redoc_url=None,
    )
    for module in (routes_auth, routes_events, routes_bookings, routes_health, frontend):
        app.include_router(module.router)
    install_error_handlers(app)
    dist = frontend.frontend_dist()
    if dist is not None:  # the built web app at `/` (`make frontend`)
        frontend.mount_frontend(app, dist)
    return app
