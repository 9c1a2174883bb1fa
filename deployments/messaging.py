"""The Messaging deployment: relays the outbox (to RabbitMQ, or in process without a broker) and runs the
notifications consumer. Requests never wait on the broker: they only write outbox rows."""

from __future__ import annotations

import asyncio
import logging

from ray import serve

from adapters.messaging.mailers import FileMailer, SmtpMailer
from adapters.messaging.rabbit import RabbitConsumer, RabbitTransport, Topology
from adapters.messaging.relay import InProcessTransport, OutboxRelay, Transport
from deployments import metrics
from deployments.base import ServiceDeployment
from domain.notifications import CONSUMER, Mailer, NotificationService

log = logging.getLogger("eventbook.messaging")

IDLE_S = 0.5
BACKLOG_EVERY_S = 5.0  # how often the outbox backlog gauge is refreshed
BACKOFF_S = 2.0


@serve.deployment(name="Messaging")
class Messaging(ServiceDeployment):
    async def __init__(self) -> None:  # type: ignore[misc]  # Serve supports async constructors
        infra = await self._open()
        settings = infra.settings
        mailer: Mailer = SmtpMailer(settings.smtp_url) if settings.smtp_url else FileMailer(settings.var_dir / "mail")
        notifications = NotificationService(uow=infra.uow, mailer=mailer, clock=infra.clock)
        self.broker: RabbitTransport | None = None
        self.consumer: RabbitConsumer | None = None
        transport: Transport
        if settings.amqp_url:
            topology = Topology(prefix=settings.amqp_prefix)
            transport = self.broker = RabbitTransport(settings.amqp_url, topology)
            loop = asyncio.get_running_loop()
            self.consumer = RabbitConsumer(
                settings.amqp_url, consumer=CONSUMER, handler=notifications.handle, loop=loop, topology=topology
            )
            self.consumer.start()
        else:
            transport = InProcessTransport([notifications.handle])  # one code path, another transport
        self.relay = OutboxRelay(infra.engine, transport)
        self._task = asyncio.get_running_loop().create_task(self._relay_forever())

    async def _relay_forever(self) -> None:
        loop = asyncio.get_running_loop()
        measured_at = -BACKLOG_EVERY_S
        while True:
            try:
                if loop.time() - measured_at >= BACKLOG_EVERY_S:
                    measured_at = loop.time()
                    metrics.outbox_backlog(await self.relay.backlog())
                sent = await self.relay.relay_once()
                await asyncio.sleep(0 if sent else IDLE_S)
            except Exception as error:  # broker or database away: the messages wait in the outbox
                log.warning("outbox relay paused: %r", error)
                await asyncio.sleep(BACKOFF_S)

    async def health(self) -> dict[str, str]:
        checks = await super().health()
        if self.broker is None:
            checks["broker"] = "disabled"
        else:
            reachable = await asyncio.to_thread(self.broker.ping)
            checks["broker"] = "ok" if reachable and self.consumer and self.consumer.connected.is_set() else "degraded"
        return checks

    def __del__(self) -> None:
        if self.consumer is not None:
            self.consumer.stop()
