"""The HTTP ingress as a Serve deployment: the FastAPI app over typed clients of the service deployments.

Catalog reads are answered here from a local cache checked against the catalog's generations, in Redis or, without
it, in the database (adapters/local_catalog.py); the session check of every authenticated request runs here too.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from ray import serve
from ray.serve.handle import DeploymentHandle

from adapters.bootstrap import connect, payment_config, session_guard
from adapters.local_catalog import LocalCatalog
from adapters.queue_bootstrap import waiting_room
from adapters.security import pass_signer
from adapters.settings import get_settings
from deployments.base import count_round_trips
from deployments.clients import (
    AttendeesClient,
    AuthClient,
    BookingClient,
    CatalogClient,
    CheckInClient,
    MessagingClient,
    TicketAuthoringClient,
    TicketsClient,
)
from deployments.queue_client import QueueClient
from ingress.app import build_app
from ingress.client_address import trusted_networks
from ingress.route_metrics import RouteMetrics
from ingress.services import CatalogApi, HealthCheck, Services


@serve.ingress()  # the app is built in the replica, after __init__, so its state holds this replica's handles
class ApiDeployment:
    async def __init__(  # type: ignore[misc]  # Serve supports async constructors
        self,
        auth: DeploymentHandle,
        catalog: DeploymentHandle,
        booking: DeploymentHandle,
        messaging: DeploymentHandle,
        queue: DeploymentHandle,
    ) -> None:
        settings = get_settings()
        infra = await connect(settings, prepare=False)  # the services migrate; this replica only reads sessions
        count_round_trips()
        catalog_client = CatalogClient(catalog, settings.catalog_timeout_s)
        catalog_api: CatalogApi = LocalCatalog(catalog_client, infra.generations)
        auth_client = AuthClient(auth, settings.auth_timeout_s)
        booking_client = BookingClient(booking, settings.booking_timeout_s)
        health: dict[str, HealthCheck] = {
            "auth": auth_client,
            "catalog": catalog_client,
            "booking": booking_client,
            "messaging": MessagingClient(messaging, settings.catalog_timeout_s),
        }
        queue_client = QueueClient(queue, settings.queue_timeout_s, statuses=waiting_room(infra))
        health["queue"] = queue_client
        self.services = Services(
            auth=auth_client,
            catalog=catalog_api,
            booking=booking_client,
            tickets=TicketsClient(booking, settings.booking_timeout_s),
            checkin=CheckInClient(booking, settings.booking_timeout_s),
            authoring=TicketAuthoringClient(catalog, settings.catalog_timeout_s),
            attendees=AttendeesClient(booking, settings.booking_timeout_s),
            health=health,
            sessions=session_guard(infra.ports),
            tokens=infra.ports.tokens,
            demo=settings.demo_mode,
            payments=payment_config(settings),
            trusted_proxies=trusted_networks(settings.trusted_proxies),
            queue=queue_client,
            passes=pass_signer(settings),
        )
        self._reports = asyncio.get_running_loop().create_task(queue_client.report_forever(self.services.latencies))

    def __serve_build_asgi_app__(self) -> FastAPI:
        app = build_app()
        app.add_middleware(RouteMetrics)  # per-route requests and latency, behind either proxy
        app.state.services = self.services
        return app
