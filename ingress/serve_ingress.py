"""The HTTP ingress as a Serve deployment: the FastAPI app, wired to the service deployments' handles."""

from __future__ import annotations

from ray import serve
from ray.serve.handle import DeploymentHandle

from adapters.security import JwtTokens
from adapters.settings import get_settings
from ingress.app import build_app
from ingress.backend import ServeBackend

app = build_app()


@serve.deployment(name="Api")
@serve.ingress(app)
class Api:
    def __init__(self, auth: DeploymentHandle, catalog: DeploymentHandle, booking: DeploymentHandle) -> None:
        settings = get_settings()
        app.state.settings = settings
        app.state.tokens = JwtTokens.from_settings(settings)
        app.state.backend = ServeBackend(
            {"auth": auth, "catalog": catalog, "booking": booking},
            {
                "auth": settings.auth_timeout_s,
                "catalog": settings.catalog_timeout_s,
                "booking": settings.booking_timeout_s,
            },
        )
