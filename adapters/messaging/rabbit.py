"""RabbitMQ: a durable topic exchange, a quorum queue per consumer with a dead-letter queue, publisher confirms.

pika's BlockingConnection is not thread-safe and blocks: the publisher keeps one connection and uses it from
one worker thread at a time; each consumer runs in a thread of its own and hands messages to the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties

from adapters.messaging.relay import Handler
from domain.messages import Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Topology:
    """The exchange and every consumer's queues. Publisher and consumers both declare all of it, so a
    message published before its consumer ever connected waits in a durable queue instead of vanishing."""

    prefix: str = "eventbook"
    delivery_limit: int = 3  # redeliveries before a message is dead-lettered
    consumers: tuple[tuple[str, tuple[str, ...]], ...] = (("notifications", ("booking.*",)),)

    @property
    def exchange(self) -> str:
        return self.prefix

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.prefix}.dlx"

    def queue(self, consumer: str) -> str:
        return f"{self.prefix}.{consumer}"

    def dead_letter_queue(self, consumer: str) -> str:
        return f"{self.prefix}.{consumer}.dead"

    def declare(self, channel: BlockingChannel) -> None:
        channel.exchange_declare(self.exchange, exchange_type="topic", durable=True)
        channel.exchange_declare(self.dead_letter_exchange, exchange_type="direct", durable=True)
        for consumer, bindings in self.consumers:
            dead = self.dead_letter_queue(consumer)
            channel.queue_declare(dead, durable=True)
            channel.queue_bind(dead, self.dead_letter_exchange, routing_key=self.queue(consumer))
            arguments = {
                "x-queue-type": "quorum",
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": self.dead_letter_exchange,
                "x-dead-letter-routing-key": self.queue(consumer),
            }
            channel.queue_declare(self.queue(consumer), durable=True, arguments=arguments)
            for pattern in bindings:
                channel.queue_bind(self.queue(consumer), self.exchange, routing_key=pattern)


def encode(message: Message) -> bytes:
    return json.dumps({"id": message.id, "topic": message.topic, "payload": message.payload}).encode()


def decode(body: bytes) -> Message:
    data = json.loads(body)
    return Message(str(data["topic"]), dict(data["payload"]), str(data["id"]))


class RabbitTransport:
    """Publishes persistent messages and waits for the broker's confirm of each before they count as sent."""

    def __init__(self, url: str, topology: Topology | None = None) -> None:
        self._params = pika.URLParameters(url)
        self._params.connection_attempts = 1
        self._params.socket_timeout = 5
        self._topology = topology or Topology()
        self._channel: BlockingChannel | None = None
        self._lock = threading.Lock()

    async def publish(self, messages: Sequence[Message]) -> Sequence[Message]:
        return await asyncio.to_thread(self._publish, messages)

    def ping(self) -> bool:
        try:
            with self._lock:
                self._open()
            return True
        except pika.exceptions.AMQPError:
            self._reset()
            return False

    def _publish(self, messages: Sequence[Message]) -> Sequence[Message]:
        with self._lock:
            try:
                channel = self._open()
                for message in messages:
                    properties = BasicProperties(
                        message_id=message.id, delivery_mode=2, content_type="application/json", type=message.topic
                    )
                    # With confirms on, this returns once the broker has the message, or raises (NackError).
                    channel.basic_publish(self._topology.exchange, message.topic, encode(message), properties)
            except pika.exceptions.AMQPError:
                self._reset()
                raise
        return messages

    def _open(self) -> BlockingChannel:
        if self._channel is None or self._channel.is_closed:
            connection = pika.BlockingConnection(self._params)
            channel = connection.channel()
            channel.confirm_delivery()
            self._topology.declare(channel)
            self._channel = channel
        return self._channel

    def _reset(self) -> None:
        channel, self._channel = self._channel, None
        try:
            if channel is not None and channel.connection.is_open:
                channel.connection.close()
        except pika.exceptions.AMQPError:
            pass

    def close(self) -> None:
        with self._lock:
            self._reset()


class RabbitConsumer:
    """Consumes one queue in a thread: ack after the handler succeeds, nack (requeue) when it fails, so the
    quorum queue dead-letters a message after `delivery_limit` failures; an unreadable message at once."""

    def __init__(
        self, url: str, *, consumer: str, handler: Handler,
        loop: asyncio.AbstractEventLoop, topology: Topology | None = None, handler_timeout_s: float = 30,
    ) -> None:  # fmt: skip
        self._params = pika.URLParameters(url)
        self._consumer = consumer
        self._handler = handler
        self._loop = loop
        self._topology = topology or Topology()
        self._timeout = handler_timeout_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"consumer-{consumer}", daemon=True)
        self.connected = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                connection = pika.BlockingConnection(self._params)
                channel = connection.channel()
                self._topology.declare(channel)
                channel.basic_qos(prefetch_count=16)
                channel.basic_consume(self._topology.queue(self._consumer), self._on_message)
                self.connected.set()
                while not self._stopping.is_set():
                    connection.process_data_events(time_limit=0.5)
                connection.close()
            except pika.exceptions.AMQPError as error:  # broker away: try again shortly, nothing is lost
                self.connected.clear()
                log.warning("consumer %s lost the broker (%s); reconnecting", self._consumer, error)
                self._stopping.wait(2)

    def _on_message(
        self, channel: BlockingChannel, method: Basic.Deliver, properties: BasicProperties, body: bytes
    ) -> None:
        try:
            message = decode(body)
        except (ValueError, KeyError, TypeError):
            log.error("unreadable message on %s; dead-lettering it", self._consumer)
            channel.basic_nack(method.delivery_tag, requeue=False)
            return

        async def handle() -> None:
            await self._handler(message)

        try:
            asyncio.run_coroutine_threadsafe(handle(), self._loop).result(self._timeout)
        except Exception:  # the handler failed: requeue; the broker counts deliveries and dead-letters
            log.exception("handling %s (%s) failed", message.id, message.topic)
            channel.basic_nack(method.delivery_tag, requeue=True)
            return
        channel.basic_ack(method.delivery_tag)
