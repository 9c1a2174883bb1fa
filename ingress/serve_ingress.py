"""The HTTP ingress as a Serve deployment: the FastAPI app, wired to the service deployments' handles."""

from __future__ import annotations

from fastapi import FastAPI
from ray import serve
from ray.serve.handle import DeploymentHandle

from adapters.security import JwtTokens
from adapters.settings import get_settings
from ingress.app import build_app
from ingress.backend import ServeBackend
from ingress.route_metrics import RouteMetrics


@serve.deployment(name="Api")
@serve.ingress()  # the app is built in the replica, after __init__, so its state holds this replica's handles
class Api:
    def __init__(
        self, auth: DeploymentHandle, catalog: DeploymentHandle, booking: DeploymentHandle, messaging: DeploymentHandle
    ) -> None:
        settings = get_settings()
        self.settings = settings
        self.backend = ServeBackend(
            {"auth": auth, "catalog": catalog, "booking": booking, "messaging": messaging},
            {
                "auth": settings.auth_timeout_s,
                "catalog": settings.catalog_timeout_s,
                "booking": settings.booking_timeout_s,
                "messaging": settings.catalog_timeout_s,
            },
        )

    def __serve_build_asgi_app__(self) -> FastAPI:
        app = build_app()
        app.add_middleware(RouteMetrics)  # per-route requests and latency, behind either proxy
        app.state.settings = self.settings
        app.state.tokens = JwtTokens.from_settings(self.settings)
        app.state.backend = self.backend
        return app
