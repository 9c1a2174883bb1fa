"""The platform in ONE uvicorn process: the same ingress (build_app) and domain services as the Serve app, called
in process through LocalBackend, with the same background work (settlement loop, outbox relay with the notifications
consumer). The on-sale benchmark runs it to show what the Serve graph costs.

    EVENTBOOK_DATABASE_URL=postgresql://… python -m loadtests.inprocess --port 8077
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from fastapi import FastAPI

from adapters.bootstrap import auth_service, booking_service, catalog_service, connect, sandbox_gateway
from adapters.messaging.mailers import FileMailer
from adapters.messaging.relay import InProcessTransport, OutboxRelay
from adapters.settings import get_settings
from domain.notifications import NotificationService
from ingress.app import build_app
from ingress.backend import LocalBackend


class Healthy:
    """A service with the `health()` its deployment adds (the database is checked by a query)."""

    def __init__(self, service: Any, infra: Any) -> None:
        self._service = service
        self._infra = infra

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)

    async def health(self) -> dict[str, str]:
        from sqlalchemy import text

        async with self._infra.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return {"database": "ok", "payment": "ok", "broker": "disabled", "cache": "disabled"}


async def _forever(step: Any, pause_s: float) -> None:
    while True:
        try:
            await step()
        except Exception:  # like the deployments' loops: outlive a blip
            await asyncio.sleep(1)
        await asyncio.sleep(pause_s)


def create_app() -> FastAPI:
    app = build_app()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        settings = get_settings()
        infra = await connect(settings)
        booking = booking_service(infra, sandbox_gateway(infra))
        notifications = NotificationService(
            uow=infra.uow, mailer=FileMailer(settings.var_dir / "mail"), clock=infra.clock
        )
        relay = OutboxRelay(infra.engine, InProcessTransport([notifications.handle]))

        async def settle() -> None:
            await booking.settlement.reap_expired()
            await booking.settlement.reconcile()

        app.state.settings = settings
        app.state.tokens = infra.tokens()
        app.state.backend = LocalBackend(
            {
                "auth": Healthy(auth_service(infra), infra),
                "catalog": Healthy(catalog_service(infra), infra),
                "booking": Healthy(booking, infra),
                "messaging": Healthy(None, infra),
            }
        )
        loops = [
            asyncio.create_task(_forever(settle, settings.reaper_interval_s)),
            asyncio.create_task(_forever(relay.relay_once, 0.5)),
        ]
        yield
        for loop in loops:
            loop.cancel()
        await infra.engine.dispose()

    app.router.lifespan_context = lifespan
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8077)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
