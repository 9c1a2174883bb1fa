"""The Messaging deployment: relays the outbox (to RabbitMQ, or in process without a broker) and runs the
notifications consumer. Requests never wait on the broker: they only write outbox rows. It also publishes the
waiting lists' offer counts, read from the tables like the outbox backlog."""

from __future__ import annotations

import asyncio

from adapters.background import measure_forever, relay_forever
from adapters.bootstrap import mail_handler
from adapters.db.waitlist_stats import offer_counts
from adapters.messaging.rabbit import RabbitConsumer, RabbitTransport, Topology
from adapters.messaging.relay import InProcessTransport, OutboxRelay, Transport
from adapters.priority import lower_priority
from deployments import metrics, queue_metrics
from deployments.base import ServiceDeployment
from domain.notifications import CONSUMER


class MessagingDeployment(ServiceDeployment):
    async def __init__(self) -> None:  # type: ignore[misc]  # Serve supports async constructors
        infra = await self._open()
        settings = infra.settings
        lower_priority(settings.background_niceness)  # before the consumer's thread starts: it inherits the value
        handle = mail_handler(infra.ports)
        loop = asyncio.get_running_loop()
        self.broker: RabbitTransport | None = None
        self.consumer: RabbitConsumer | None = None
        transport: Transport
        if settings.amqp_url:
            topology = Topology(prefix=settings.amqp_prefix)
            transport = self.broker = RabbitTransport(settings.amqp_url, topology)
            self.consumer = RabbitConsumer(
                settings.amqp_url, consumer=CONSUMER, handler=handle, loop=loop, topology=topology
            )
            self.consumer.start()
        else:
            transport = InProcessTransport([handle])  # one code path, another transport
        self.relay = OutboxRelay(infra.engine, transport)
        self._task = loop.create_task(relay_forever(self.relay, metrics.outbox_backlog))
        self._offers = loop.create_task(
            measure_forever(lambda: offer_counts(infra.engine), queue_metrics.waitlist_offers)
        )

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
